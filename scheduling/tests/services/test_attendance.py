"""Attendance (services.attendance)."""

import pytest
from django.core.exceptions import PermissionDenied

from scheduling import rules, services
from scheduling.models import Attendance, Invitation
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


# --- everyone in one step (attendance_take) ---------------------------------------------------


def test_take_marks_every_expected_invitee_present_with_corrections_in_one_step(cast):
    running = MeetingFactory(board=cast.board, starts_at=minutes_ago(5), ends_at=minutes_ago(-55))
    radon, pain = cast.specialists["radiation_oncology"], cast.specialists["pain_medicine"]
    for user, response in (
        (cast.surgeon, Invitation.Response.ACCEPTED),
        (radon, Invitation.Response.PENDING),
        (pain, Invitation.Response.DECLINED),
        (cast.chair, Invitation.Response.ACCEPTED),
    ):
        Invitation.objects.create(meeting=running, user=user, response=response)
    services.attendance_record(meeting=running, user=cast.chair, mode="remote", by=cast.coordinator)

    written = services.attendance_take(
        meeting=running,
        by=cast.coordinator,
        mark_expected_present=True,
        modes={radon.pk: "absent"},
    )
    modes = dict(Attendance.objects.filter(meeting=running).values_list("user_id", "mode"))
    # Expected and unrecorded: present; recorded already: kept; declined: not marked; the
    # correction wins.
    assert modes == {cast.surgeon.pk: "in_person", radon.pk: "absent", cast.chair.pk: "remote"}
    assert {row.user_id for row in written} == {cast.surgeon.pk, radon.pk}
    surgeon_row = Attendance.objects.get(meeting=running, user=cast.surgeon)
    assert surgeon_row.history.get().history_user == cast.coordinator


def test_take_without_invitations_marks_the_board_members(cast):
    running = MeetingFactory(board=cast.board, starts_at=minutes_ago(5), ends_at=minutes_ago(-55))
    services.attendance_take(meeting=running, by=cast.chair, mark_expected_present=True)
    present = set(Attendance.objects.filter(meeting=running).values_list("user_id", flat=True))
    members = {cast.coordinator.pk, cast.chair.pk, *(u.pk for u in cast.specialists.values())}
    assert present == members
    assert rules.meeting_quorum(running).met is True


def test_take_is_all_or_nothing_and_only_for_coordinators(cast):
    running = MeetingFactory(board=cast.board, starts_at=minutes_ago(5), ends_at=minutes_ago(-55))
    with pytest.raises(ApplicationError) as excinfo:
        services.attendance_take(
            meeting=running,
            by=cast.coordinator,
            mark_expected_present=True,
            modes={cast.outsider.pk: "remote", cast.surgeon.pk: "asleep"},
        )
    assert excinfo.value.fields == {
        "people": [
            f"{cast.outsider.pk}: not a member of the board nor invited.",
            f"{cast.surgeon.pk}: choose one of in_person, remote, absent.",
        ]
    }
    assert not Attendance.objects.exists()
    with pytest.raises(PermissionDenied):
        services.attendance_take(meeting=running, by=cast.surgeon, mark_expected_present=True)
    future = MeetingFactory(board=cast.board)
    with pytest.raises(ApplicationError) as excinfo:
        services.attendance_take(meeting=future, by=cast.coordinator, mark_expected_present=True)
    assert list(excinfo.value.fields) == ["meeting"]
    assert not Attendance.objects.exists()
