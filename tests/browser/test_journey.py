"""The whole journey of one referral, in a real browser, on PostgreSQL, with a real Celery worker.

A coordinator registers a patient and a case and puts it on a meeting's agenda; each specialist
signs in and gives an opinion; the worker process prepares the pre-meeting summary; the chair runs
the meeting (attendance, decision record, plan) and signs; a clinician releases the patient's
summary; the patient signs in and reads it. Everything happens through the pages, except:

- the fixed cast (board, coordinator, chair, specialists, the patient's login, a planned meeting)
  comes from factories, as in every test;
- linking the patient's login to the patient record: no page does that (only the Django admin,
  for superusers); the demo seeding does it in code too;
- moving the meeting's start into the past before it is run: opinions are given before a meeting
  starts and attendance and signing happen once it has started, and the pages (rightly) cannot put
  a meeting's start in the past. Waiting for a real start would make the test last hours.

Each step leaves test-artifacts/screenshots/journey-NN-<step>.png; a failure leaves a screenshot of
the page as it was (tests/browser/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from types import SimpleNamespace

import kombu.pools
import pytest
from django.utils import timezone

from cases.models import Case, Patient
from recommendations.models import ConsensusPlan, PatientSummary, PreMeetingSummary
from scheduling.models import BoardMembership, Discipline, Meeting
from tests.browser.conftest import sign_in, sign_out
from tests.factories import (
    BoardFactory,
    MeetingFactory,
    MembershipFactory,
    SpecialistProfileFactory,
    UserFactory,
)
from tests.services import SERVICES
from tumorboard import roles

# Without Playwright installed the module is skipped, not an import error (CI requires it).
expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

MRN = "ZZ-JRNY-0815"
GIVEN, FAMILY = "Orlaith", "Brackenmoor"
QUESTION = "Separation surgery then SBRT, or radiotherapy alone?"
PREPARE_TIMEOUT = 60  # seconds for the worker to prepare one summary (it takes about one)

# (username, first name, last name, discipline) of the specialists giving opinions.
SPECIALISTS = [
    ("surgeon", "Sam", "Osei", Discipline.SPINE_SURGERY),
    ("radonc", "Rana", "Iyer", Discipline.RADIATION_ONCOLOGY),
    ("medonc", "Mei", "Lin", Discipline.MEDICAL_ONCOLOGY),
    ("painmed", "Paolo", "Ruiz", Discipline.PAIN_MEDICINE),
    ("rehab", "Rhea", "Novak", Discipline.REHABILITATION),
]


@pytest.fixture
def people(db):
    """The fixed cast of one board, and its next meeting (planned, in two hours)."""
    roles.ensure_role_groups()
    board = BoardFactory(name="Spine Oncology Board")
    coordinator = UserFactory(
        username="coord", first_name="Cora", last_name="Dunmore", roles=[roles.COORDINATOR]
    )
    MembershipFactory(board=board, user=coordinator, role=BoardMembership.Role.COORDINATOR)
    chair = UserFactory(
        username="chair",
        first_name="Hugo",
        last_name="Marsh",
        roles=[roles.CHAIR, roles.SPECIALIST],
    )
    SpecialistProfileFactory(user=chair, discipline=Discipline.RADIOLOGY)
    MembershipFactory(board=board, user=chair, role=BoardMembership.Role.CHAIR)
    specialists = {}
    for username, first, last, discipline in SPECIALISTS:
        user = UserFactory(
            username=username, first_name=first, last_name=last, roles=[roles.SPECIALIST]
        )
        SpecialistProfileFactory(user=user, discipline=discipline)
        MembershipFactory(board=board, user=user)
        specialists[discipline] = user
    # The patient's own login: linked to the record only once the record exists (see the module).
    patient_user = UserFactory(
        username="pt0815", first_name=GIVEN, last_name=FAMILY, roles=[roles.PATIENT]
    )
    now = timezone.now()
    meeting = MeetingFactory(
        board=board,
        starts_at=now + dt.timedelta(hours=2),
        ends_at=now + dt.timedelta(hours=3),
        location="Seminar room 2",
    )
    return SimpleNamespace(
        board=board,
        coordinator=coordinator,
        chair=chair,
        specialists=specialists,
        patient_user=patient_user,
        meeting=meeting,
    )


def _forget_broker_connections(app, *, close: bool) -> None:
    """Make the app connect afresh to the current broker_url on its next send. With `close`,
    every pooled broker connection of the process is closed (kombu's pools are process-wide and
    are made again on demand), so no connection to the test's Redis outlives the test."""
    if close:
        kombu.pools.reset()
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


