"""No patient data in the logs.

A whole journey through the pages and a little of the API (Django's test client: the same views
as the browser, faster), with tasks run in-process, every log record captured at DEBUG: register
a patient and case, agenda, opinions, summary preparation, the meeting (attendance, decision
record, plan, sign-off), the patient summary (draft, release, single-use link) and the patient
reading it, plus refused input (400s), unknown records (404s) and failed sign-ins. No captured
record names the patient: not the MRN, not the given or family name, in any case, in its message,
arguments, exception or extra attributes.

The logging is the project's (settings.LOGGING) with LOG_LEVEL=DEBUG: the root logger and so our
own loggers and Celery's at DEBUG; Django's own loggers keep the level Django gives them (INFO).
django.db.backends would log SQL with its parameters (names included), but Django does so only
when settings.DEBUG is on: a development setting, off by default and off in tests.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Patient
from recommendations.models import ConsensusPlan, PatientSummary, PreMeetingSummary
from scheduling.models import Discipline, Meeting
from tests.factories import MeetingFactory, UserFactory
from tumorboard import roles

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit work (tasks) runs as in use

MRN = "ZZ-PRIV-4711"
GIVEN, FAMILY = "Quillon", "Vexbridge"
SECRETS = (MRN, GIVEN, FAMILY)
PASSWORD = "pw-test-1234"

# Attributes every LogRecord has; anything else on a record is an `extra` a handler may print.
STANDARD = set(vars(logging.LogRecord("x", logging.INFO, "x", 1, "x", None, None))) | {
    "message",
    "asctime",
}


class Recorder(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def all_logs(caplog):
    """Every log record of the test: the root logger at DEBUG (LOG_LEVEL=DEBUG), and a recorder
    on the root and on each logger that does not pass its records up to the root."""
    caplog.set_level(logging.DEBUG)
    recorder = Recorder()
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    for logger in loggers:
        logger.addHandler(recorder)
    try:
        yield recorder
    finally:
        for logger in loggers:
            logger.removeHandler(recorder)


def _texts(record: logging.LogRecord) -> list[str]:
    """Everything a handler could write about the record."""
    texts = [str(record.msg), record.getMessage(), repr(record.args)]
    if record.exc_info:
        texts.append(logging.Formatter().formatException(record.exc_info))
    texts += [record.exc_text or "", record.stack_info or ""]
    texts += [repr(value) for name, value in vars(record).items() if name not in STANDARD]
    return texts


def _leaks(records) -> list[str]:
    found = []
    for record in records:
        text = "\n".join(_texts(record)).lower()
        for secret in SECRETS:
            if secret.lower() in text:
                found.append(f"{record.name} {record.levelname}: {record.getMessage()!r}")
    return found


def _sign_in(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, f"{username} could not sign in"
    return client


def _case_form(cast, **overrides) -> dict:
    data = {
        "who-source": "new",
        "patient-mrn": MRN,
        "patient-given_name": GIVEN,
        "patient-family_name": FAMILY,
        "patient-date_of_birth": "1958-09-02",
        "patient-sex": "male",
        "patient-preferred_language": "en",
        "case-board": str(cast.board.pk),
        "case-referring_clinician": "Dr Ada Referrer",
        "case-urgency": "urgent",
        "case-clinical_question": "Separation surgery then SBRT, or radiotherapy alone?",
        "case-primary_site": "renal_cell",
        "case-kps": "70",
        "case-frankel_grade": "D",
        "case-goals_ranked_0": "walking",
        "case-goals_reported_by": "patient",
        "lesions-TOTAL_FORMS": "1",
        "lesions-INITIAL_FORMS": "0",
        "lesions-MIN_NUM_FORMS": "0",
        "lesions-MAX_NUM_FORMS": "29",
        "lesions-0-level": "T10",
        "lesions-0-imaging_date": (timezone.localdate() - dt.timedelta(days=3)).isoformat(),
        "lesions-0-imaging_modality": "mri",
        "lesions-0-pain": "mechanical",
        "lesions-0-bone_lesion": "lytic",
        "lesions-0-alignment": "normal",
        "lesions-0-collapse": "under_50",
        "lesions-0-posterolateral": "unilateral",
        "lesions-0-escc_grade": "3",
    }
    return {**data, **overrides}


OPINIONS = {
    Discipline.SPINE_SURGERY: {"options": ["separation_surgery"]},
    Discipline.RADIATION_ONCOLOGY: {"options": ["sbrt"], "regimen": "24 Gy/2"},
    Discipline.MEDICAL_ONCOLOGY: {"options": ["systemic_continue"], "systemic_class": "targeted"},
    Discipline.PAIN_MEDICINE: {"options": ["analgesic_plan"]},
    Discipline.REHABILITATION: {"options": ["mobility_goal"]},
}


@pytest.fixture
def setting(cast):
    """The patient's own login (not yet linked to a record) and a meeting in two hours. Made
    before the capture starts: the factories' own debug lines are test set-up, not the app."""
    patient_user = UserFactory(
        username="qvexbridge", first_name=GIVEN, last_name=FAMILY, roles=[roles.PATIENT]
    )
    now = timezone.now()
    meeting = MeetingFactory(
        board=cast.board, starts_at=now + dt.timedelta(hours=2), ends_at=now + dt.timedelta(hours=3)
    )
    return patient_user, meeting


