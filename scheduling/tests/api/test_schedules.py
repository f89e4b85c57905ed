"""Standing schedules through the API (api.schedules)."""

import datetime as dt

import pytest
from django.utils import timezone

from scheduling import services
from scheduling.models import BoardSchedule, Meeting
from scheduling.tests.helpers import api_url, assert_bad_input
from tests.factories import LONDON

pytestmark = pytest.mark.django_db


def test_coordinator_adds_a_weekly_schedule_and_generates_its_meetings(cast, api):
    client = api(cast.coordinator)
    response = client.post(
        api_url("board-schedules", cast.board.uuid),
        {
            "frequency": "weekly",
            "weekday": 1,
            "local_start_time": "07:30",
            "time_zone": "Europe/London",
            "duration_minutes": 60,
            "starts_on": str(timezone.localdate()),
            "location": "Seminar room 2",
        },
    )
    assert response.status_code == 201, response.json()
    schedule = response.json()
    assert schedule["recurrence"] == "FREQ=WEEKLY;BYDAY=TU"
    assert schedule["description"] == "Every Tuesday at 07:30, Europe/London"
    assert (schedule["frequency"], schedule["weekday"], schedule["week_of_month"]) == (
        "weekly",
        1,
        None,
    )
    assert schedule["board"] == str(cast.board.uuid)

    until = timezone.localdate() + dt.timedelta(weeks=4)
    response = client.post(api_url("schedule-generate", schedule["id"]), {"until": str(until)})
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
    again = client.post(api_url("schedule-generate", schedule["id"]), {"until": str(until)})
    assert again.json() == []
    listed = client.get(api_url("board-schedules", cast.board.uuid)).json()
    assert [row["id"] for row in listed] == [schedule["id"]]


GOOD = {
    "frequency": "weekly",
    "weekday": 3,
    "local_start_time": "07:30",
    "time_zone": "Europe/London",
    "duration_minutes": 60,
}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"frequency": "hourly"}, "frequency"),
        ({"weekday": 7}, "weekday"),
        ({"frequency": "monthly"}, "week_of_month"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"recurrence": "FREQ=WEEKLY;BYDAY=TU"}, "recurrence"),  # never typed
    ],
)
def test_invalid_schedule_is_a_400_and_nothing_is_saved(cast, api, overrides, field):
    response = api(cast.coordinator).post(
        api_url("board-schedules", cast.board.uuid),
        GOOD | {"starts_on": str(timezone.localdate())} | overrides,
        format="json",
    )
    assert_bad_input(response, field)
    assert not BoardSchedule.objects.exists()


def test_coordinator_changes_and_removes_a_schedule(cast, api):
    schedule = services.board_schedule_create(
        board=cast.board, starts_on=timezone.localdate(), by=cast.coordinator, **_parts(GOOD)
    )
    client = api(cast.chair)
    url = api_url("schedule-detail", schedule.pk)
    assert client.get(url).json()["description"] == "Every Thursday at 07:30, Europe/London"
    response = client.patch(
        url, {"frequency": "monthly", "week_of_month": -1, "active": False}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["description"] == (
        "The last Thursday of every month at 07:30, Europe/London"
    )
    assert response.json()["active"] is False
    bad = client.patch(url, {"frequency": "monthly", "week_of_month": None}, format="json")
    assert_bad_input(bad, "week_of_month")
    assert client.delete(url).status_code == 204
    assert not BoardSchedule.objects.exists()


def _parts(data: dict) -> dict:
    return data | {"local_start_time": dt.time(7, 30)}


@pytest.mark.parametrize(("who", "code"), [("surgeon", 403), ("outsider", 404)])
def test_schedule_change_refused_for_a_member_and_hidden_from_an_outsider(cast, api, who, code):
    schedule = services.board_schedule_create(
        board=cast.board, starts_on=timezone.localdate(), by=cast.coordinator, **_parts(GOOD)
    )
    client = api(getattr(cast, who))
    url = api_url("schedule-detail", schedule.pk)
    assert client.patch(url, {"weekday": 0}, format="json").status_code == code
    assert client.delete(url).status_code == code
    schedule.refresh_from_db()
    assert schedule.recurrence == "FREQ=WEEKLY;BYDAY=TH"


def test_schedule_refused_for_a_member_and_hidden_from_an_outsider(cast, api):
    data = GOOD | {"starts_on": str(timezone.localdate())}
    assert (
        api(cast.surgeon).post(api_url("board-schedules", cast.board.uuid), data).status_code == 403
    )
    assert (
        api(cast.outsider).post(api_url("board-schedules", cast.board.uuid), data).status_code
        == 404
    )
    assert not BoardSchedule.objects.exists()


def test_generate_too_far_ahead_is_a_400(cast, api):
    schedule = services.board_schedule_create(
        board=cast.board,
        frequency="weekly",
        weekday=1,
        local_start_time=dt.time(7, 30),
        time_zone="Europe/London",
        duration_minutes=60,
        starts_on=timezone.localdate(),
        by=cast.coordinator,
    )
    until = timezone.localdate() + dt.timedelta(days=800)
    response = api(cast.coordinator).post(
        api_url("schedule-generate", schedule.pk), {"until": str(until)}
    )
    assert_bad_input(response, "until")
    assert not Meeting.objects.exists()
    member = api(cast.surgeon).post(
        api_url("schedule-generate", schedule.pk), {"until": "2030-01-01"}
    )
    assert member.status_code == 403
