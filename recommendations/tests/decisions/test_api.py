"""Meeting-mode API: access per role, versions (ETag, If-Match, 409/412/428), sign-off,
amendments, history, and a constant number of queries for the meeting screen."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations.decisions import services
from recommendations.models import ConsensusPlan, DecisionRecord, PlanActivity, PreMeetingSummary
from scheduling.models import Notification
from tests.factories import MeetingFactory
from tests.meeting_mode import (
    give_opinion,
    quorum,
    ready_to_sign,
    started_agenda,
)

pytestmark = pytest.mark.django_db


def board_url(meeting) -> str:
    return f"/api/v1/meetings/{meeting.uuid}/board/"


def open_url(item) -> str:
    return f"/api/v1/meetings/{item.meeting.uuid}/items/{item.case.uuid}/decision/"


@pytest.fixture
def record(cast, item):
    return services.decision_record_open(agenda_item=item, by=cast.coordinator)


# --- access -------------------------------------------------------------------------------------


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
def test_meeting_screen_access(cast, api, item, who, status):
    response = api(getattr(cast, who)).get(board_url(item.meeting))
    assert response.status_code == status
    if status == 200:
        assert [entry["case"]["uuid"] for entry in response.json()["items"]] == [
            str(item.case.uuid)
        ]


def test_anonymous_is_refused(api, item):
    assert api().get(board_url(item.meeting)).status_code in (401, 403)


@pytest.mark.parametrize(
    ("who", "status"), [("surgeon", 200), ("outsider", 404), ("patient_user", 403)]
)
def test_decision_and_plan_access(cast, api, record, who, status):
    client = api(getattr(cast, who))
    assert client.get(f"/api/v1/decisions/{record.uuid}/").status_code == status
    assert client.get(f"/api/v1/plans/{record.plan.uuid}/").status_code == status
    assert client.get(f"/api/v1/plans/{record.plan.uuid}/history/").status_code == status


def test_meeting_screen_shows_the_record_plan_opinions_and_quorum(cast, api, record):
    item = record.agenda_item
    give_opinion(item, cast.surgeon, ["separation_surgery"])
    quorum(cast, item.meeting)
    body = api(cast.chair).get(board_url(item.meeting)).json()
    assert body["quorum"] == {
        "met": True,
        "required": ["spine_surgery", "radiation_oncology", "medical_oncology"],
        "present": ["medical_oncology", "radiation_oncology", "spine_surgery"],
        "missing_disciplines": [],
    }
    assert "chair" in body["your_roles"]
    entry = body["items"][0]
    assert entry["decision"]["uuid"] == str(record.uuid)
    assert entry["decision"]["version"] == 1
    assert entry["plan"]["uuid"] == str(record.plan.uuid)
    assert entry["plan"]["status"] == "draft"
    assert [o["discipline"] for o in entry["opinions"]] == ["spine_surgery"]
    assert entry["assessment"]["lesions"][0]["level"] == "T10"
    assert entry["summary"] is None


def test_blind_opinions_and_the_summary_stay_hidden_until_the_specialist_gives_theirs(cast, api):
    # A meeting that has not started yet: blind opinions stay blind.
    meeting, (item,) = started_agenda(cast.board, meeting=MeetingFactory(board=cast.board))
    give_opinion(item, cast.surgeon, ["separation_surgery"])
    PreMeetingSummary.objects.create(
        agenda_item=item, version=1, content={"noms": []}, inputs={}, inputs_fingerprint="x"
    )
    rad = cast.specialists["radiation_oncology"]
    entry = api(rad).get(board_url(meeting)).json()["items"][0]
    assert (entry["opinions"], entry["summary"], entry["opinions_hidden"]) == ([], None, True)
    coordinator_view = api(cast.coordinator).get(board_url(meeting)).json()["items"][0]
    assert [o["discipline"] for o in coordinator_view["opinions"]] == ["spine_surgery"]

    give_opinion(item, rad, ["sbrt"], regimen="24 Gy/2")
    entry = api(rad).get(board_url(meeting)).json()["items"][0]
    assert [o["discipline"] for o in entry["opinions"]] == ["radiation_oncology", "spine_surgery"]
    assert (entry["summary"]["version"], entry["opinions_hidden"]) == (1, False)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_meeting_screen_queries_do_not_grow_with_the_agenda(cast, api):
    counts = []
    for n in (2, 6):
        meeting, items = started_agenda(cast.board, n)
        for item in items:
            record, plan = ready_to_sign(cast, item)
            services.dissent_add(plan=plan, member=cast.surgeon, view="No", by=cast.chair)
            give_opinion(item, cast.surgeon, ["separation_surgery"])
        counts.append(_queries(api(cast.chair), board_url(meeting)))
    assert counts[0] == counts[1] <= 25, counts


# --- opening ------------------------------------------------------------------------------------


def test_open_creates_once_then_returns_the_same_record(cast, api, item):
    client = api(cast.surgeon)
    first = client.post(open_url(item))
    assert first.status_code == 201
    assert first["ETag"] == '"1"'
    assert first.json()["options"][0]["source"] == "noms"
    again = client.post(open_url(item))
    assert again.status_code == 200
    assert again.json()["uuid"] == first.json()["uuid"]
    assert DecisionRecord.objects.count() == 1


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("patient_user", 403)])
def test_open_is_refused_outside_the_board(cast, api, item, who, status):
    assert api(getattr(cast, who)).post(open_url(item)).status_code == status
    assert not DecisionRecord.objects.exists()


# --- versions -----------------------------------------------------------------------------------


def test_patch_with_if_match_then_stale_if_match_is_412(cast, api, record):
    url = f"/api/v1/decisions/{record.uuid}/"
    ok = api(cast.surgeon).patch(url, {"uncertainties": "Cord margin"}, HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200
    assert ok["ETag"] == '"2"'
    assert ok.json()["uncertainties"] == "Cord margin"

    stale = api(cast.chair).patch(url, {"uncertainties": "Mine"}, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert stale["ETag"] == '"2"'
    assert stale.json()["current"]["uncertainties"] == "Cord margin"
    assert stale.json()["current"]["version"] == 2
    record.refresh_from_db()
    assert record.uncertainties == "Cord margin"


def test_patch_with_a_stale_body_version_is_409(cast, api, record):
    url = f"/api/v1/decisions/{record.uuid}/"
    assert api(cast.surgeon).patch(url, {"version": 1, "uncertainties": "A"}).status_code == 200
    stale = api(cast.chair).patch(url, {"version": 1, "uncertainties": "B"})
    assert stale.status_code == 409
    assert stale.json()["current"]["uncertainties"] == "A"
    assert "Someone else saved this decision record" in stale.json()["detail"]


def test_patch_without_a_version_is_428(cast, api, record):
    response = api(cast.surgeon).patch(f"/api/v1/decisions/{record.uuid}/", {"uncertainties": "A"})
    assert response.status_code == 428
    assert "version" in response.json()
    record.refresh_from_db()
    assert record.version == 1


def test_if_match_and_body_version_must_agree(cast, api, record):
    response = api(cast.surgeon).patch(
        f"/api/v1/decisions/{record.uuid}/",
        {"version": 2, "uncertainties": "A"},
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 400
    assert "version" in response.json()


def test_bad_options_are_a_400_with_field_messages(cast, api, record):
    response = api(cast.surgeon).patch(
        f"/api/v1/decisions/{record.uuid}/",
        {"options": [{"option": "A"}, {"option": "A"}]},
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 400
    assert response.json()["options"] == ["Option 2: “A” is listed twice."]


def test_options_are_replaced_whole_with_their_benefits_and_risks(cast, api, record):
    options = [
        {
            "option": "Separation surgery then SBRT",
            "source": "noms",
            "benefits": {"neurological": "Decompresses the cord"},
            "risks": {"recovery_time": "Two weeks in hospital"},
            "fits_goals": "Best chance to keep walking",
        }
    ]
    response = api(cast.surgeon).patch(
        f"/api/v1/decisions/{record.uuid}/", {"options": options}, HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200
    (saved,) = response.json()["options"]
    assert saved["benefits"] == {
        "neurological": "Decompresses the cord",
        "local_control": "",
        "pain_quality_of_life": "",
        "recovery_time": "",
    }
    assert saved["risks"]["recovery_time"] == "Two weeks in hospital"


# --- the plan and its activities ---------------------------------------------------------------


def test_plan_activities_add_change_remove_with_the_plan_version(cast, api, record):
    plan_url = f"/api/v1/plans/{record.plan.uuid}/"
    client = api(cast.surgeon)
    added = client.post(
        f"{plan_url}activities/",
        {
            "kind": "radiation",
            "description": "SBRT to T10",
            "details": {"regimen": "24 Gy/2", "timing": "after_surgery"},
            "responsible_user": cast.specialists["radiation_oncology"].username,
            "due_date": "2030-01-15",
        },
    )
    assert added.status_code == 201, added.json()
    assert added["ETag"] == '"2"'
    body = added.json()
    assert body["responsible_user"]["username"] == "spec_radiation_oncology"
    assert body["status"] == "planned"
    activity_url = f"/api/v1/activities/{body['uuid']}/"

    assert client.patch(activity_url, {"description": "x"}).status_code == 428
    assert client.patch(activity_url, {"description": "x"}, HTTP_IF_MATCH='"1"').status_code == 412
    changed = client.patch(activity_url, {"description": "SBRT 27 Gy/3"}, HTTP_IF_MATCH='"2"')
    assert changed.status_code == 200
    assert changed["ETag"] == '"3"'
    assert changed.json()["description"] == "SBRT 27 Gy/3"

    assert client.delete(activity_url, HTTP_IF_MATCH='"2"').status_code == 412
    removed = client.delete(activity_url, HTTP_IF_MATCH='"3"')
    assert removed.status_code == 204
    assert removed["ETag"] == '"4"'
    assert not PlanActivity.objects.exists()


def test_an_owner_outside_the_board_is_a_400(cast, api, record):
    response = api(cast.surgeon).post(
        f"/api/v1/plans/{record.plan.uuid}/activities/",
        {"kind": "pain", "description": "Block", "responsible_user": cast.outsider.username},
    )
    assert response.status_code == 400
    assert "responsible_user" in response.json()


def test_plan_patch_outcome_and_stale_version(cast, api, record):
    url = f"/api/v1/plans/{record.plan.uuid}/"
    ok = api(cast.chair).patch(url, {"outcome": "agreed", "version": 1})
    assert ok.status_code == 200
    assert ok.json()["outcome"] == "agreed"
    stale = api(cast.surgeon).patch(url, {"summary": "x", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["current"]["outcome"] == "agreed"


def test_activity_status_transitions_over_the_api(cast, api, record):
    activity = services.activity_add(
        plan=record.plan,
        by=cast.chair,
        kind="imaging",
        description="MRI",
        responsible_discipline="radiology",
    )
    url = f"/api/v1/activities/{activity.uuid}/status/"
    client = api(cast.specialists["radiology"])
    refused = client.post(url, {"status": "cancelled"})
    assert refused.status_code == 400
    assert "reason" in refused.json()
    assert client.post(url, {"status": "in_progress"}).json()["status"] == "in_progress"
    back = client.post(url, {"status": "planned"})
    assert back.status_code == 400
    assert back.json()["status"] == ["Allowed next statuses: cancelled, deviated, done."]
    assert api(cast.surgeon).post(url, {"status": "done"}).status_code == 403  # not theirs
    assert api(cast.outsider).post(url, {"status": "done"}).status_code == 404


def test_dissent_by_name(cast, api, record):
    url = f"/api/v1/plans/{record.plan.uuid}/dissents/"
    created = api(cast.coordinator).post(
        url, {"member": cast.surgeon.username, "view": "Radiotherapy alone."}
    )
    assert created.status_code == 201
    assert created.json()["member"]["username"] == "spec_spine_surgery"
    assert created.json()["recorded_by"]["username"] == "coord"
    assert api(cast.coordinator).post(url, {"member": "outsider", "view": "x"}).status_code == 400


# --- sign-off and after -------------------------------------------------------------------------


def test_sign_chair_only_quorum_or_reason_then_locked(cast, api, item):
    record, plan = ready_to_sign(cast, item)
    url = f"/api/v1/plans/{plan.uuid}/sign/"
    assert api(cast.coordinator).post(url, {}).status_code == 403
    assert api(cast.surgeon).post(url, {}).status_code == 403
    no_quorum = api(cast.chair).post(url, {})
    assert no_quorum.status_code == 400
    assert "quorum_override_reason" in no_quorum.json()
    assert ConsensusPlan.objects.get(pk=plan.pk).status == "draft"

    signed = api(cast.chair).post(url, {"quorum_override_reason": "Emergency: cannot wait."})
    assert signed.status_code == 200
    body = signed.json()
    assert (body["status"], body["quorum_met"]) == ("signed", False)
    assert body["signed_by"]["username"] == "chair"
    assert Notification.objects.filter(kind="plan_activity").count() == 2

    locked = api(cast.chair).patch(
        f"/api/v1/plans/{plan.uuid}/", {"summary": "x"}, HTTP_IF_MATCH=signed["ETag"]
    )
    assert locked.status_code == 409
    assert "amendment" in locked.json()["detail"]


def test_amendment_and_history_over_the_api(cast, api, item):
    quorum(cast, item.meeting)
    record, plan = ready_to_sign(cast, item)
    plan = services.plan_sign(plan=plan, by=cast.chair)
    surgery = plan.activities.get(kind="surgery")
    url = f"/api/v1/plans/{plan.uuid}/amendments/"
    payload = {
        "reason": "Surgery declined by the patient.",
        "summary": "SBRT alone.",
        "activities": [{"action": "remove", "activity": str(surgery.uuid)}],
    }
    assert api(cast.surgeon).post(url, payload, format="json").status_code == 403
    created = api(cast.chair).post(url, payload, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["plan_version_before"] == plan.version
    assert created["ETag"] == f'"{plan.version + 1}"'

    history = api(cast.surgeon).get(f"/api/v1/plans/{plan.uuid}/history/").json()
    current, signed = history["versions"][0], history["versions"][1]
    assert current["summary"] == "SBRT alone."
    assert current["amendment"]["reason"] == "Surgery declined by the patient."
    assert [a["description"] for a in current["activities"]] == ["SBRT to T10"]
    assert signed["status"] == "signed"
    assert signed["summary"] == "Separation surgery at T10, then SBRT."
    assert [a["description"] for a in signed["activities"]] == [
        "Separation surgery T10",
        "SBRT to T10",
    ]
    assert all(entry["by"] for entry in history["entries"])


def test_schema_lists_meeting_mode_without_warnings_of_its_own(tmp_path, capsys):
    # tests/test_schema.py fails on any warning; this names the ones meeting mode would cause.
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--file", str(out))
    warnings = [line for line in capsys.readouterr().err.splitlines() if "Warning" in line]
    ours = (
        "decisions/api",
        "decisions/serializers",
        "ConsensusOutcomeEnum",
        "PlanActivity",
        "PatientInvolvementEnum",
    )
    assert not [w for w in warnings if any(name in w for name in ours)]
    text = out.read_text()
    for path in (
        "/api/v1/meetings/{uuid}/board/:",
        "/api/v1/meetings/{uuid}/items/{case_uuid}/decision/:",
        "/api/v1/decisions/{uuid}/:",
        "/api/v1/plans/{uuid}/sign/:",
        "/api/v1/plans/{uuid}/amendments/:",
        "/api/v1/plans/{uuid}/history/:",
        "/api/v1/activities/{uuid}/status/:",
    ):
        assert path in text
    assert "ConsensusOutcomeEnum" in text
    assert "PlanActivityStatusEnum" in text
