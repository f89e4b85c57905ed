"""Meeting-mode pages: the meeting screen and the plan page; access per role, saving, the stale
save shown side by side, sign-off, attendance, activity status, amendments, query counts."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recommendations.decisions import services
from recommendations.models import ConsensusPlan, DecisionRecord, PlanActivity, PlanAmendment
from scheduling.models import Attendance
from tests.meeting_mode import (
    give_opinion,
    quorum,
    ready_to_sign,
    started_agenda,
)

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def run_url(meeting, position=None) -> str:
    url = reverse("meeting-run", kwargs={"meeting_uuid": meeting.uuid})
    return url if position is None else f"{url}?item={position}"


def action_url(item, action) -> str:
    return reverse(
        f"meeting-run-{action}",
        kwargs={"meeting_uuid": item.meeting.uuid, "position": item.position},
    )


def plan_url(plan) -> str:
    return reverse("plan-page", kwargs={"plan_uuid": plan.uuid})


def formset_data(prefix: str, rows: list[dict], *, initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
    return data


@pytest.fixture
def items(cast):
    meeting, items = started_agenda(cast.board, 3)
    return items


# --- the meeting screen -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("coordinator", 200),
        ("chair", 200),
        ("surgeon", 200),
        ("outsider", 404),
        ("patient_user", 403),
        ("stranger", 403),
    ],
)
def test_meeting_screen_access(cast, items, who, status, client_for):
    response = client_for(getattr(cast, who)).get(run_url(items[0].meeting))
    assert response.status_code == status


def test_anonymous_goes_to_login(items, client_for):
    response = client_for().get(run_url(items[0].meeting))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_meeting_screen_shows_the_current_case_with_navigation_timer_and_keys(
    cast, items, client_for
):
    second = items[1]
    give_opinion(second, cast.surgeon, ["separation_surgery"], rationale="Decompress first.")
    response = client_for(cast.surgeon).get(run_url(second.meeting, 2))
    page = text(response)
    assert response.status_code == 200
    patient = second.case.patient
    assert f'<h2 id="case-heading">{patient.family_name.upper()}, {patient.given_name}</h2>' in page
    assert 'href="?item=1" rel="prev"' in page
    assert 'href="?item=3" rel="next"' in page
    assert f'data-timer-key="{second.meeting.uuid}:2" data-minutes="10"' in page
    assert "<kbd>Alt</kbd>+<kbd>N</kbd>" in page
    assert "Decompress first." in page
    assert "Open the decision record" in page
    assert "Quorum is not met." in page
    assert "js/meeting.js" in page


def test_opening_the_record_prefills_it(cast, items, client_for):
    item = items[0]
    response = client_for(cast.surgeon).post(action_url(item, "open"))
    assert response.status_code == 302
    assert response["Location"].endswith("?item=1#record")
    record = DecisionRecord.objects.get(agenda_item=item)
    assert record.options[0]["source"] == "noms"
    page = text(client_for(cast.surgeon).get(run_url(item.meeting, 1)))
    assert "NOMS at T10" in page
    assert "Save the record" in page


def _record_post(record, **overrides):
    options = [
        {
            "option": o["option"],
            "source": o["source"],
            "fits_goals": o["fits_goals"],
            **{f"benefits_{k}": v for k, v in o["benefits"].items()},
            **{f"risks_{k}": v for k, v in o["risks"].items()},
        }
        for o in record.options
    ]
    options.append({"option": "Radiotherapy alone", "source": "board", "risks_neurological": "x"})
    data = {
        "record-version": str(record.version),
        "record-patient_goals": record.patient_goals,
        "record-patient_involvement": "will_be_involved",
        "record-involvement_note": "",
        "record-uncertainties": "Is the cord decompressed enough?",
        "record-information_needed": "",
        **formset_data("options", options, initial=len(record.options)),
        **formset_data("supportive", record.supportive_care, initial=len(record.supportive_care)),
    }
    data.update(overrides)
    return data


def test_saving_the_record_from_the_page(cast, items, client_for):
    item = items[0]
    record = services.decision_record_open(agenda_item=item, by=cast.chair)
    response = client_for(cast.surgeon).post(action_url(item, "record"), _record_post(record))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.version == 2
    assert record.options[-1]["option"] == "Radiotherapy alone"
    assert record.options[-1]["risks"]["neurological"] == "x"
    assert record.patient_involvement == "will_be_involved"
    assert record.updated_by == cast.surgeon


def test_a_stale_save_shows_both_versions_and_overwrites_nothing(cast, items, client_for):
    item = items[0]
    record = services.decision_record_open(agenda_item=item, by=cast.chair)
    stale_form = _record_post(record, **{"record-uncertainties": "My words"})
    services.decision_record_update(
        record=record, expected_version=1, by=cast.chair, uncertainties="Their words"
    )
    response = client_for(cast.surgeon).post(action_url(item, "record"), stale_form)
    page = text(response)
    assert response.status_code == 409
    assert "Someone else saved this record while you were editing" in page
    assert '<pre class="conflict-text">My words</pre>' in page
    assert '<pre class="conflict-text">Their words</pre>' in page
    # The user's words stay in the form, now based on the current version.
    assert "\nMy words</textarea>" in page
    assert 'name="record-version" value="2"' in page
    record.refresh_from_db()
    assert (record.version, record.uncertainties) == (2, "Their words")


def test_invalid_record_input_is_shown_not_saved(cast, items, client_for):
    item = items[0]
    record = services.decision_record_open(agenda_item=item, by=cast.chair)
    data = _record_post(record, **{"record-patient_involvement": "not_involved"})
    response = client_for(cast.surgeon).post(action_url(item, "record"), data)
    assert response.status_code == 400
    assert "Say why the patient and family are not involved." in text(response)
    record.refresh_from_db()
    assert record.version == 1


def _plan_post(plan, rows, **overrides):
    data = {
        "plan-version": str(plan.version),
        "plan-outcome": "agreed",
        "plan-summary": "Separation surgery then SBRT.",
        **formset_data("activities", rows),
    }
    data.update(overrides)
    return data


def test_saving_the_plan_with_activity_rows(cast, items, client_for):
    item = items[0]
    record = services.decision_record_open(agenda_item=item, by=cast.chair)
    rows = [
        {
            "kind": "radiation",
            "description": "SBRT to T10",
            "responsible_discipline": "radiation_oncology",
            "due_date": "2030-02-01",
            "detail_regimen": "24 Gy/2",
            "detail_timing": "after_surgery",
            "detail_surgery_type": "ignored: not a radiation detail",
        },
        {"kind": "", "description": ""},  # an untouched blank row
    ]
    response = client_for(cast.surgeon).post(
        action_url(item, "plan"), _plan_post(record.plan, rows)
    )
    assert response.status_code == 302
    plan = ConsensusPlan.objects.get(pk=record.plan.pk)
    assert (plan.version, plan.outcome) == (2, "agreed")
    (activity,) = plan.activities.all()
    assert activity.details == {"regimen": "24 Gy/2", "timing": "after_surgery"}
    assert str(activity.due_date) == "2030-02-01"


def test_a_stale_plan_save_is_shown_side_by_side(cast, items, client_for):
    item = items[0]
    record = services.decision_record_open(agenda_item=item, by=cast.chair)
    form = _plan_post(
        record.plan,
        [{"kind": "pain", "description": "Nerve block", "responsible_discipline": "pain_medicine"}],
    )
    services.plan_update(plan=record.plan, expected_version=1, by=cast.chair, summary="Chair's")
    response = client_for(cast.surgeon).post(action_url(item, "plan"), form)
    page = text(response)
    assert response.status_code == 409
    assert "Someone else saved this record while you were editing" in page
    assert "Chair&#x27;s" in page
    assert not PlanActivity.objects.exists()


def test_only_the_chair_sees_and_uses_the_sign_button(cast, items, client_for):
    item = items[0]
    record, plan = ready_to_sign(cast, item)
    assert "Sign the plan as chair" not in text(client_for(cast.surgeon).get(run_url(item.meeting)))
    assert "Sign the plan as chair" in text(client_for(cast.chair).get(run_url(item.meeting)))
    data = {"sign-version": str(plan.version), "sign-quorum_override_reason": ""}
    assert client_for(cast.coordinator).post(action_url(item, "sign"), data).status_code == 403

    refused = client_for(cast.chair).post(action_url(item, "sign"), data)
    assert refused.status_code == 400
    assert "Record why the board proceeds without it." in text(refused)
    assert ConsensusPlan.objects.get(pk=plan.pk).status == "draft"

    data["sign-quorum_override_reason"] = "Emergency: cannot wait."
    signed = client_for(cast.chair).post(action_url(item, "sign"), data)
    assert signed.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.quorum_override_reason) == ("signed", "Emergency: cannot wait.")
    page = text(client_for(cast.surgeon).get(run_url(item.meeting)))
    assert "Save the record" not in page
    assert "locked" in page


def test_dissent_from_the_page(cast, items, client_for):
    item = items[0]
    services.decision_record_open(agenda_item=item, by=cast.chair)
    data = {"dissent-member": str(cast.surgeon.pk), "dissent-view": "Radiotherapy alone."}
    response = client_for(cast.coordinator).post(action_url(item, "dissent"), data)
    assert response.status_code == 302
    assert "Radiotherapy alone." in text(client_for(cast.chair).get(run_url(item.meeting)))


@pytest.mark.parametrize(("who", "status"), [("coordinator", 302), ("surgeon", 403)])
def test_attendance_is_taken_by_the_coordinator_or_chair(cast, items, who, status, client_for):
    meeting = items[0].meeting
    url = reverse("meeting-run-attendance", kwargs={"meeting_uuid": meeting.uuid})
    data = {"attendance-user": str(cast.surgeon.pk), "attendance-mode": "remote", "item": "2"}
    response = client_for(getattr(cast, who)).post(url, data)
    assert response.status_code == status
    recorded = Attendance.objects.filter(meeting=meeting, user=cast.surgeon, mode="remote")
    assert recorded.exists() is (status == 302)


@pytest.mark.parametrize(("who", "status"), [("chair", 302), ("surgeon", 403)])
def test_everyone_invited_is_marked_present_from_the_meeting_screen(
    cast, items, who, status, client_for
):
    meeting = items[0].meeting
    client = client_for(getattr(cast, who))
    assert "Mark all invited members present" in text(client.get(run_url(meeting))) or (
        status == 403
    )
    url = reverse("meeting-run-attendance-all", kwargs={"meeting_uuid": meeting.uuid})
    response = client.post(url, {"item": "2"})
    assert response.status_code == status
    present = set(Attendance.objects.filter(meeting=meeting).values_list("user_id", flat=True))
    # Nobody is invited: every member of the board is expected.
    expected = {cast.coordinator.pk, cast.chair.pk, *(u.pk for u in cast.specialists.values())}
    assert present == (expected if status == 302 else set())
    if status == 302:
        assert response["Location"].endswith("?item=2#attendance")


def _run_queries(user, meeting, client_for) -> int:
    client = client_for(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(run_url(meeting, 2)).status_code == 200
    return len(captured)


def test_meeting_screen_queries_do_not_grow_with_the_agenda(cast, client_for):
    counts = []
    for n in (2, 6):
        meeting, items = started_agenda(cast.board, n)
        quorum(cast, meeting)
        for item in items:
            ready_to_sign(cast, item)
            give_opinion(item, cast.surgeon, ["separation_surgery"])
        counts.append(_run_queries(cast.chair, meeting, client_for))
    assert counts[0] == counts[1] <= 30, counts


# --- the plan page ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("surgeon", 200), ("coordinator", 200), ("outsider", 404), ("patient_user", 403)],
)
def test_plan_page_access(cast, signed_plan, who, status, client_for):
    assert client_for(getattr(cast, who)).get(plan_url(signed_plan)).status_code == status


class _HeaderCells(HTMLParser):
    """The text of each header cell of the options' benefit/risk tables."""

    def __init__(self):
        super().__init__()
        self.in_table = self.in_th = False
        self.headers: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "table" and "aspect-table" in (dict(attrs).get("class") or ""):
            self.in_table = True
        elif tag == "th" and self.in_table:
            self.in_th = True
            self.headers.append("")

    def handle_endtag(self, tag):
        if tag == "table":
            self.in_table = False
        elif tag == "th":
            self.in_th = False

    def handle_data(self, data):
        if self.in_th:
            self.headers[-1] += data


