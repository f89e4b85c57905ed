"""Attendance and quorum through the API (api.attendance)."""

import datetime as dt

import pytest
from django.utils import timezone

from scheduling.models import Attendance
from scheduling.tests.helpers import api_url, assert_bad_input
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def starting(cast):
    """A meeting starting in twenty minutes: attendance can be taken."""
    start = timezone.now() + dt.timedelta(minutes=20)
    return MeetingFactory(board=cast.board, starts_at=start, ends_at=start + dt.timedelta(hours=1))


def test_attendance_recorded_and_quorum_shown(cast, api, starting):
    client = api(cast.coordinator)
    for discipline in ("spine_surgery", "radiation_oncology"):
        response = client.put(
            api_url("meeting-attendance", starting.uuid),
            {"user": cast.specialists[discipline].pk, "mode": "in_person"},
        )
        assert response.status_code == 200, response.json()
    assert response.json()["quorum"]["met"] is False
    assert response.json()["quorum"]["missing_disciplines"] == ["medical_oncology"]
    response = client.put(
        api_url("meeting-attendance", starting.uuid),
        {"user": cast.specialists["medical_oncology"].pk, "mode": "remote"},
    )
    assert response.json()["quorum"]["met"] is True
    sheet = api(cast.surgeon).get(api_url("meeting-attendance", starting.uuid)).json()
    modes = {row["user"]["id"]: row["mode"] for row in sheet["attendance"]}
    assert modes[cast.specialists["medical_oncology"].pk] == "remote"
    assert modes[cast.specialists["pain_medicine"].pk] == ""


def test_attendance_bad_input_and_refusals(cast, api, starting, meeting):
    client = api(cast.coordinator)
    attendance = api_url("meeting-attendance", starting.uuid)
    assert_bad_input(client.put(attendance, {"user": cast.surgeon.pk, "mode": "asleep"}), "mode")
    assert_bad_input(client.put(attendance, {"user": 999999, "mode": "remote"}), "user")
    assert_bad_input(client.put(attendance, {"user": cast.outsider.pk, "mode": "remote"}), "user")
    too_early = client.put(
        api_url("meeting-attendance", meeting.uuid), {"user": cast.surgeon.pk, "mode": "remote"}
    )
    assert_bad_input(too_early, "meeting")
    member = api(cast.surgeon).put(attendance, {"user": cast.surgeon.pk, "mode": "remote"})
    assert member.status_code == 403
    assert not Attendance.objects.exists()
