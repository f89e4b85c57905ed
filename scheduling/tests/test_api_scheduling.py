"""REST API for schedules, meetings, agendas, deferral, invitations, attendance and the readiness
board: each permission as an allowed/refused pair, bad input as a 400 naming the field with
nothing changed, and constant query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from scheduling import services
from scheduling.models import (
    AgendaItem,
    Attendance,
    BoardSchedule,
    Invitation,
    Meeting,
    Notification,
)
from scheduling.tests.test_rules import LONDON, in_days, ready_case
from tests.factories import (
    AgendaItemFactory,
    BoardFactory,
    CaseFactory,
    LesionFactory,
    MeetingFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(cast):
    """A planned one-hour meeting in five days, 07:30 London time."""
    return MeetingFactory(board=cast.board, starts_at=in_days(5), ends_at=in_days(5, 8, 30))


def url(name, *args):
    return reverse(f"api:{name}", args=args)


def assert_bad_input(response, field):
    """A 400 with a summary and messages on the named field."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"]
    assert isinstance(body[field], list) and body[field], body
    return body


def snapshot(meeting):
    meeting.refresh_from_db()
    items = list(
        AgendaItem.objects.filter(meeting=meeting)
        .order_by("position")
        .values_list("case_id", "position", "minutes_allotted")
    )
    return (meeting.starts_at, meeting.ends_at, meeting.status, items)


# --- access: allowed/refused pairs -------------------------------------------------------------


@pytest.mark.parametrize("name", ["coordinator", "chair", "surgeon"])
def test_board_staff_read_a_meeting(cast, api, meeting, name):
    response = api(getattr(cast, name)).get(url("meeting-detail", meeting.uuid))
    assert response.status_code == 200
    body = response.json()
    assert body["uuid"] == str(meeting.uuid)
    assert body["length_minutes"] == 60
    assert body["time_zone"] == "Europe/London"
    assert body["starts_at_local"].startswith(f"{in_days(5):%Y-%m-%d}T07:30:00")
    assert body["can_edit"] is (name != "surgeon")


def test_outsider_gets_404_for_a_meeting_of_another_board(cast, api, meeting):
    assert api(cast.outsider).get(url("meeting-detail", meeting.uuid)).status_code == 404
    assert api(cast.outsider).get(url("meeting-invitations", meeting.uuid)).status_code == 404
    assert api(cast.outsider).get(url("meeting-calendar", meeting.uuid)).status_code == 404


@pytest.mark.parametrize("name", ["patient_user", "stranger"])
def test_patient_and_roleless_user_refused(cast, api, meeting, name):
    client = api(getattr(cast, name))
    assert client.get(url("meeting-detail", meeting.uuid)).status_code == 403
    assert client.get(url("readiness-board")).status_code == 403
    assert client.get(url("my-calendar-feed")).status_code == 403


def test_anonymous_refused(cast, api, meeting):
    assert api().get(url("meeting-detail", meeting.uuid)).status_code == 403
    assert api().post(url("agenda-add", meeting.uuid), {}).status_code == 403
    assert api().get(url("readiness-board")).status_code == 403


@pytest.mark.parametrize("name", ["coordinator", "chair"])
def test_coordinator_and_chair_add_to_the_agenda(cast, api, meeting, name):
    case = ready_case(cast.board)
    response = api(getattr(cast, name)).post(
        url("agenda-add", meeting.uuid), {"case": str(case.uuid), "minutes_allotted": 15}
    )
    assert response.status_code == 201, response.json()
    agenda = response.json()["agenda"]
    assert [(e["case"]["uuid"], e["minutes_allotted"]) for e in agenda] == [(str(case.uuid), 15)]
    case.refresh_from_db()
    assert case.status == Case.Status.SCHEDULED


