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


def test_invalid_recurrence_is_a_400_and_nothing_is_saved(cast, api):
    response = api(cast.coordinator).post(
        api_url("board-schedules", cast.board.uuid),
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
        recurrence="FREQ=WEEKLY;BYDAY=TU",
        local_start_time=dt.time(7, 30),
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