@pytest.fixture
def tasks_on_real_worker(real_worker):
    """Send the project's tasks to the real worker for the duration of the test.

    In tests the project's Celery app runs tasks in-process (tests/services.py leaves no broker),
    and the app read that configuration at import: switching Django settings is not enough. So the
    app's own configuration is switched, for the live server thread too (same process): not eager,
    the test's Redis broker, and the worker's private queue as the default queue.
    """
    from tumorboard.celery import app

    client, queue = real_worker
    keys = ("task_always_eager", "broker_url", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}
    _forget_broker_connections(app, close=False)
    app.conf.update(
        task_always_eager=False, broker_url=SERVICES.broker_url, task_default_queue=queue
    )
    try:
        yield client
    finally:
        _forget_broker_connections(app, close=True)
        app.conf.update(saved)


def _person(user) -> str:
    """How the meeting screen's member lists name a person."""
    return f"{user.get_full_name()} ({user.specialist_profile.get_discipline_display()})"


def _uuid_in(url: str, after: str) -> str:
    match = re.search(rf"/{after}/([0-9a-f-]{{36}})/", url)
    assert match, f"no {after} uuid in {url}"
    return match.group(1)


def field(scope, label: str):
    """The form field labelled exactly `label` (Django adds a colon to its labels)."""
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def nav(page, name: str) -> None:
    """Follow a link of the main navigation."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def _message(page, text: str) -> None:
    expect(page.locator(".messages")).to_contain_text(text)


def test_referral_to_patient_summary(
    people, tasks_on_real_worker, browser_page, live_server, numbered_screenshot
):
    page, url = browser_page, live_server.url
    worker = tasks_on_real_worker
    started = time.monotonic()

    def shot(name: str) -> None:
        numbered_screenshot(page, "journey", name)

    # --- 1. The coordinator registers the patient and the case ---------------------------------
    sign_in(page, url, "coord")
    nav(page, "Register a case")
    expect(page.get_by_role("heading", level=1, name="Register a case")).to_be_visible()
    page.get_by_label("New patient").check()
    field(page, "MRN").fill(MRN)
    page.get_by_label("Given name").fill(GIVEN)
    page.get_by_label("Family name").fill(FAMILY)
    page.get_by_label("Date of birth").fill("1961-03-14")
    page.get_by_label("Sex").select_option(label="Female")
    page.get_by_label("Preferred language").select_option(label="English")
    field(page, "Board").select_option(label=people.board.name)
    page.get_by_label("Referring clinician").fill("Dr Ada Referrer")
    page.get_by_label("Urgency").select_option(label="Urgent")
    page.get_by_label("Clinical question").fill(QUESTION)
    page.get_by_label("Primary site").select_option(label="Renal cell (kidney)")
    page.get_by_label("Karnofsky (KPS)").fill("70")
    field(page, "ECOG").fill("1")
    page.get_by_label("Frankel grade").select_option(label="D")
    page.get_by_label("Neuro progression").select_option(label="Progressing over days")
    page.get_by_label("Priority 1", exact=True).select_option(label="Walking")
    page.get_by_label("Priority 2", exact=True).select_option(label="Independence")
    page.get_by_label("Goals reported by").select_option(label="The patient")
    lesion = page.get_by_role("group", name="Lesion 1", exact=True)
    lesion.get_by_label("Level").select_option(label="T10")
    lesion.get_by_label("Imaging date").fill(
        (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    )
    lesion.get_by_label("Imaging modality").select_option(label="MRI")
    field(lesion, "Pain").select_option(label="Mechanical")
    lesion.get_by_label("Bone lesion").select_option(label="Lytic")
    lesion.get_by_label("Alignment").select_option(label="Normal")
    lesion.get_by_label("Collapse").select_option(label="<50% collapse")
    lesion.get_by_label("Posterolateral").select_option(label="Unilateral")
    lesion.get_by_label("ESCC (Bilsky) grade").select_option(label="3 – cord compressed, no CSF")
    shot("coordinator-registers-case")
    page.get_by_role("button", name="Register case").click()

    _message(page, "Case registered.")
    expect(page).to_have_url(re.compile(r"/cases/[0-9a-f-]{36}/$"))
    case_uuid = _uuid_in(page.url, "cases")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{FAMILY.upper()}, {GIVEN}")
    expect(page.locator("#lesions").get_by_role("rowheader", name="T10")).to_be_visible()
    # Registered without everything readiness asks for: ready only as a reasoned override.
    not_ready = page.get_by_role("heading", name="Not ready for review yet")
    override = page.locator("form", has=not_ready)
    override.get_by_label("Why the board should see it now (required)").fill(
        "Cord compression: the board sees it this week"
    )
    override.get_by_role("button", name="Mark ready anyway (override readiness)").click()
    _message(page, "Status changed to Ready for review.")
    shot("case-ready")

    # --- 2. ... and puts it on the meeting's agenda --------------------------------------------
    nav(page, "Meetings")
    page.get_by_role("row").filter(has_text=people.board.name).get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(rf"/meetings/{people.meeting.uuid}/$"))
    # The picker lists the most urgent waiting cases; typing searches as you type, and the live
    # status line says what the list now holds once the answer is in.
    status = page.locator("#agenda").get_by_role("status")
    expect(status).to_have_text(re.compile(r"^Every case waiting for an agenda, most urgent first"))
    field(page, "Find a case").press_sequentially(FAMILY[:6].lower(), delay=40)
    expect(status).to_have_text("Cases matching your search, most urgent first.")
    field(page, "Find a case").fill("no such patient")
    expect(status).to_have_text("No case waiting for an agenda matches your search.")
    field(page, "Find a case").fill(MRN.lower())
    expect(status).to_have_text("Cases matching your search, most urgent first.")
    field(page, "Case").select_option(
        label=f"{FAMILY.upper()}, {GIVEN} – Urgent, ready for review ({people.board.name})"
    )
    page.get_by_role("button", name="Add to agenda").click()
    _message(page, "Case added at position 1.")
    agenda = page.locator("#agenda")
    expect(agenda.get_by_role("link", name=f"{FAMILY.upper()}, {GIVEN}")).to_be_visible()
    expect(agenda).to_contain_text("Scheduled")
    shot("agenda")
    sign_out(page)

    # --- 3. Each specialist gives an opinion before the meeting --------------------------------
    opinions = {
        Discipline.SPINE_SURGERY: {"options": ["Separation surgery"], "urgency": "Urgent"},
        Discipline.RADIATION_ONCOLOGY: {
            "options": ["Stereotactic body radiotherapy (SBRT/SRS)"],
            "select": {"Radiation regimen": "24 Gy/2"},
        },
        Discipline.MEDICAL_ONCOLOGY: {
            "options": ["Continue current systemic therapy"],
            "select": {"Systemic therapy class": "Targeted therapy"},
        },
        Discipline.PAIN_MEDICINE: {"options": ["Analgesic plan"]},
        Discipline.REHABILITATION: {"options": ["Mobility goal"]},
    }
    for discipline, opinion in opinions.items():
        specialist = people.specialists[discipline]
        sign_in(page, url, specialist.username)
        nav(page, "My cases")
        expect(page.get_by_role("heading", level=1)).to_have_text("My cases for the next meetings")
        page.get_by_role("link", name="Give your opinion").click()
        expect(page).to_have_url(re.compile(rf"/opinions/{people.meeting.uuid}/{case_uuid}/$"))
        for option in opinion["options"]:
            page.get_by_label(option, exact=True).check()
        for label, choice in opinion.get("select", {}).items():
            page.get_by_label(label).select_option(label=choice)
        page.get_by_label(opinion.get("urgency", "Routine"), exact=True).check()
        page.get_by_label("High", exact=True).check()
        page.get_by_label("Rationale").fill(
            f"{discipline.label}: cord compression at T10 from a radioresistant primary."
        )
        if discipline == Discipline.SPINE_SURGERY:
            shot("surgeon-opinion")
        page.get_by_role("button", name="Submit opinion").click()
        _message(page, "Opinion saved (revision 1).")
        sign_out(page)

    # --- 4. The coordinator asks for the summaries; the worker process prepares them -----------
    sign_in(page, url, "coord")
    page.goto(f"{url}/meetings/{people.meeting.uuid}/preparation/")
    expect(page.get_by_role("heading", level=1, name="Pre-meeting summaries")).to_be_visible()
    expect(page.locator("#progress-count")).to_have_text("0 of 1 prepared")
    page.get_by_role("button", name="Prepare all").click()
    _message(page, "Preparing 1 summaries.")
    deadline = time.monotonic() + PREPARE_TIMEOUT
    while page.locator("#progress-count").inner_text().strip() != "1 of 1 prepared":
        log = worker.worker_log.read_text()
        assert time.monotonic() < deadline, f"not prepared in {PREPARE_TIMEOUT}s; worker:\n{log}"
        time.sleep(0.5)
        page.reload()
    expect(page.get_by_role("row").filter(has_text=FAMILY.upper())).to_contain_text("v1")
    shot("summaries-prepared")
    # The worker process did the work (the in-process app sends, never runs, tasks here).
    log = worker.worker_log.read_text()
    assert re.search(
        r"Task recommendations\.summaries\.tasks\.prepare_summary_batch"
        r"\[[0-9a-f-]{36}\] succeeded in [0-9.]+s: 'prepared: 1 new,",
        log,
    ), log
    assert PreMeetingSummary.objects.filter(agenda_item__case__uuid=case_uuid).count() == 1
    page.get_by_role("link", name="Open the packet").click()
    expect(page.get_by_role("heading", level=1, name="Meeting packet")).to_be_visible()
    expect(page.get_by_text(QUESTION).first).to_be_visible()
    sign_out(page)

    # Shortcut (see the module docstring): the meeting is now under way.
    now = timezone.now()
    Meeting.objects.filter(pk=people.meeting.pk).update(
        starts_at=now - dt.timedelta(minutes=5), ends_at=now + dt.timedelta(minutes=55)
    )

    # --- 5. The chair runs the meeting: attendance, decision record, plan, signature -----------
    sign_in(page, url, "chair")
    nav(page, "Meetings")
    page.get_by_role("row").filter(has_text=people.board.name).get_by_role("link").first.click()
    page.get_by_role("link", name="Meeting screen").click()
    expect(page).to_have_url(re.compile(rf"/meetings/{people.meeting.uuid}/run/$"))
    expect(page.get_by_role("heading", level=2, name=f"{FAMILY.upper()}, {GIVEN}")).to_be_visible()
    expect(page.get_by_role("heading", name="Specialists' opinions")).to_be_visible()
    expect(page.locator(".meeting-opinion")).to_have_count(len(opinions))

    attendance = page.locator("#attendance")
    expect(attendance).to_contain_text("Quorum is not met.")
    present = [
        people.chair,
        people.specialists[Discipline.SPINE_SURGERY],
        people.specialists[Discipline.RADIATION_ONCOLOGY],
        people.specialists[Discipline.MEDICAL_ONCOLOGY],
    ]
    for member in present:
        attendance = page.locator("#attendance")
        attendance.get_by_label("Member").select_option(label=_person(member))
        attendance.get_by_label("Attended").select_option(label="In person")
        attendance.get_by_role("button", name="Record attendance").click()
        _message(page, "Attendance recorded.")
    expect(page.locator("#attendance")).to_contain_text("Quorum is met.")
    expect(page.get_by_role("link", name="Quorum met")).to_be_visible()

    page.get_by_role("button", name="Open the decision record").click()
    record = page.locator("#record")
    expect(record).to_contain_text(
        "Uncertainties and information needed from the pre-meeting summary (version 1)."
    )
    options = record.get_by_role("group", name="Option", exact=True)
    considered = [field(options.nth(i), "Option").input_value() for i in range(options.count())]
    assert "Separation surgery" in considered, considered  # pre-filled from the opinions
    surgery_option = options.nth(considered.index("Separation surgery"))
    surgery_option.get_by_label("Benefits: neurological").fill(
        "Decompression gives the best chance of keeping her walking."
    )
    record.get_by_label("Patient and family involvement").select_option(
        label="Patient and family will be involved"
    )
    record.get_by_role("button", name="Save the record").click()
    _message(page, "Decision record saved (version 2).")

    plan = page.locator("#plan")
    surgery_due = timezone.localdate() + dt.timedelta(days=7)
    radiation_due = timezone.localdate() + dt.timedelta(days=28)
    rows = plan.get_by_role("group", name="Activity", exact=True)
    surgery = rows.nth(0)
    surgery.get_by_label("Kind").select_option(label="Local control: surgery")
    field(surgery, "Activity").fill("Separation surgery at T10")
    surgery.get_by_label("Responsible discipline").select_option(label="Spine surgery")
    surgery.get_by_label("Due").fill(surgery_due.isoformat())
    plan.get_by_role("button", name="Add an activity").click()  # a second row, by the page's JS
    radiation = rows.nth(1)
    radiation.get_by_label("Kind").select_option(label="Local control: radiation")
    field(radiation, "Activity").fill("SBRT to T10 once the wound has healed")
    radiation.get_by_label("Responsible discipline").select_option(label="Radiation oncology")
    radiation.get_by_label("Responsible person").select_option(
        label=_person(people.specialists[Discipline.RADIATION_ONCOLOGY])
    )
    radiation.get_by_label("Due").fill(radiation_due.isoformat())
    radiation.get_by_text("Specifics (regimen, timing, medication…)").click()
    radiation.get_by_label("Radiation regimen").fill("24 Gy/2")
    radiation.get_by_label("Timing relative to surgery").select_option(
        label="After surgery (once the wound allows)"
    )
    plan.get_by_label("Outcome").select_option(label="Plan agreed")
    plan.get_by_label("The plan in one paragraph").fill(
        "Separation surgery at T10, then SBRT 24 Gy in 2 fractions; continue targeted therapy."
    )
    shot("chair-plan")
    plan.get_by_role("button", name="Save the plan").click()
    _message(page, "Plan saved (version 2).")
    expect(page.locator("#plan").get_by_role("group", name="Activity", exact=True)).to_have_count(
        3  # the two saved and a blank one
    )

    page.locator("#sign").get_by_role("button", name="Sign the plan as chair").click()
    _message(page, "Plan signed.")
    expect(page.get_by_role("heading", name="Consensus plan signed")).to_be_visible()
    shot("plan-signed")
    page.get_by_role("link", name="Full case").first.click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_uuid}/$"))
    expect(page.get_by_text("Plan signed", exact=True).first).to_be_visible()
    assert Case.objects.get(uuid=case_uuid).status == Case.Status.PLAN_SIGNED

    # --- 6. A clinician drafts and releases the patient's summary ------------------------------
    page.go_back()
    page.get_by_role("link", name="Plan page: status, amendments, history").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Consensus plan")
    plan_uuid = _uuid_in(page.url, "plans")
    assert ConsensusPlan.objects.get(uuid=plan_uuid).status == ConsensusPlan.Status.SIGNED
    page.get_by_role("link", name="Patient summary").click()
    expect(page.get_by_role("heading", level=1, name="Patient summary")).to_be_visible()
    page.get_by_role("button", name="Write the draft").click()
    _message(page, "A new draft was written from the signed plan.")
    expect(page.get_by_role("heading", name="Status: Draft")).to_be_visible()
    page.get_by_role("button", name="Release to the patient").click()
    _message(page, "Released: the patient can now read this summary.")
    expect(page.get_by_role("heading", name="Status: Released")).to_be_visible()
    shot("summary-released")
    sign_out(page)

    # Shortcut (see the module docstring): the patient's login is linked to their record.
    Patient.objects.filter(mrn=MRN).update(user=people.patient_user)

    # --- 7. The patient signs in and reads the summary -----------------------------------------
    summary = PatientSummary.objects.get(plan__uuid=plan_uuid)
    sign_in(page, url, people.patient_user.username)
    expect(page.get_by_role("heading", level=1, name="My summaries")).to_be_visible()
    page.get_by_role("link", name=summary.title).click()
    expect(page).to_have_url(re.compile(rf"/my/summaries/{summary.uuid}/$"))
    expect(page.get_by_role("heading", name="Warning signs: get help now")).to_be_visible()
    next_steps = page.locator("section").filter(
        has=page.get_by_role("heading", name="What happens next")
    )
    expect(next_steps).to_contain_text(
        f"By {surgery_due:%A %-d %B %Y}: Separation surgery. Your spine surgeon will arrange this."
    )
    expect(next_steps).to_contain_text(
        f"By {radiation_due:%A %-d %B %Y}: SBRT over 2 visits. "
        "Your radiotherapy doctor will arrange this."
    )
    shot("patient-reads-summary")

    # The worker's log (tasks, notification e-mails) names no patient.
    log = worker.worker_log.read_text().lower()
    for secret in (MRN, GIVEN, FAMILY):
        assert secret.lower() not in log, f"{secret!r} in the worker log"
    assert time.monotonic() - started < 170, "the journey took too long"
