"""REST API v1 for boards and meetings: scope per user, the upcoming filter, query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from scheduling.models import Meeting
from tests.factories import BoardFactory, MeetingFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def results(response):
    assert response.status_code == 200, response.json()
    return response.json()["results"]


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


@pytest.mark.parametrize("name", ["coordinator", "chair", "surgeon"])
def test_member_lists_own_boards_only(cast, api, name):
    rows = results(api(getattr(cast, name)).get(reverse("api:board-list")))
    assert [row["uuid"] for row in rows] == [str(cast.board.uuid)]
    assert rows[0]["name"] == "Spine Oncology Board"


def test_outsider_lists_their_board_only(cast, api):
    rows = results(api(cast.outsider).get(reverse("api:board-list")))
    assert [row["uuid"] for row in rows] == [str(cast.other_board.uuid)]


def test_user_with_two_roles_on_a_board_sees_it_once(cast, api):
    MembershipFactory(board=cast.board, user=cast.chair, role="member")
    rows = results(api(cast.chair).get(reverse("api:board-list")))
    assert [row["uuid"] for row in rows] == [str(cast.board.uuid)]


@pytest.mark.parametrize("name", ["stranger", "patient_user"])
@pytest.mark.parametrize("route", ["api:board-list", "api:meeting-list"])
def test_patient_and_roleless_user_refused(cast, api, meetings, name, route):
    response = api(getattr(cast, name)).get(reverse(route))
    assert response.status_code == 403
    assert "results" not in response.json()


@pytest.mark.parametrize("route", ["api:board-list", "api:meeting-list"])
def test_anonymous_refused(cast, api, route):
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


def _count(client, path) -> int:
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_list_query_counts_are_constant(cast, api):
    client = api(cast.coordinator)
    MeetingFactory.create_batch(2, board=cast.board)
    small = (_count(client, reverse("api:meeting-list")), _count(client, reverse("api:board-list")))
    MeetingFactory.create_batch(15, board=cast.board)
    for _ in range(5):
        MembershipFactory(board=BoardFactory(), user=cast.coordinator)
    large = (_count(client, reverse("api:meeting-list")), _count(client, reverse("api:board-list")))
    assert small == large
    assert len(results(client.get(reverse("api:board-list")))) == 6