def test_plan_page_options_table_has_no_empty_header(cast, signed_plan, client_for):
    # axe's empty-table-header: the corner cell above the aspect names is named for screen
    # readers (visually hidden), not left empty.
    option = {
        "option": "Separation surgery",
        "source": "board",
        "benefits": {"neurological": "Decompression"},
        "risks": {"neurological": "Wound healing"},
    }
    DecisionRecord.objects.filter(pk=signed_plan.decision_id).update(options=[option])
    page = text(client_for(cast.surgeon).get(plan_url(signed_plan)))
    cells = _HeaderCells()
    cells.feed(page)
    assert cells.headers[:4] == ["Aspect", "Expected benefits", "Risks", "Neurological"]
    assert all(header.strip() for header in cells.headers)


def test_activity_status_buttons(cast, signed_plan, client_for):
    surgery = signed_plan.activities.get(kind="surgery")
    url = reverse(
        "plan-activity-status",
        kwargs={"plan_uuid": signed_plan.uuid, "activity_uuid": surgery.uuid},
    )
    prefix = f"cancelled-{surgery.pk}"
    refused = client_for(cast.surgeon).post(url, {"status": "cancelled"})
    assert refused.status_code == 400
    assert "Say why it was cancelled." in text(refused)
    surgery.refresh_from_db()
    assert surgery.status == "planned"
    done = client_for(cast.surgeon).post(
        url, {"status": "cancelled", f"{prefix}-reason": "Declined by the patient."}
    )
    assert done.status_code == 302
    surgery.refresh_from_db()
    assert (surgery.status, surgery.status_reason) == ("cancelled", "Declined by the patient.")


