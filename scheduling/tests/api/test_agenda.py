"""The agenda through the API, with its allowed/refused pairs (api.agenda)."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Case
from recommendations.models import DecisionRecord
from scheduling import services
from scheduling.models import AgendaItem
from scheduling.tests.helpers import agenda_snapshot, api_url, assert_bad_input, ready_case
from tests.factories import CaseFactory, MeetingFactory, in_days

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["coordinator", "chair"])
def test_coordinator_and_chair_add_to_the_agenda(cast, api, meeting, name):
    case = ready_case(cast.board)
    response = api(getattr(cast, name)).post(
        api_url("agenda-add", meeting.uuid), {"case": str(case.uuid), "minutes_allotted": 15}
    )
    assert response.status_code == 201, response.json()
    agenda = response.json()["agenda"]
    assert [(e["case"]["uuid"], e["minutes_allotted"]) for e in agenda] == [(str(case.uuid), 15)]
    case.refresh_from_db()
    assert case.status == Case.Status.SCHEDULED


def test_a_member_cannot_change_the_agenda(cast, api, meeting):
    case = ready_case(cast.board)
    before = agenda_snapshot(meeting)
    response = api(cast.surgeon).post(api_url("agenda-add", meeting.uuid), {"case": str(case.uuid)})
    assert response.status_code == 403
    assert agenda_snapshot(meeting) == before
    case.refresh_from_db()
    assert case.status == Case.Status.READY


def test_outsider_cannot_change_an_agenda_of_another_board(cast, api, meeting):
    case = ready_case(cast.board)
    response = api(cast.outsider).post(
        api_url("agenda-add", meeting.uuid), {"case": str(case.uuid)}
    )
    assert response.status_code == 404
    assert not AgendaItem.objects.exists()


def test_urgent_case_goes_first_and_is_flagged(cast, api, meeting):
    client = api(cast.coordinator)
    routine = ready_case(cast.board)
    compression = ready_case(cast.board, neuro_progression=Case.Progression.DAYS)
    client.post(api_url("agenda-add", meeting.uuid), {"case": str(routine.uuid)})
    body = client.post(api_url("agenda-add", meeting.uuid), {"case": str(compression.uuid)}).json()
    assert [(e["position"], e["case"]["uuid"], e["urgent"]) for e in body["agenda"]] == [
        (1, str(compression.uuid), True),
        (2, str(routine.uuid), False),
    ]
    assert [f["code"] for f in body["agenda"][0]["flags"]] == ["cord_compression"]


def test_not_ready_case_shows_what_is_missing(cast, api, meeting):
    case = CaseFactory(board=cast.board)
    body = api(cast.coordinator).post(api_url("agenda-add", meeting.uuid), {"case": str(case.uuid)})
    entry = body.json()["agenda"][0]
    assert entry["readiness"]["ready"] is False
    assert "Performance status (KPS or ECOG)" in entry["readiness"]["missing"]


def test_overbooking_refused_until_the_override_is_recorded(cast, api, meeting):
    client = api(cast.coordinator)
    first, second = ready_case(cast.board), ready_case(cast.board)
    client.post(
        api_url("agenda-add", meeting.uuid), {"case": str(first.uuid), "minutes_allotted": 50}
    )
    before = agenda_snapshot(meeting)
    response = client.post(
        api_url("agenda-add", meeting.uuid), {"case": str(second.uuid), "minutes_allotted": 20}
    )
    body = assert_bad_input(response, "minutes_allotted")
    assert body["minutes_allotted"] == ["10 minutes are left on this agenda."]
    assert agenda_snapshot(meeting) == before

    assert_bad_input(
        client.post(api_url("meeting-allow-overbooking", meeting.uuid), {"reason": ""}), "reason"
    )
    response = client.post(
        api_url("meeting-allow-overbooking", meeting.uuid), {"reason": "Two urgent referrals"}
    )
    assert response.json()["overbooking"]["allowed"] is True
    assert response.json()["overbooking"]["allowed_by"]["id"] == cast.coordinator.pk
    response = client.post(
        api_url("agenda-add", meeting.uuid), {"case": str(second.uuid), "minutes_allotted": 20}
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["booked_minutes"], body["available_minutes"], body["overbooked"]) == (
        70,
        -10,
        True,
    )


def test_change_minutes_and_remove(cast, api, meeting):
    client = api(cast.coordinator)
    a, b = ready_case(cast.board), ready_case(cast.board)
    for case in (a, b):
        client.post(api_url("agenda-add", meeting.uuid), {"case": str(case.uuid)})
    response = client.patch(api_url("agenda-item", meeting.uuid, a.uuid), {"minutes_allotted": 25})
    assert response.status_code == 200
    assert response.json()["agenda"][0]["minutes_allotted"] == 25
    assert_bad_input(
        client.patch(api_url("agenda-item", meeting.uuid, a.uuid), {"minutes_allotted": 0}),
        "minutes_allotted",
    )
    response = client.delete(api_url("agenda-item", meeting.uuid, a.uuid))
    assert response.status_code == 200
    assert [(e["position"], e["case"]["uuid"]) for e in response.json()["agenda"]] == [
        (1, str(b.uuid))
    ]
    a.refresh_from_db()
    assert a.status == Case.Status.READY
    assert client.delete(api_url("agenda-item", meeting.uuid, a.uuid)).status_code == 404


def test_add_unknown_or_foreign_case_is_a_400(cast, api, meeting):
    client = api(cast.coordinator)
    foreign = ready_case(cast.other_board)
    assert_bad_input(client.post(api_url("agenda-add", meeting.uuid), {"case": "nope"}), "case")
    assert_bad_input(
        client.post(api_url("agenda-add", meeting.uuid), {"case": str(foreign.uuid)}), "case"
    )
    assert_bad_input(
        client.post(
            api_url("agenda-add", meeting.uuid),
            {"case": str(ready_case(cast.board).uuid), "minutes_allotted": 500},
        ),
        "minutes_allotted",
    )
    assert not AgendaItem.objects.exists()


def test_a_case_sits_on_one_future_meeting_only(cast, api, meeting):
    later = MeetingFactory(board=cast.board, starts_at=in_days(12), ends_at=in_days(12, 8, 30))
    case = ready_case(cast.board)
    client = api(cast.coordinator)
    client.post(api_url("agenda-add", meeting.uuid), {"case": str(case.uuid)})
    response = client.post(api_url("agenda-add", later.uuid), {"case": str(case.uuid)})
    assert_bad_input(response, "case")
    assert AgendaItem.objects.filter(case=case).count() == 1


def test_reorder_puts_the_agenda_in_the_given_order(cast, api, meeting):
    client = api(cast.coordinator)
    cases = [ready_case(cast.board) for _ in range(3)]
    for case in cases:
        client.post(api_url("agenda-add", meeting.uuid), {"case": str(case.uuid)})
    order = [str(cases[2].uuid), str(cases[0].uuid), str(cases[1].uuid)]
    response = client.put(api_url("agenda-order", meeting.uuid), {"order": order})
    assert response.status_code == 200
    assert [e["case"]["uuid"] for e in response.json()["agenda"]] == order
    assert [e["position"] for e in response.json()["agenda"]] == [1, 2, 3]


def test_stale_or_bad_order_is_refused_and_nothing_changes(cast, api, meeting):
    client = api(cast.coordinator)
    cases = [ready_case(cast.board) for _ in range(3)]
    for case in cases:
        client.post(api_url("agenda-add", meeting.uuid), {"case": str(case.uuid)})
    before = agenda_snapshot(meeting)
    # Incomplete (someone added a case since the page was loaded): a conflict, 409.
    response = client.put(
        api_url("agenda-order", meeting.uuid), {"order": [str(cases[1].uuid), str(cases[0].uuid)]}
    )
    assert response.status_code == 409
    assert response.json()["order"] == ["1 case(s) on the agenda are missing from the order."]
    # A case listed twice, or not a list of uuids: bad input, 400.
    twice = [str(cases[0].uuid), str(cases[0].uuid), str(cases[1].uuid), str(cases[2].uuid)]
    assert_bad_input(client.put(api_url("agenda-order", meeting.uuid), {"order": twice}), "order")
    assert_bad_input(client.put(api_url("agenda-order", meeting.uuid), {"order": "abc"}), "order")
    response = client.put(api_url("agenda-order", meeting.uuid), {"order": ["x"]})
    assert response.status_code == 400
    assert response.json()["order"] == {"0": ["Must be a valid UUID."]}
    assert agenda_snapshot(meeting) == before


def test_agenda_refused_once_the_meeting_is_closed(cast, api):
    started = MeetingFactory(
        board=cast.board,
        starts_at=timezone.now() - dt.timedelta(minutes=30),
        ends_at=timezone.now() + dt.timedelta(minutes=30),
    )
    case = ready_case(cast.board)
    services.meeting_close(meeting=started, by=cast.coordinator)
    response = api(cast.coordinator).post(
        api_url("agenda-add", started.uuid), {"case": str(case.uuid)}
    )
    assert_bad_input(response, "meeting")
    assert not AgendaItem.objects.exists()


def test_addition_after_circulation_is_marked_late(cast, api, meeting):
    client = api(cast.coordinator)
    early, late = ready_case(cast.board), ready_case(cast.board)
    client.post(api_url("agenda-add", meeting.uuid), {"case": str(early.uuid)})
    response = client.post(api_url("meeting-circulate", meeting.uuid))
    assert response.status_code == 200
    assert response.json()["circulated_now"] is True
    assert response.json()["meeting"]["agenda_circulated_at"]
    again = client.post(api_url("meeting-circulate", meeting.uuid))
    assert again.json()["circulated_now"] is False
    body = client.post(api_url("agenda-add", meeting.uuid), {"case": str(late.uuid)}).json()
    assert [(e["case"]["uuid"], e["added_late"]) for e in body["agenda"]] == [
        (str(early.uuid), False),
        (str(late.uuid), True),
    ]
    assert api(cast.surgeon).post(api_url("meeting-circulate", meeting.uuid)).status_code == 403


def test_a_case_with_a_decision_record_is_not_taken_off_the_agenda(cast, api, meeting):
    """The decision record protects its agenda place: a clear 409, not a ProtectedError 500."""
    case = ready_case(cast.board)
    item = services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    DecisionRecord.objects.create(agenda_item=item, created_by=cast.chair)
    client = api(cast.coordinator)
    response = client.delete(api_url("agenda-item", meeting.uuid, case.uuid))
    assert response.status_code == 409, response.content
    assert "decision record" in response.json()["detail"]
    assert response.json()["case"] == ["It has a decision record at this meeting."]
    response = client.post(api_url("case-defer", case.uuid), {"reason": "Awaiting MRI"})
    assert response.status_code == 409, response.content
    assert "decision record" in response.json()["detail"]
    assert list(AgendaItem.objects.values_list("pk", "is_open")) == [(item.pk, True)]
    case.refresh_from_db()
    assert case.status == Case.Status.SCHEDULED