def test_a_member_cannot_change_the_agenda(cast, api, meeting):
    case = ready_case(cast.board)
    before = snapshot(meeting)
    response = api(cast.surgeon).post(url("agenda-add", meeting.uuid), {"case": str(case.uuid)})
    assert response.status_code == 403
    assert snapshot(meeting) == before
    case.refresh_from_db()
    assert case.status == Case.Status.READY


def test_outsider_cannot_change_an_agenda_of_another_board(cast, api, meeting):
    case = ready_case(cast.board)
    response = api(cast.outsider).post(url("agenda-add", meeting.uuid), {"case": str(case.uuid)})
    assert response.status_code == 404
    assert not AgendaItem.objects.exists()


# --- schedules --------------------------------------------------------------------------------


def test_coordinator_adds_a_weekly_schedule_and_generates_its_meetings(cast, api):
    client = api(cast.coordinator)
    response = client.post(
        url("board-schedules", cast.board.uuid),
        {
            "recurrence": "freq=weekly;byday=tu",
            "local_start_time": "07:30",
            "duration_minutes": 60,
            "starts_on": str(timezone.localdate()),
            "location": "Seminar room 2",
        },
    )
    assert response.status_code == 201, response.json()
    schedule = response.json()
    assert schedule["recurrence"] == "FREQ=WEEKLY;BYDAY=TU"
    assert schedule["board"] == str(cast.board.uuid)

    until = timezone.localdate() + dt.timedelta(weeks=4)
    response = client.post(url("schedule-generate", schedule["id"]), {"until": str(until)})
    assert response.status_code == 200, response.json()
    created = response.json()
    assert 3 <= len(created) <= 5
    meetings = Meeting.objects.filter(board=cast.board).order_by("starts_at")
    assert [str(m.uuid) for m in meetings] == [row["uuid"] for row in created]
    for m in meetings:
        local = m.starts_at.astimezone(LONDON)
        assert (local.weekday(), local.hour, local.minute) == (1, 7, 30)
        assert m.ends_at - m.starts_at == dt.timedelta(minutes=60)
    # Again: nothing new (idempotent).
    again = client.post(url("schedule-generate", schedule["id"]), {"until": str(until)})
    assert again.json() == []
    listed = client.get(url("board-schedules", cast.board.uuid)).json()
    assert [row["id"] for row in listed] == [schedule["id"]]


def test_invalid_recurrence_is_a_400_and_nothing_is_saved(cast, api):
    response = api(cast.coordinator).post(
        url("board-schedules", cast.board.uuid),
        {
            "recurrence": "FREQ=HOURLY",
            "local_start_time": "07:30",
            "duration_minutes": 60,
            "starts_on": str(timezone.localdate()),
        },
    )
    assert_bad_input(response, "recurrence")
    assert not BoardSchedule.objects.exists()


def test_schedule_refused_for_a_member_and_hidden_from_an_outsider(cast, api):
    data = {
        "recurrence": "FREQ=WEEKLY;BYDAY=TU",
        "local_start_time": "07:30",
        "duration_minutes": 60,
        "starts_on": str(timezone.localdate()),
    }
    assert api(cast.surgeon).post(url("board-schedules", cast.board.uuid), data).status_code == 403
    assert api(cast.outsider).post(url("board-schedules", cast.board.uuid), data).status_code == 404
    assert not BoardSchedule.objects.exists()


def test_generate_too_far_ahead_is_a_400(cast, api):
    schedule = services.board_schedule_create(
        board=cast.board,
        recurrence="FREQ=WEEKLY;BYDAY=TU",
        local_start_time=dt.time(7, 30),
        duration_minutes=60,
        starts_on=timezone.localdate(),
        by=cast.coordinator,
    )
    until = timezone.localdate() + dt.timedelta(days=800)
    response = api(cast.coordinator).post(
        url("schedule-generate", schedule.pk), {"until": str(until)}
    )
    assert_bad_input(response, "until")
    assert not Meeting.objects.exists()
    member = api(cast.surgeon).post(url("schedule-generate", schedule.pk), {"until": "2030-01-01"})
    assert member.status_code == 403