def test_amending_from_the_plan_page_keeps_the_earlier_version_readable(
    cast, signed_plan, client_for
):
    surgery, radiation = signed_plan.activities.order_by("position")
    rows = [
        {
            "activity": str(surgery.uuid),
            "kind": "surgery",
            "description": surgery.description,
            "responsible_discipline": "spine_surgery",
            "responsible_user": str(cast.surgeon.pk),
            "DELETE": "on",
        },
        {
            "activity": str(radiation.uuid),
            "kind": "radiation",
            "description": "SBRT to T10, 27 Gy/3",
            "responsible_discipline": "radiation_oncology",
            "detail_regimen": "27 Gy/3",
            "detail_timing": "without_surgery",
        },
    ]
    data = {
        "amend-version": str(signed_plan.version),
        "amend-reason": "Surgery declined by the patient.",
        "amend-summary": "SBRT alone to T10.",
        **formset_data("amend-activities", rows, initial=2),
    }
    url = reverse("plan-amend", kwargs={"plan_uuid": signed_plan.uuid})
    assert client_for(cast.surgeon).post(url, data).status_code == 403
    response = client_for(cast.coordinator).post(url, data)
    assert response.status_code == 302
    amendment = PlanAmendment.objects.get(plan=signed_plan)
    assert amendment.reason == "Surgery declined by the patient."
    page = text(client_for(cast.surgeon).get(plan_url(signed_plan)))
    assert "Amended because:</strong> Surgery declined by the patient." in page
    # The signed version, with the surgery, is still there to read.
    assert "Separation surgery T10" in page
    assert "Separation surgery at T10, then SBRT." in page
    assert "SBRT alone to T10." in page


