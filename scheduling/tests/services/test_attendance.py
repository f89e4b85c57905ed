"""Attendance (services.attendance)."""

import pytest
from django.core.exceptions import PermissionDenied

from scheduling import rules, services
from scheduling.models import Attendance
from scheduling.tests.helpers import minutes_ago
from tests.factories import MeetingFactory
from tumorboard.errors import ApplicationError

pytestmark = pytest.mark.django_db


def test_attendance_is_recorded_once_per_person_and_gives_quorum(cast):
    running = MeetingFactory(board=cast.board, starts_at=minutes_ago(5), ends_at=minutes_ago(-55))
    for user in (cast.surgeon, cast.specialists["radiation_oncology"], cast.chair):
        services.attendance_record(
            meeting=running, user=user, mode="in_person", by=cast.coordinator
        )
    assert rules.meeting_quorum(running).met is True
    services.attendance_record(meeting=running, user=cast.chair, mode="absent", by=cast.coordinator)
    assert Attendance.objects.filter(meeting=running).count() == 3
    assert Attendance.objects.get(meeting=running, user=cast.chair).mode == "absent"
    assert rules.meeting_quorum(running).missing_disciplines == ["medical_oncology"]


def test_attendance_refuses_strangers_bad_modes_and_far_future_meetings(cast, meeting):
    running = MeetingFactory(board=cast.board, starts_at=minutes_ago(5), ends_at=minutes_ago(-55))
    with pytest.raises(ApplicationError) as excinfo:
        services.attendance_record(
            meeting=running, user=cast.outsider, mode="remote", by=cast.coordinator
        )
    assert excinfo.value.fields == {"user": ["Invite them first."]}
    with pytest.raises(ApplicationError) as excinfo:
        services.attendance_record(
            meeting=running, user=cast.surgeon, mode="asleep", by=cast.coordinator
        )
    assert list(excinfo.value.fields) == ["mode"]
    with pytest.raises(ApplicationError) as excinfo:
        services.attendance_record(
            meeting=meeting, user=cast.surgeon, mode="remote", by=cast.coordinator
        )
    assert excinfo.value.fields == {"meeting": ["Record attendance from an hour before the start."]}
    assert Attendance.objects.count() == 0


# --- who may take attendance: the board's coordinators and chair (allowed/refused pairs) ------


@pytest.fixture
def running(cast):
    return MeetingFactory(board=cast.board, starts_at=minutes_ago(10), ends_at=minutes_ago(-50))


@pytest.mark.parametrize("who", ["coordinator", "chair"])
def test_coordinator_and_chair_take_attendance(cast, running, person, who):
    services.attendance_record(
        meeting=running, user=cast.surgeon, mode=Attendance.Mode.REMOTE, by=person(who)
    )
    assert running.attendance.get().mode == Attendance.Mode.REMOTE


@pytest.mark.parametrize("who", ["surgeon", "other_coordinator", "patient_user"])
def test_others_cannot_take_attendance(cast, running, person, who):
    with pytest.raises(PermissionDenied):
        services.attendance_record(
            meeting=running, user=cast.surgeon, mode=Attendance.Mode.REMOTE, by=person(who)
        )
    assert not running.attendance.exists()
