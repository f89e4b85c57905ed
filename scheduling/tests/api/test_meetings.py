"""Meetings through the API (api.meetings): the lists (scope, filter, query counts), reading one,
planning, moving, cancelling and closing."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from scheduling import services
from scheduling.models import Meeting, Notification
from scheduling.tests.helpers import (
    agenda_snapshot,
    api_url,
    assert_bad_input,
    count_queries,
    ready_case,
    results,
)
from tests.factories import (
    LONDON,
    AgendaItemFactory,
    BoardFactory,
    MeetingFactory,
    MembershipFactory,
    in_days,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def meetings(cast):
    now = timezone.now()
    return {
        "next": MeetingFactory(board=cast.board, starts_at=now + dt.timedelta(days=2)),
        "past": MeetingFactory(board=cast.board, starts_at=now - dt.timedelta(days=7)),
        "cancelled": MeetingFactory(
            board=cast.board,
            starts_at=now + dt.timedelta(days=3),
            status=Meeting.Status.CANCELLED,
        ),
        "elsewhere": MeetingFactory(board=cast.other_board, starts_at=now + dt.timedelta(days=1)),
    }


@pytest.mark.parametrize("name", ["stranger", "patient_user"])
@pytest.mark.parametrize("route", ["api:board-list", "api:meeting-list"])
def test_patient_and_roleless_user_refused_the_lists(cast, api, meetings, name, route):
    response = api(getattr(cast, name)).get(reverse(route))
    assert response.status_code == 403
    assert "results" not in response.json()


@pytest.mark.parametrize("route", ["api:board-list", "api:meeting-list"])
def test_anonymous_refused_the_lists(cast, api, route):
    assert api().get(reverse(route)).status_code in {401, 403}


def test_member_lists_meetings_of_own_boards(cast, api, meetings):
    rows = results(api(cast.coordinator).get(reverse("api:meeting-list")))
    assert [row["uuid"] for row in rows] == [
        str(meetings[key].uuid) for key in ("past", "next", "cancelled")
    ]
    assert rows[1]["board"] == {"uuid": str(cast.board.uuid), "name": "Spine Oncology Board"}


def test_outsider_lists_only_their_meetings(cast, api, meetings):
    rows = results(api(cast.outsider).get(reverse("api:meeting-list")))
    assert [row["uuid"] for row in rows] == [str(meetings["elsewhere"].uuid)]


def test_upcoming_filter(cast, api, meetings):
    client = api(cast.coordinator)
    rows = results(client.get(reverse("api:meeting-list"), {"upcoming": "true"}))
    assert [row["uuid"] for row in rows] == [str(meetings["next"].uuid)]
    rows = results(client.get(reverse("api:meeting-list"), {"upcoming": "false"}))
    assert len(rows) == 3


def test_bad_upcoming_value_is_400(cast, api):
    response = api(cast.coordinator).get(reverse("api:meeting-list"), {"upcoming": "soon"})
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["detail", "upcoming"]


def test_list_query_counts_are_constant(cast, api):
    client = api(cast.coordinator)
    MeetingFactory.create_batch(2, board=cast.board)
    small = (
        count_queries(client, reverse("api:meeting-list")),
        count_queries(client, reverse("api:board-list")),
    )
    MeetingFactory.create_batch(15, board=cast.board)
    for _ in range(5):
        MembershipFactory(board=BoardFactory(), user=cast.coordinator)
    large = (
        count_queries(client, reverse("api:meeting-list")),
        count_queries(client, reverse("api:board-list")),
    )
    assert small == large
    assert len(results(client.get(reverse("api:board-list")))) == 6


@pytest.mark.parametrize("name", ["coordinator", "chair", "surgeon"])
def test_board_staff_read_a_meeting(cast, api, meeting, name):
    response = api(getattr(cast, name)).get(api_url("meeting-detail", meeting.uuid))
    assert response.status_code == 200
    body = response.json()
    assert body["uuid"] == str(meeting.uuid)
    assert body["length_minutes"] == 60
    assert body["time_zone"] == "Europe/London"
    assert body["starts_at_local"].startswith(f"{in_days(5):%Y-%m-%d}T07:30:00")
    assert body["can_edit"] is (name != "surgeon")


def test_outsider_gets_404_for_a_meeting_of_another_board(cast, api, meeting):
    assert api(cast.outsider).get(api_url("meeting-detail", meeting.uuid)).status_code == 404
    assert api(cast.outsider).get(api_url("meeting-invitations", meeting.uuid)).status_code == 404
    assert api(cast.outsider).get(api_url("meeting-calendar", meeting.uuid)).status_code == 404


@pytest.mark.parametrize("name", ["patient_user", "stranger"])
def test_patient_and_roleless_user_refused(cast, api, meeting, name):
    client = api(getattr(cast, name))
    assert client.get(api_url("meeting-detail", meeting.uuid)).status_code == 403
    assert client.get(api_url("readiness-board")).status_code == 403
    assert client.get(api_url("my-calendar-feed")).status_code == 403


def test_anonymous_refused(cast, api, meeting):
    assert api().get(api_url("meeting-detail", meeting.uuid)).status_code == 403
    assert api().post(api_url("agenda-add", meeting.uuid), {}).status_code == 403
    assert api().get(api_url("readiness-board")).status_code == 403


def test_create_a_regular_meeting_naive_times_are_the_boards_clock(cast, api):
    day = timezone.localdate() + dt.timedelta(days=9)
    response = api(cast.coordinator).post(
        api_url("meeting-list"),
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
        api_url("meeting-list"),
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
        ({"starts_at": _iso(800), "ends_at": _iso(800, 8, 30)}, "starts_at"),  # > 2 years ahead
        (
            {
                "starts_at": lambda: "9999-12-31T07:30:00+00:00",
                "ends_at": lambda: "9999-12-31T08:30:00+00:00",
            },
            "starts_at",
        ),
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
    response = api(cast.coordinator).post(api_url("meeting-list"), data)
    assert_bad_input(response, field)
    assert list(Meeting.objects.all()) == [meeting]


def test_create_meeting_on_a_board_one_only_belongs_to_as_member_is_refused(cast, api):
    response = api(cast.surgeon).post(
        api_url("meeting-list"),
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
        api_url("meeting-detail", meeting.uuid), {"starts_at": in_days(6, 12, 0).isoformat()}
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
    assert client.post(api_url("meeting-close", started.uuid)).status_code == 200
    before = agenda_snapshot(started)
    assert before[2] == Meeting.Status.CLOSED
    response = client.patch(
        api_url("meeting-detail", started.uuid), {"starts_at": in_days(3).isoformat()}
    )
    assert_bad_input(response, "meeting")
    response = client.patch(api_url("meeting-detail", started.uuid), {"status": "planned"})
    assert_bad_input(response, "status")
    assert agenda_snapshot(started) == before


def test_close_refused_before_the_start_and_for_a_member(cast, api, meeting):
    assert api(cast.surgeon).post(api_url("meeting-close", meeting.uuid)).status_code == 403
    response = api(cast.coordinator).post(api_url("meeting-close", meeting.uuid))
    assert_bad_input(response, "meeting")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED


def test_cancel_needs_a_reason(cast, api, meeting):
    client = api(cast.coordinator)
    assert_bad_input(
        client.post(api_url("meeting-cancel", meeting.uuid), {"reason": " "}), "reason"
    )
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED
    response = client.post(api_url("meeting-cancel", meeting.uuid), {"reason": "Bank holiday"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


def test_meeting_detail_query_count_does_not_grow_per_agenda_item(cast, api, meeting):
    client = api(cast.coordinator)
    for _ in range(2):
        AgendaItemFactory(meeting=meeting, case=ready_case(cast.board))
    few = count_queries(client, api_url("meeting-detail", meeting.uuid))
    for _ in range(6):
        AgendaItemFactory(meeting=meeting, case=ready_case(cast.board))
    assert count_queries(client, api_url("meeting-detail", meeting.uuid)) == few