def test_the_record_form_keeps_supportive_care_apart_and_shows_who_raised_each(
    cast, items, client_for
):
    item = items[0]
    give_opinion(item, cast.specialists["pain_medicine"], ["analgesic_plan"])
    record = services.decision_record_open(agenda_item=item, by=cast.chair)
    page = text(client_for(cast.surgeon).get(run_url(item.meeting, 1)))
    options_part, supportive_part = page.split('id="supportive-care"')
    assert "Suggested by decision support: NOMS (rules" in options_part
    assert 'name="supportive-0-measure"' not in options_part
    assert 'value="Analgesic plan"' in supportive_part
    assert "Raised by Test " in supportive_part

    data = _record_post(record)
    data.update(
        formset_data(
            "supportive",
            [*record.supportive_care, {"measure": "Dexamethasone 16 mg daily"}],
            initial=1,
        )
    )
    response = client_for(cast.surgeon).post(action_url(item, "record"), data)
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.supportive_care == [
        {"measure": "Analgesic plan", "origin": record.supportive_care[0]["origin"]},
        {"measure": "Dexamethasone 16 mg daily", "origin": ""},
    ]
    assert record.supportive_care[0]["origin"].startswith("raised by Test ")
    assert all(o["option"] != "Analgesic plan" for o in record.options)
