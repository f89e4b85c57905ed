"""Planning, moving, cancelling and closing meetings (services.meetings)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from cases.models import Case
from scheduling import services
from scheduling.models import Meeting, Notification
from scheduling.services.common import local_start
from scheduling.tests.helpers import minutes_ago, ready_case
from tests.factories import AgendaItemFactory, MeetingFactory, in_days
from tumorboard.errors import ApplicationError, api_exception_handler

pytestmark = pytest.mark.django_db


def test_meeting_create_records_times_kind_and_who(cast):
    starts = in_days(5)
    meeting = services.meeting_create(
        board=cast.board,
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=60),
        kind=Meeting.Kind.AD_HOC,
        location="Room 3",
        video_link="https://meet.example.org/x",
        by=cast.coordinator,
    )
    meeting.refresh_from_db()
    assert meeting.starts_at == starts
    assert meeting.ends_at - meeting.starts_at == dt.timedelta(hours=1)
    assert meeting.kind == Meeting.Kind.AD_HOC
    assert meeting.status == Meeting.Status.PLANNED
    assert meeting.created_by == cast.coordinator
    assert meeting.updated_by == cast.coordinator
    assert meeting.history.get().history_user == cast.coordinator


@pytest.mark.parametrize("minutes", [-30, 0])
def test_meeting_create_refuses_end_not_after_start(cast, minutes):
    starts = in_days(5)
    with pytest.raises(ApplicationError) as excinfo:
        services.meeting_create(
            board=cast.board,
            starts_at=starts,
            ends_at=starts + dt.timedelta(minutes=minutes),
            kind=Meeting.Kind.REGULAR,
            location="",
            video_link="",
            by=cast.coordinator,
        )
    assert excinfo.value.fields == {"ends_at": ["The end must be later than the start."]}
    assert Meeting.objects.count() == 0
    # The API turns it into a 400 naming the field.
    response = api_exception_handler(excinfo.value, {})
    assert response.status_code == 400
    assert response.data["ends_at"] == ["The end must be later than the start."]


def test_meeting_create_refuses_naive_times(cast):
    naive = dt.datetime(2030, 1, 8, 7, 30)
    with pytest.raises(ApplicationError) as excinfo:
        services.meeting_create(
            board=cast.board,
            starts_at=naive,
            ends_at=in_days(5),
            kind=Meeting.Kind.REGULAR,
            location="",
            video_link="",
            by=cast.coordinator,
        )
    assert excinfo.value.fields == {"starts_at": ["Give a time with a time zone."]}
    assert Meeting.objects.count() == 0


def test_meeting_create_refuses_unknown_kind_and_bad_link(cast):
    starts = in_days(5)
    with pytest.raises(ApplicationError) as excinfo:
        services.meeting_create(
            board=cast.board,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=1),
            kind="weekly-ish",
            location="",
            video_link="not a link",
            by=cast.coordinator,
        )
    assert set(excinfo.value.fields) == {"kind", "video_link"}
    assert Meeting.objects.count() == 0


def create(cast, starts, minutes=60, board=None, by=None):
    return services.meeting_create(
        board=board or cast.board,
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=minutes),
        by=by or cast.coordinator,
    )


def test_meeting_create_refuses_a_start_in_the_past(cast):
    with pytest.raises(ApplicationError) as excinfo:
        create(cast, minutes_ago(5))
    assert excinfo.value.message == "A meeting cannot be planned in the past."
    assert excinfo.value.fields == {"starts_at": ["Choose a start time in the future."]}
    assert Meeting.objects.count() == 0


def test_meeting_create_refuses_an_overlap_with_the_same_board_only(cast, other_coordinator):
    first = create(cast, in_days(5))
    with pytest.raises(ApplicationError) as excinfo:
        create(cast, in_days(5, 8, 0))
    assert excinfo.value.message == f"This overlaps the board's meeting on {local_start(first)}."
    assert excinfo.value.fields == {
        "starts_at": ["Choose a time when the board has no other meeting."]
    }
    assert Meeting.objects.count() == 1
    # Back to back is fine, and so is another board at the same time.
    assert create(cast, in_days(5, 8, 30)).board == cast.board
    other = create(cast, in_days(5, 8, 0), board=cast.other_board, by=other_coordinator)
    assert other.board == cast.other_board
    assert Meeting.objects.count() == 3


def test_a_cancelled_meeting_does_not_block_its_slot(cast):
    cancelled = create(cast, in_days(5))
    services.meeting_cancel(meeting=cancelled, by=cast.coordinator, reason="Bank holiday")
    assert create(cast, in_days(5, 7, 45)).starts_at == in_days(5, 7, 45)
    assert create(cast, in_days(5), minutes=10).starts_at == in_days(5)


def test_meeting_create_urgent_is_ad_hoc_with_urgent_cases_first(cast):
    routine = ready_case(cast.board)
    emergency = ready_case(cast.board, urgency=Case.Urgency.EMERGENCY)
    meeting = services.meeting_create_urgent(
        board=cast.board,
        starts_at=in_days(1, 17, 0),
        duration_minutes=30,
        cases=[routine, emergency],
        by=cast.coordinator,
    )
    assert meeting.kind == Meeting.Kind.AD_HOC
    assert meeting.ends_at - meeting.starts_at == dt.timedelta(minutes=30)
    assert list(meeting.agenda_items.order_by("position").values_list("case_id", "position")) == [
        (emergency.pk, 1),
        (routine.pk, 2),
    ]


def test_meeting_reschedule_moves_and_tells_invitees(cast):
    meeting = create(cast, in_days(5))
    services.invite_members(meeting=meeting, disciplines=["spine_surgery"], by=cast.coordinator)
    blocker = create(cast, in_days(7))
    with pytest.raises(ApplicationError):
        services.meeting_reschedule(
            meeting=meeting, starts_at=in_days(7), ends_at=in_days(7, 8, 30), by=cast.coordinator
        )
    with pytest.raises(ApplicationError):
        services.meeting_reschedule(
            meeting=meeting,
            starts_at=minutes_ago(60),
            ends_at=minutes_ago(1),
            by=cast.coordinator,
        )
    meeting.refresh_from_db()
    assert meeting.starts_at == in_days(5)
    services.meeting_reschedule(
        meeting=meeting, starts_at=in_days(6), ends_at=in_days(6, 8, 30), by=cast.coordinator
    )
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.ends_at) == (in_days(6), in_days(6, 8, 30))
    moved = Notification.objects.get(kind=Notification.Kind.GENERAL)
    assert moved.recipient == cast.surgeon
    assert "now starts" in moved.body
    assert blocker.starts_at == in_days(7)


def test_reschedule_cannot_shorten_below_the_booked_minutes(cast, meeting):
    services.agenda_item_add(
        meeting=meeting, case=ready_case(cast.board), by=cast.coordinator, minutes_allotted=45
    )
    with pytest.raises(ApplicationError) as excinfo:
        services.meeting_reschedule(
            meeting=meeting, starts_at=in_days(6), ends_at=in_days(6, 8, 0), by=cast.coordinator
        )
    assert excinfo.value.message == "The agenda needs 45 minutes; the new times give 30."
    meeting.refresh_from_db()
    assert meeting.starts_at == in_days(5)


def test_meeting_cancel_needs_a_reason_and_frees_the_cases(cast):
    meeting = create(cast, in_days(5))
    case = ready_case(cast.board)
    services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    with pytest.raises(ApplicationError) as excinfo:
        services.meeting_cancel(meeting=meeting, by=cast.coordinator, reason="  ")
    assert excinfo.value.fields == {"reason": ["A reason is required."]}
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED

    services.meeting_cancel(meeting=meeting, by=cast.coordinator, reason="Chair unavailable")
    meeting.refresh_from_db()
    case.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    assert meeting.history.first().history_change_reason == "Chair unavailable"
    assert list(meeting.agenda_items.values_list("is_open", flat=True)) == [False]
    assert case.status == Case.Status.READY
    # The case can go on another meeting straight away.
    other = create(cast, in_days(12))
    assert services.agenda_item_add(meeting=other, case=case, by=cast.coordinator).position == 1


def test_meeting_close_only_once_started_and_then_the_agenda_is_final(cast):
    future = create(cast, in_days(5))
    with pytest.raises(ApplicationError) as excinfo:
        services.meeting_close(meeting=future, by=cast.chair)
    assert excinfo.value.message == "A meeting can be closed once it has started."

    running = MeetingFactory(board=cast.board, starts_at=minutes_ago(30), ends_at=minutes_ago(-30))
    item = AgendaItemFactory(meeting=running, case=ready_case(cast.board), position=1)
    services.meeting_close(
        meeting=running, by=cast.chair, carry_over={str(item.case.uuid): "ready"}
    )
    running.refresh_from_db()
    item.refresh_from_db()
    assert running.status == Meeting.Status.CLOSED
    assert item.is_open is False

    refusals = [
        lambda: services.agenda_item_add(
            meeting=running, case=ready_case(cast.board), by=cast.coordinator
        ),
        lambda: services.agenda_item_remove(item=item, by=cast.coordinator),
        lambda: services.agenda_reorder(meeting=running, order=[item.pk], by=cast.coordinator),
        lambda: services.agenda_item_set_minutes(
            item=item, minutes_allotted=5, by=cast.coordinator
        ),
        lambda: services.meeting_allow_overbooking(
            meeting=running, reason="x", by=cast.coordinator
        ),
        lambda: services.meeting_close(meeting=running, by=cast.chair),
    ]
    for refuse in refusals:
        with pytest.raises(ApplicationError) as excinfo:
            refuse()
        assert "meeting" in excinfo.value.fields
    item.refresh_from_db()
    assert (item.position, item.minutes_allotted, item.is_open) == (1, 10, False)
    assert running.agenda_items.count() == 1


# --- who may: the board's coordinators and chair (allowed/refused pairs) ----------------------

NOT_COORDINATING = ["surgeon", "other_coordinator", "patient_user"]


@pytest.mark.parametrize("who", ["coordinator", "chair"])
def test_coordinator_and_chair_plan_a_meeting(cast, person, who):
    meeting = create(cast, in_days(5), by=person(who))
    assert meeting.created_by == person(who)
    urgent = services.meeting_create_urgent(board=cast.board, starts_at=in_days(6), by=person(who))
    assert urgent.kind == Meeting.Kind.AD_HOC


@pytest.mark.parametrize("who", NOT_COORDINATING)
def test_others_cannot_plan_a_meeting(cast, person, who):
    with pytest.raises(PermissionDenied):
        create(cast, in_days(5), by=person(who))
    with pytest.raises(PermissionDenied):
        services.meeting_create_urgent(board=cast.board, starts_at=in_days(6), by=person(who))
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("who", ["coordinator", "chair"])
def test_coordinator_and_chair_move_and_cancel_a_meeting(cast, meeting, person, who):
    services.meeting_reschedule(
        meeting=meeting, starts_at=in_days(6), ends_at=in_days(6, 8, 30), by=person(who)
    )
    services.meeting_cancel(meeting=meeting, by=person(who), reason="Bank holiday")
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.status) == (in_days(6), Meeting.Status.CANCELLED)


@pytest.mark.parametrize("who", NOT_COORDINATING)
def test_others_cannot_move_or_cancel_a_meeting(cast, meeting, person, who):
    with pytest.raises(PermissionDenied):
        services.meeting_reschedule(
            meeting=meeting, starts_at=in_days(6), ends_at=in_days(6, 8, 30), by=person(who)
        )
    with pytest.raises(PermissionDenied):
        services.meeting_cancel(meeting=meeting, by=person(who), reason="Bank holiday")
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.status) == (in_days(5), Meeting.Status.PLANNED)
    assert meeting.history.count() == 1


@pytest.mark.parametrize("who, allowed", [("chair", True), *((w, False) for w in NOT_COORDINATING)])
def test_only_the_boards_coordinators_close_a_meeting(cast, person, who, allowed):
    running = MeetingFactory(board=cast.board, starts_at=minutes_ago(30), ends_at=minutes_ago(-30))
    if allowed:
        services.meeting_close(meeting=running, by=person(who))
    else:
        with pytest.raises(PermissionDenied):
            services.meeting_close(meeting=running, by=person(who))
    running.refresh_from_db()
    assert (running.status == Meeting.Status.CLOSED) is allowed