# --- meetings ---------------------------------------------------------------------------------


def test_create_a_regular_meeting_naive_times_are_the_boards_clock(cast, api):
    day = timezone.localdate() + dt.timedelta(days=9)
    response = api(cast.coordinator).post(
        url("meeting-list"),
        {
            "board": str(cast.board.uuid),
            "starts_at": f"{day}T07:30",
            "ends_at": f"{day}T08:30",
            "location": "Room 4",
        },
    )
    assert response.status_code == 201, response.json()
    meeting = Meeting.objects.get(uuid=response.json()["uuid"])
    assert meeting.starts_at == dt.datetime.combine(day, dt.time(7, 30), tzinfo=LONDON)
    assert meeting.kind == Meeting.Kind.REGULAR
    assert meeting.created_by == cast.coordinator
    assert response.json()["kind"] == "regular"


def test_create_an_ad_hoc_urgent_meeting_with_its_cases(cast, api):
    routine = ready_case(cast.board)
    urgent = ready_case(cast.board, urgency=Case.Urgency.EMERGENCY)
    response = api(cast.coordinator).post(
        url("meeting-list"),
        {
            "board": str(cast.board.uuid),
            "kind": "ad_hoc",
            "starts_at": in_days(1, 13, 0).isoformat(),
            "duration_minutes": 45,
            "cases": [str(routine.uuid), str(urgent.uuid)],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "ad_hoc"
    assert body["length_minutes"] == 45
    assert [(e["case"]["uuid"], e["urgent"]) for e in body["agenda"]] == [
        (str(urgent.uuid), True),
        (str(routine.uuid), False),
    ]


def _iso(days, hour=7, minute=30):
    return lambda: in_days(days, hour, minute).isoformat()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_at": _iso(5, 8, 0), "ends_at": _iso(5, 9, 0)}, "starts_at"),  # overlaps
        ({"starts_at": _iso(-1), "ends_at": _iso(-1, 8, 30)}, "starts_at"),  # in the past
        ({"starts_at": _iso(9, 9, 0), "ends_at": _iso(9, 8, 0)}, "ends_at"),  # ends first
        ({"starts_at": _iso(9)}, "ends_at"),  # a regular meeting needs an end
        ({"starts_at": lambda: "tuesday", "ends_at": _iso(9)}, "starts_at"),
        ({"starts_at": _iso(9), "ends_at": _iso(9, 8, 0), "board": lambda: "x"}, "board"),
        ({"starts_at": _iso(9), "ends_at": _iso(9, 8, 0), "video_link": lambda: "x"}, "video_link"),
        ({"starts_at": _iso(9), "ends_at": _iso(9, 8, 0), "kind": lambda: "weekly"}, "kind"),
    ],
)
def test_bad_meeting_is_a_400_naming_the_field_and_nothing_is_created(
    cast, api, meeting, change, field
):
    data = {"board": str(cast.board.uuid), **{key: value() for key, value in change.items()}}
    response = api(cast.coordinator).post(url("meeting-list"), data)
    assert_bad_input(response, field)
    assert list(Meeting.objects.all()) == [meeting]


def test_create_meeting_on_a_board_one_only_belongs_to_as_member_is_refused(cast, api):
    response = api(cast.surgeon).post(
        url("meeting-list"),
        {
            "board": str(cast.board.uuid),
            "starts_at": in_days(9).isoformat(),
            "ends_at": in_days(9, 8, 30).isoformat(),
        },
    )
    assert response.status_code == 403
    assert not Meeting.objects.exists()


def test_reschedule_keeps_the_length_and_tells_the_invited(cast, api, meeting):
    services.invite_members(meeting=meeting, by=cast.coordinator, disciplines=["spine_surgery"])
    response = api(cast.coordinator).patch(
        url("meeting-detail", meeting.uuid), {"starts_at": in_days(6, 12, 0).isoformat()}
    )
    assert response.status_code == 200, response.json()
    meeting.refresh_from_db()
    assert meeting.starts_at == in_days(6, 12, 0)
    assert meeting.ends_at == in_days(6, 13, 0)
    assert Notification.objects.filter(recipient=cast.surgeon, subject__contains="moved").exists()