def test_a_whole_journey_logs_no_patient_data(cast, setting, all_logs):
    patient_user, meeting = setting
    m = str(meeting.uuid)

    # A patient mistypes their password (the throttling logs the attempt).
    refused = Client().post(reverse("login"), {"username": "qvexbridge", "password": "wrong"})
    assert refused.status_code == 200 and "_auth_user_id" not in refused.wsgi_request.session

    # --- the coordinator registers the patient and the case ------------------------------------
    coord = _sign_in("coord")
    assert coord.get(reverse("case-create")).status_code == 200
    incomplete = coord.post(reverse("case-create"), _case_form(cast, **{"case-primary_site": ""}))
    assert incomplete.status_code == 200 and not Patient.objects.filter(mrn=MRN).exists()
    created = coord.post(reverse("case-create"), _case_form(cast))
    assert created.status_code == 302, created.content[:2000]
    case = Case.objects.get(patient__mrn=MRN)
    c = str(case.uuid)
    again = coord.post(reverse("case-create"), _case_form(cast))  # the MRN is taken now
    assert again.status_code == 200 and Patient.objects.filter(mrn=MRN).count() == 1
    assert coord.get(reverse("case-detail", args=[c])).status_code == 200
    assert coord.get(reverse("case-list"), {"status": "referred"}).status_code == 200
    bad_lesion = coord.post(
        reverse("case-edit", args=[c]), {"add_lesion": "1", "lesion-level": "T99"}
    )
    assert bad_lesion.status_code == 200 and case.lesions.count() == 1
    assert coord.post(reverse("case-transition", args=[c]), {"to": "closed"}).status_code == 302
    # Not complete yet: "ready" only as a reasoned override (cases.status).
    ready = {"to": "ready", "override": "on", "reason": "Imaging is booked"}
    assert coord.post(reverse("case-transition", args=[c]), ready).status_code == 302
    assert Case.objects.get(pk=case.pk).status == Case.Status.READY
    # ... and through the API: reads, and a duplicate MRN refused.
    assert coord.get(reverse("api:case-detail", args=[c])).status_code == 200
    duplicate = coord.post(
        reverse("api:patient-list"),
        {"mrn": MRN, "given_name": GIVEN, "family_name": FAMILY, "date_of_birth": "1958-09-02"},
        content_type="application/json",
    )
    assert duplicate.status_code == 400

    # --- ... and puts it on the agenda ---------------------------------------------------------
    assert coord.get(reverse("meeting-detail", args=[m])).status_code == 200
    unknown = coord.post(reverse("agenda-add", args=[m]), {"add-case": str(uuid.uuid4())})
    assert unknown.status_code == 400
    added = coord.post(reverse("agenda-add", args=[m]), {"add-case": c})
    assert added.status_code == 302 and meeting.agenda_items.count() == 1

    # --- each specialist gives an opinion ------------------------------------------------------
    opinion_url = reverse("opinion-form", args=[m, c])
    for discipline, fields in OPINIONS.items():
        specialist = _sign_in(f"spec_{discipline}")
        assert specialist.get(reverse("my-cases")).status_code == 200
        assert specialist.get(opinion_url).status_code == 200
        empty = specialist.post(opinion_url, {"urgency": "routine", "confidence": "high"})
        assert empty.status_code == 200 and not case.opinions.filter(discipline=discipline)
        given = specialist.post(
            opinion_url,
            {**fields, "urgency": "urgent", "confidence": "high", "rationale": "Cord at risk."},
        )
        assert given.status_code == 302, given.content[:2000]
    assert case.opinions.count() == len(OPINIONS)

    # --- the coordinator prepares the summaries (the task runs in-process) --------------------
    assert coord.get(reverse("meeting-preparation", args=[m])).status_code == 200
    assert coord.post(reverse("meeting-prepare", args=[m])).status_code == 302
    assert PreMeetingSummary.objects.filter(agenda_item__case=case).count() == 1
    assert coord.get(reverse("meeting-packet", args=[m])).status_code == 200
    assert coord.get(reverse("meeting-packet-pdf", args=[m])).status_code == 200
    assert coord.get(reverse("meeting-summary", args=[m, c])).status_code == 200

    # The meeting is under way (no page moves a start into the past).
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - dt.timedelta(minutes=5))

    # --- the chair runs the meeting ------------------------------------------------------------
    chair = _sign_in("chair")
    run = reverse("meeting-run", args=[m])
    assert chair.get(run, {"item": 1}).status_code == 200
    attendance = reverse("meeting-run-attendance", args=[m])
    nobody = chair.post(attendance, {"attendance-user": "999999", "attendance-mode": "in_person"})
    assert nobody.status_code == 400
    for discipline in ("spine_surgery", "radiation_oncology", "medical_oncology"):
        member = cast.specialists[discipline]
        recorded = chair.post(
            attendance,
            {"attendance-user": member.pk, "attendance-mode": "in_person", "item": "1"},
        )
        assert recorded.status_code == 302
    assert chair.post(reverse("meeting-run-open", args=[m, 1])).status_code == 302
    record_url = reverse("meeting-run-record", args=[m, 1])
    options = {
        "options-TOTAL_FORMS": "1",
        "options-INITIAL_FORMS": "0",
        "options-MIN_NUM_FORMS": "0",
        "options-MAX_NUM_FORMS": "20",
        "options-0-option": "Separation surgery",
        "options-0-source": "opinion",
        "options-0-benefits_neurological": "Best chance to keep walking.",
        # The supportive-care rows (issue 14) travel with the record; none here.
        "supportive-TOTAL_FORMS": "0",
        "supportive-INITIAL_FORMS": "0",
        "supportive-MIN_NUM_FORMS": "0",
        "supportive-MAX_NUM_FORMS": "20",
    }
    stale = chair.post(record_url, {**options, "record-version": "x"})
    assert stale.status_code == 400
    saved = chair.post(
        record_url,
        {**options, "record-version": "1", "record-patient_involvement": "will_be_involved"},
    )
    assert saved.status_code == 302
    sign_url = reverse("meeting-run-sign", args=[m, 1])
    assert chair.post(sign_url, {"sign-version": "1"}).status_code == 400  # no outcome yet
    plan_url = reverse("meeting-run-plan", args=[m, 1])
    activities = {
        "activities-TOTAL_FORMS": "1",
        "activities-INITIAL_FORMS": "0",
        "activities-MIN_NUM_FORMS": "0",
        "activities-MAX_NUM_FORMS": "1000",
        "activities-0-kind": "surgery",
        "activities-0-description": "Separation surgery at T10",
        "activities-0-responsible_discipline": "spine_surgery",
    }
    bad_date = chair.post(
        plan_url,
        {
            **activities,
            "activities-0-due_date": "soon",
            "plan-version": "1",
            "plan-outcome": "agreed",
        },
    )
    assert bad_date.status_code == 400
    due = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    planned = chair.post(
        plan_url,
        {
            **activities,
            "activities-0-due_date": due,
            "plan-version": "1",
            "plan-outcome": "agreed",
            "plan-summary": "Separation surgery, then SBRT.",
        },
    )
    assert planned.status_code == 302
    assert chair.post(sign_url, {"sign-version": "2"}).status_code == 302
    plan = ConsensusPlan.objects.get(decision__agenda_item__case=case)
    assert plan.status == ConsensusPlan.Status.SIGNED
    assert Case.objects.get(pk=case.pk).status == Case.Status.PLAN_SIGNED
    assert chair.get(reverse("plan-page", args=[plan.uuid])).status_code == 200

    # --- a clinician drafts and releases the patient's summary ---------------------------------
    review = reverse("plan-patient-summary", args=[plan.uuid])
    assert chair.get(review).status_code == 200
    assert chair.post(reverse("patient-summary-draft", args=[plan.uuid])).status_code == 302
    summary = PatientSummary.objects.get(plan=plan)
    s = str(summary.uuid)
    blank = chair.post(reverse("patient-summary-edit", args=[s]), {"title": "", "body": ""})
    assert blank.status_code == 400
    assert chair.post(reverse("patient-summary-release", args=[s])).status_code == 302
    link = chair.post(reverse("patient-summary-link", args=[s]), {"valid_hours": "24"})
    assert link.status_code == 200
    token = link.context["new_link"].rstrip("/").rsplit("/", 1)[-1]

    # --- the patient reads it; a link opens it once --------------------------------------------
    Patient.objects.filter(mrn=MRN).update(user=patient_user)  # no page links a login
    patient = _sign_in("qvexbridge")
    assert patient.get(reverse("my-summaries")).status_code == 200
    assert patient.get(reverse("my-summary-detail", args=[s])).status_code == 200
    assert patient.get(reverse("my-summary-pdf", args=[s])).status_code == 200
    assert patient.get(reverse("my-summary-detail", args=[uuid.uuid4()])).status_code == 404
    assert patient.get(reverse("case-detail", args=[c])).status_code == 403
    visitor = Client()
    link_url = reverse("patient-summary-link-open", args=[token])
    assert visitor.get(link_url).status_code == 200
    assert visitor.post(link_url).status_code == 302
    assert visitor.post(link_url).status_code == 410  # spent
    assert visitor.get(reverse("patient-summary-link-open", args=["x" * 40])).status_code == 404

    # --- records outside someone's scope: 404 --------------------------------------------------
    assert coord.get(reverse("case-detail", args=[uuid.uuid4()])).status_code == 404
    outsider = _sign_in("outsider")
    assert outsider.get(reverse("case-detail", args=[c])).status_code == 404
    assert outsider.get(reverse("api:case-detail", args=[c])).status_code == 404

    # The capture works: the app's, the tasks' and Django's request records are all there ...
    records = all_logs.records
    names = {record.name for record in records}
    messages = [record.getMessage() for record in records]
    assert "recommendations.summaries.services" in names, names
    assert any(m.startswith("summary preparation requested") for m in messages)
    assert any(r.name == "django.request" and r.status_code == 404 for r in records)
    assert any(r.name == "django.request" and r.status_code == 400 for r in records)
    assert any(r.name.startswith("axes") for r in records)
    assert any(name.startswith("celery.app.trace") for name in names)  # the tasks' own lines
    # ... and none of them names the patient.
    assert _leaks(records) == []


def test_the_check_finds_a_name_in_any_part_of_a_record():
    """The check itself can fail: a name in the message, the arguments, an exception or an
    extra attribute is found, whatever its case."""
    logger = logging.getLogger("tumorboard.test")
    recorder = Recorder()
    logger.addHandler(recorder)
    try:
        logger.warning("opened %s", MRN)
        logger.warning("case of %s", FAMILY.upper())
        try:
            raise ValueError(f"bad record for {GIVEN}")
        except ValueError:
            logger.exception("failed")
        logger.warning("plain", extra={"patient": {"name": GIVEN.lower()}})
        logger.warning("nothing to see")
    finally:
        logger.removeHandler(recorder)
    assert len(_leaks(recorder.records)) == 4