def test_reschedule_refused_after_close_and_for_unknown_fields(cast, api):
    started = MeetingFactory(
        board=cast.board,
        starts_at=timezone.now() - dt.timedelta(minutes=30),
        ends_at=timezone.now() + dt.timedelta(minutes=30),
    )
    client = api(cast.coordinator)
    assert client.post(url("meeting-close", started.uuid)).status_code == 200
    before = snapshot(started)
    assert before[2] == Meeting.Status.CLOSED
    response = client.patch(
        url("meeting-detail", started.uuid), {"starts_at": in_days(3).isoformat()}
    )
    assert_bad_input(response, "meeting")
    response = client.patch(url("meeting-detail", started.uuid), {"status": "planned"})
    assert_bad_input(response, "status")
    assert snapshot(started) == before


def test_close_refused_before_the_start_and_for_a_member(cast, api, meeting):
    assert api(cast.surgeon).post(url("meeting-close", meeting.uuid)).status_code == 403
    response = api(cast.coordinator).post(url("meeting-close", meeting.uuid))
    assert_bad_input(response, "meeting")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED


def test_cancel_needs_a_reason(cast, api, meeting):
    client = api(cast.coordinator)
    assert_bad_input(client.post(url("meeting-cancel", meeting.uuid), {"reason": " "}), "reason")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED
    response = client.post(url("meeting-cancel", meeting.uuid), {"reason": "Bank holiday"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


# --- agenda -----------------------------------------------------------------------------------


def test_urgent_case_goes_first_and_is_flagged(cast, api, meeting):
    client = api(cast.coordinator)
    routine = ready_case(cast.board)
    compression = ready_case(cast.board, neuro_progression=Case.Progression.DAYS)
    client.post(url("agenda-add", meeting.uuid), {"case": str(routine.uuid)})
    body = client.post(url("agenda-add", meeting.uuid), {"case": str(compression.uuid)}).json()
    assert [(e["position"], e["case"]["uuid"], e["urgent"]) for e in body["agenda"]] == [
        (1, str(compression.uuid), True),
        (2, str(routine.uuid), False),
    ]
    assert [f["code"] for f in body["agenda"][0]["flags"]] == ["cord_compression"]


def test_not_ready_case_shows_what_is_missing(cast, api, meeting):
    case = CaseFactory(board=cast.board)
    body = api(cast.coordinator).post(url("agenda-add", meeting.uuid), {"case": str(case.uuid)})
    entry = body.json()["agenda"][0]
    assert entry["readiness"]["ready"] is False
    assert "Performance status (KPS or ECOG)" in entry["readiness"]["missing"]


def test_overbooking_refused_until_the_override_is_recorded(cast, api, meeting):
    client = api(cast.coordinator)
    first, second = ready_case(cast.board), ready_case(cast.board)
    client.post(url("agenda-add", meeting.uuid), {"case": str(first.uuid), "minutes_allotted": 50})
    before = snapshot(meeting)
    response = client.post(
        url("agenda-add", meeting.uuid), {"case": str(second.uuid), "minutes_allotted": 20}
    )
    body = assert_bad_input(response, "minutes_allotted")
    assert body["minutes_allotted"] == ["10 minutes are left on this agenda."]
    assert snapshot(meeting) == before

    assert_bad_input(
        client.post(url("meeting-allow-overbooking", meeting.uuid), {"reason": ""}), "reason"
    )
    response = client.post(
        url("meeting-allow-overbooking", meeting.uuid), {"reason": "Two urgent referrals"}
    )
    assert response.json()["overbooking"]["allowed"] is True
    assert response.json()["overbooking"]["allowed_by"]["id"] == cast.coordinator.pk
    response = client.post(
        url("agenda-add", meeting.uuid), {"case": str(second.uuid), "minutes_allotted": 20}
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
        client.post(url("agenda-add", meeting.uuid), {"case": str(case.uuid)})
    response = client.patch(url("agenda-item", meeting.uuid, a.uuid), {"minutes_allotted": 25})
    assert response.status_code == 200
    assert response.json()["agenda"][0]["minutes_allotted"] == 25
    assert_bad_input(
        client.patch(url("agenda-item", meeting.uuid, a.uuid), {"minutes_allotted": 0}),
        "minutes_allotted",
    )
    response = client.delete(url("agenda-item", meeting.uuid, a.uuid))
    assert response.status_code == 200
    assert [(e["position"], e["case"]["uuid"]) for e in response.json()["agenda"]] == [
        (1, str(b.uuid))
    ]
    a.refresh_from_db()
    assert a.status == Case.Status.READY
    assert client.delete(url("agenda-item", meeting.uuid, a.uuid)).status_code == 404


def test_add_unknown_or_foreign_case_is_a_400(cast, api, meeting):
    client = api(cast.coordinator)
    foreign = ready_case(cast.other_board)
    assert_bad_input(client.post(url("agenda-add", meeting.uuid), {"case": "nope"}), "case")
    assert_bad_input(
        client.post(url("agenda-add", meeting.uuid), {"case": str(foreign.uuid)}), "case"
    )
    assert_bad_input(
        client.post(
            url("agenda-add", meeting.uuid),
            {"case": str(ready_case(cast.board).uuid), "minutes_allotted": 500},
        ),
        "minutes_allotted",
    )
    assert not AgendaItem.objects.exists()


def test_a_case_sits_on_one_future_meeting_only(cast, api, meeting):
    later = MeetingFactory(board=cast.board, starts_at=in_days(12), ends_at=in_days(12, 8, 30))
    case = ready_case(cast.board)
    client = api(cast.coordinator)
    client.post(url("agenda-add", meeting.uuid), {"case": str(case.uuid)})
    response = client.post(url("agenda-add", later.uuid), {"case": str(case.uuid)})
    assert_bad_input(response, "case")
    assert AgendaItem.objects.filter(case=case).count() == 1


def test_reorder_puts_the_agenda_in_the_given_order(cast, api, meeting):
    client = api(cast.coordinator)
    cases = [ready_case(cast.board) for _ in range(3)]
    for case in cases:
        client.post(url("agenda-add", meeting.uuid), {"case": str(case.uuid)})
    order = [str(cases[2].uuid), str(cases[0].uuid), str(cases[1].uuid)]
    response = client.put(url("agenda-order", meeting.uuid), {"order": order})
    assert response.status_code == 200
    assert [e["case"]["uuid"] for e in response.json()["agenda"]] == order
    assert [e["position"] for e in response.json()["agenda"]] == [1, 2, 3]


def test_stale_or_bad_order_is_refused_and_nothing_changes(cast, api, meeting):
    client = api(cast.coordinator)
    cases = [ready_case(cast.board) for _ in range(3)]
    for case in cases:
        client.post(url("agenda-add", meeting.uuid), {"case": str(case.uuid)})
    before = snapshot(meeting)
    # Incomplete (someone added a case since the page was loaded): a conflict, 409.
    response = client.put(
        url("agenda-order", meeting.uuid), {"order": [str(cases[1].uuid), str(cases[0].uuid)]}
    )
    assert response.status_code == 409
    assert response.json()["order"] == ["1 case(s) on the agenda are missing from the order."]
    # A case listed twice, or not a list of uuids: bad input, 400.
    twice = [str(cases[0].uuid), str(cases[0].uuid), str(cases[1].uuid), str(cases[2].uuid)]
    assert_bad_input(client.put(url("agenda-order", meeting.uuid), {"order": twice}), "order")
    assert_bad_input(client.put(url("agenda-order", meeting.uuid), {"order": "abc"}), "order")
    response = client.put(url("agenda-order", meeting.uuid), {"order": ["x"]})
    assert response.status_code == 400
    assert response.json()["order"] == {"0": ["Must be a valid UUID."]}
    assert snapshot(meeting) == before


def test_agenda_refused_once_the_meeting_is_closed(cast, api):
    started = MeetingFactory(
        board=cast.board,
        starts_at=timezone.now() - dt.timedelta(minutes=30),
        ends_at=timezone.now() + dt.timedelta(minutes=30),
    )
    case = ready_case(cast.board)
    services.meeting_close(meeting=started, by=cast.coordinator)
    response = api(cast.coordinator).post(url("agenda-add", started.uuid), {"case": str(case.uuid)})
    assert_bad_input(response, "meeting")
    assert not AgendaItem.objects.exists()


def test_addition_after_circulation_is_marked_late(cast, api, meeting):
    client = api(cast.coordinator)
    early, late = ready_case(cast.board), ready_case(cast.board)
    client.post(url("agenda-add", meeting.uuid), {"case": str(early.uuid)})
    response = client.post(url("meeting-circulate", meeting.uuid))
    assert response.status_code == 200
    assert response.json()["circulated_now"] is True
    assert response.json()["meeting"]["agenda_circulated_at"]
    again = client.post(url("meeting-circulate", meeting.uuid))
    assert again.json()["circulated_now"] is False
    body = client.post(url("agenda-add", meeting.uuid), {"case": str(late.uuid)}).json()
    assert [(e["case"]["uuid"], e["added_late"]) for e in body["agenda"]] == [
        (str(early.uuid), False),
        (str(late.uuid), True),
    ]
    assert api(cast.surgeon).post(url("meeting-circulate", meeting.uuid)).status_code == 403


# --- deferral ---------------------------------------------------------------------------------


def test_defer_moves_the_case_to_the_next_meeting_and_tells_the_responsible(cast, api, meeting):
    later = MeetingFactory(board=cast.board, starts_at=in_days(12), ends_at=in_days(12, 8, 30))
    case = CaseFactory(board=cast.board, status=Case.Status.READY, created_by=cast.surgeon)
    LesionFactory(case=case)
    services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    response = api(cast.coordinator).post(
        url("case-defer", case.uuid), {"reason": "No performance status"}
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "case": str(case.uuid),
        "status": "scheduled",
        "from_meeting": str(meeting.uuid),
        "to_meeting": str(later.uuid),
        "not_placed": "",
    }
    assert list(AgendaItem.objects.filter(case=case).values_list("meeting_id", flat=True)) == [
        later.pk
    ]
    told = Notification.objects.get(recipient=cast.surgeon, kind="case_deferred")
    assert "No performance status" in told.body


def test_defer_needs_a_reason_and_a_coordinator(cast, api, meeting):
    case = ready_case(cast.board)
    services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    assert api(cast.surgeon).post(url("case-defer", case.uuid), {"reason": "x"}).status_code == 403
    assert api(cast.outsider).post(url("case-defer", case.uuid), {"reason": "x"}).status_code == 404
    assert_bad_input(api(cast.coordinator).post(url("case-defer", case.uuid), {}), "reason")
    case.refresh_from_db()
    assert case.status == Case.Status.SCHEDULED
    assert AgendaItem.objects.get(case=case).meeting == meeting


# --- invitations ------------------------------------------------------------------------------


def test_invite_by_discipline_and_warn_about_overlapping_meetings(cast, api, meeting):
    # The surgeon is also on another board whose meeting overlaps ours, and invited there.
    MembershipFactory(board=cast.other_board, user=cast.surgeon)
    elsewhere = MeetingFactory(
        board=cast.other_board, starts_at=in_days(5, 8, 0), ends_at=in_days(5, 9, 0)
    )
    Invitation.objects.create(meeting=elsewhere, user=cast.surgeon, discipline="spine_surgery")

    response = api(cast.coordinator).post(
        url("meeting-invitations", meeting.uuid),
        {"disciplines": ["spine_surgery", "radiation_oncology"]},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert sorted(row["user"]["id"] for row in body["invited"]) == sorted(
        [cast.surgeon.pk, cast.specialists["radiation_oncology"].pk]
    )
    assert [(w["user"]["id"], w["other_meeting"]["uuid"]) for w in body["warnings"]] == [
        (cast.surgeon.pk, str(elsewhere.uuid))
    ]
    listed = api(cast.surgeon).get(url("meeting-invitations", meeting.uuid)).json()
    surgeon_row = next(row for row in listed if row["user"]["id"] == cast.surgeon.pk)
    assert surgeon_row["discipline"] == "spine_surgery"
    assert surgeon_row["response"] == "pending"
    assert [c["uuid"] for c in surgeon_row["conflicts"]] == [str(elsewhere.uuid)]


def test_invite_refused_for_members_and_bad_disciplines(cast, api, meeting):
    data = {"disciplines": ["spine_surgery"]}
    assert api(cast.surgeon).post(url("meeting-invitations", meeting.uuid), data).status_code == 403
    response = api(cast.coordinator).post(
        url("meeting-invitations", meeting.uuid), {"disciplines": ["astrology"]}
    )
    assert response.status_code == 400
    assert response.json()["disciplines"] == {"0": ['"astrology" is not a valid choice.']}
    response = api(cast.coordinator).post(url("meeting-invitations", meeting.uuid), {"x": 1})
    assert_bad_input(response, "x")
    assert not Invitation.objects.exists()


def test_only_the_invitee_answers(cast, api, meeting):
    services.invite_members(meeting=meeting, by=cast.coordinator, disciplines=["spine_surgery"])
    invitation = Invitation.objects.get(user=cast.surgeon)
    respond = url("invitation-respond", invitation.pk)
    assert api(cast.coordinator).post(respond, {"response": "accepted"}).status_code == 403
    assert api(cast.outsider).post(respond, {"response": "accepted"}).status_code == 404
    assert_bad_input(api(cast.surgeon).post(respond, {"response": "maybe"}), "response")
    invitation.refresh_from_db()
    assert invitation.response == Invitation.Response.PENDING

    response = api(cast.surgeon).post(respond, {"response": "declined"})
    assert response.status_code == 200
    assert response.json()["response"] == "declined"
    invitation.refresh_from_db()
    assert invitation.response == Invitation.Response.DECLINED
    mine = api(cast.surgeon).get(url("my-invitations")).json()
    assert [row["id"] for row in mine] == [invitation.pk]


# --- attendance -------------------------------------------------------------------------------


@pytest.fixture
def starting(cast):
    """A meeting starting in twenty minutes: attendance can be taken."""
    start = timezone.now() + dt.timedelta(minutes=20)
    return MeetingFactory(board=cast.board, starts_at=start, ends_at=start + dt.timedelta(hours=1))


def test_attendance_recorded_and_quorum_shown(cast, api, starting):
    client = api(cast.coordinator)
    for discipline in ("spine_surgery", "radiation_oncology"):
        response = client.put(
            url("meeting-attendance", starting.uuid),
            {"user": cast.specialists[discipline].pk, "mode": "in_person"},
        )
        assert response.status_code == 200, response.json()
    assert response.json()["quorum"]["met"] is False
    assert response.json()["quorum"]["missing_disciplines"] == ["medical_oncology"]
    response = client.put(
        url("meeting-attendance", starting.uuid),
        {"user": cast.specialists["medical_oncology"].pk, "mode": "remote"},
    )
    assert response.json()["quorum"]["met"] is True
    sheet = api(cast.surgeon).get(url("meeting-attendance", starting.uuid)).json()
    modes = {row["user"]["id"]: row["mode"] for row in sheet["attendance"]}
    assert modes[cast.specialists["medical_oncology"].pk] == "remote"
    assert modes[cast.specialists["pain_medicine"].pk] == ""


def test_attendance_bad_input_and_refusals(cast, api, starting, meeting):
    client = api(cast.coordinator)
    attendance = url("meeting-attendance", starting.uuid)
    assert_bad_input(client.put(attendance, {"user": cast.surgeon.pk, "mode": "asleep"}), "mode")
    assert_bad_input(client.put(attendance, {"user": 999999, "mode": "remote"}), "user")
    assert_bad_input(client.put(attendance, {"user": cast.outsider.pk, "mode": "remote"}), "user")
    too_early = client.put(
        url("meeting-attendance", meeting.uuid), {"user": cast.surgeon.pk, "mode": "remote"}
    )
    assert_bad_input(too_early, "meeting")
    member = api(cast.surgeon).put(attendance, {"user": cast.surgeon.pk, "mode": "remote"})
    assert member.status_code == 403
    assert not Attendance.objects.exists()


# --- readiness board --------------------------------------------------------------------------


def test_readiness_board_groups_cases_by_state(cast, api, meeting):
    referred = CaseFactory(board=cast.board)
    ready = ready_case(cast.board)
    scheduled = ready_case(cast.board)
    services.agenda_item_add(meeting=meeting, case=scheduled, by=cast.coordinator)
    signed = ready_case(cast.board, status=Case.Status.PLAN_SIGNED)
    ready_case(cast.board, status=Case.Status.CLOSED)
    ready_case(cast.other_board)
    body = api(cast.surgeon).get(url("readiness-board")).json()
    columns = {column["state"]: [c["uuid"] for c in column["cases"]] for column in body}
    assert columns == {
        "referred": [str(referred.uuid)],
        "ready": [str(ready.uuid)],
        "scheduled": [str(scheduled.uuid)],
        "discussed": [],
        "follow_up": [str(signed.uuid)],
        "deferred": [],
    }
    scheduled_card = body[2]["cases"][0]
    assert scheduled_card["meeting"]["uuid"] == str(meeting.uuid)
    referred_card = body[0]["cases"][0]
    assert referred_card["readiness"]["ready"] is False
    assert "Spine MRI (no dated MRI on any lesion)" in referred_card["readiness"]["missing"]


def test_readiness_board_filters_by_board(cast, api):
    ready_case(cast.board)
    other = BoardFactory(name="Third board")
    MembershipFactory(board=other, user=cast.coordinator, role="coordinator")
    mine_there = ready_case(other)
    client = api(cast.coordinator)
    body = client.get(url("readiness-board"), {"board": str(other.uuid)}).json()
    assert [c["uuid"] for column in body for c in column["cases"]] == [str(mine_there.uuid)]
    assert_bad_input(client.get(url("readiness-board"), {"board": "x"}), "board")
    hidden = client.get(url("readiness-board"), {"board": str(cast.other_board.uuid)})
    assert_bad_input(hidden, "board")


def _count(client, path, **params):
    client.get(path, params)  # warm the per-user role cache the first request fills
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(ctx)


def test_readiness_board_query_count_is_constant(cast, api, meeting):
    client = api(cast.coordinator)
    for _ in range(3):
        case = ready_case(cast.board)
    services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    few = _count(client, url("readiness-board"))
    for i in range(9):
        case = ready_case(cast.board, status=Case.Status.REFERRED if i % 2 else Case.Status.READY)
        LesionFactory(case=case, level="L2")
    assert _count(client, url("readiness-board")) == few


def test_meeting_detail_query_count_does_not_grow_per_agenda_item(cast, api, meeting):
    client = api(cast.coordinator)
    for _ in range(2):
        AgendaItemFactory(meeting=meeting, case=ready_case(cast.board))
    few = _count(client, url("meeting-detail", meeting.uuid))
    for _ in range(6):
        AgendaItemFactory(meeting=meeting, case=ready_case(cast.board))
    assert _count(client, url("meeting-detail", meeting.uuid)) == few
