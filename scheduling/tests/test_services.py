import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cases.models import Case
from scheduling import rules, services
from scheduling.models import (
    AgendaItem,
    Attendance,
    BoardSchedule,
    Invitation,
    Meeting,
    Notification,
)
from scheduling.services.common import local_start
from scheduling.tests.test_rules import ready_case
from tests.factories import AgendaItemFactory, CaseFactory, MeetingFactory, MembershipFactory
from tumorboard.errors import ApplicationError, api_exception_handler

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def in_days(days: int, hour: int = 7, minute: int = 30) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


# --- meeting_create ---------------------------------------------------------------------------


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


# --- agenda_item_add --------------------------------------------------------------------------


@pytest.fixture
def meeting(cast):
    return MeetingFactory(board=cast.board, starts_at=in_days(5), ends_at=in_days(5, 8, 30))


def test_agenda_items_take_consecutive_positions(cast, meeting):
    cases = CaseFactory.create_batch(3, board=cast.board)
    items = [
        services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator) for case in cases
    ]
    assert [item.position for item in items] == [1, 2, 3]
    assert list(meeting.agenda_items.values_list("case_id", flat=True)) == [c.pk for c in cases]
    assert items[0].minutes_allotted == 10
    assert items[0].created_by == cast.coordinator
    assert items[0].history.get().history_user == cast.coordinator


def test_agenda_item_appends_after_the_last_position(cast, meeting):
    AgendaItemFactory(meeting=meeting, case=CaseFactory(board=cast.board), position=7)
    item = services.agenda_item_add(
        meeting=meeting,
        case=CaseFactory(board=cast.board),
        by=cast.coordinator,
        minutes_allotted=25,
    )
    assert item.position == 8
    assert item.minutes_allotted == 25


def test_agenda_item_refuses_the_same_case_twice_on_a_meeting(cast, meeting):
    case = CaseFactory(board=cast.board)
    services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    with pytest.raises(ApplicationError) as excinfo:
        services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    assert excinfo.value.message == "This case is already on this meeting's agenda."
    assert excinfo.value.fields == {"case": ["The case is already on this agenda."]}
    assert AgendaItem.objects.filter(case=case).count() == 1


def test_agenda_item_refuses_a_case_already_on_another_upcoming_meeting(cast, meeting):
    case = CaseFactory(board=cast.board)
    services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    later = MeetingFactory(board=cast.board, starts_at=in_days(12), ends_at=in_days(12, 8, 30))
    with pytest.raises(ApplicationError) as excinfo:
        services.agenda_item_add(meeting=later, case=case, by=cast.coordinator)
    local_start = f"{timezone.localtime(meeting.starts_at, LONDON):%a %d %b %Y %H:%M}"
    assert excinfo.value.message == (
        f"This case is already on the agenda of the meeting on {local_start}."
    )
    assert excinfo.value.fields == {"case": ["Remove it from that meeting first."]}
    assert later.agenda_items.count() == 0


@pytest.mark.parametrize("earlier", ["past", "cancelled"])
def test_agenda_item_allows_a_case_whose_other_meeting_is_over_or_cancelled(cast, meeting, earlier):
    case = CaseFactory(board=cast.board)
    if earlier == "past":
        other = MeetingFactory(board=cast.board, starts_at=in_days(-7), ends_at=in_days(-7, 8, 30))
    else:
        other = MeetingFactory(
            board=cast.board,
            starts_at=in_days(2),
            ends_at=in_days(2, 8, 30),
            status=Meeting.Status.CANCELLED,
        )
    AgendaItemFactory(meeting=other, case=case, position=1)
    item = services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    assert item.meeting == meeting
    assert item.position == 1


def test_agenda_item_refuses_a_case_of_another_board(cast, meeting):
    foreign = CaseFactory(board=cast.other_board)
    with pytest.raises(ApplicationError) as excinfo:
        services.agenda_item_add(meeting=meeting, case=foreign, by=cast.coordinator)
    assert excinfo.value.message == "This case is referred to another board."
    assert meeting.agenda_items.count() == 0
    # ...while a case of the meeting's own board is accepted.
    own = services.agenda_item_add(
        meeting=meeting, case=CaseFactory(board=cast.board), by=cast.coordinator
    )
    assert own.position == 1


@pytest.mark.parametrize("status", [Meeting.Status.CANCELLED, Meeting.Status.CLOSED])
def test_agenda_item_refuses_a_closed_or_cancelled_meeting(cast, meeting, status):
    Meeting.objects.filter(pk=meeting.pk).update(status=status)
    with pytest.raises(ApplicationError) as excinfo:
        services.agenda_item_add(
            meeting=meeting, case=CaseFactory(board=cast.board), by=cast.coordinator
        )
    assert excinfo.value.fields == {"meeting": ["Choose a planned meeting."]}
    assert AgendaItem.objects.count() == 0


@pytest.mark.parametrize("status", [Case.Status.WITHDRAWN, Case.Status.CLOSED])
def test_agenda_item_refuses_a_withdrawn_or_closed_case(cast, meeting, status):
    case = CaseFactory(board=cast.board, status=status)
    with pytest.raises(ApplicationError) as excinfo:
        services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    assert excinfo.value.fields == {"case": ["Reopen or refer the case again first."]}
    assert AgendaItem.objects.count() == 0


@pytest.mark.parametrize("minutes", [0, 121])
def test_agenda_item_refuses_minutes_out_of_range(cast, meeting, minutes):
    with pytest.raises(ApplicationError) as excinfo:
        services.agenda_item_add(
            meeting=meeting,
            case=CaseFactory(board=cast.board),
            by=cast.coordinator,
            minutes_allotted=minutes,
        )
    assert excinfo.value.fields == {"minutes_allotted": ["Give whole minutes from 1 to 120."]}
    assert AgendaItem.objects.count() == 0


# === Schedules and generated meetings =========================================================


def in_past_minutes(minutes: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)


def schedule_for(cast, **overrides) -> BoardSchedule:
    data = {
        "board": cast.board,
        "recurrence": "FREQ=WEEKLY;BYDAY=TU",
        "local_start_time": dt.time(7, 30),
        "duration_minutes": 60,
        "starts_on": timezone.localdate(),
        "location": "Seminar room 2",
        "video_link": "https://meet.example.org/board",
        "by": cast.coordinator,
        **overrides,
    }
    return services.board_schedule_create(**data)


def test_board_schedule_create_normalises_and_records_who(cast):
    schedule = schedule_for(cast, recurrence=" freq=weekly; byday=tu ")
    schedule.refresh_from_db()
    assert schedule.recurrence == "FREQ=WEEKLY;BYDAY=TU"
    assert schedule.local_start_time == dt.time(7, 30)
    assert schedule.active is True
    assert schedule.created_by == cast.coordinator
    assert schedule.history.get().history_user == cast.coordinator


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"recurrence": "FREQ=FORTNIGHTLY"}, "recurrence", "FREQ=FORTNIGHTLY is not allowed"),
        ({"recurrence": "FREQ=WEEKLY;BYDAY=TUE"}, "recurrence", "invalid 'BYDAY': TUE"),
        (
            {"recurrence": "FREQ=WEEKLY;UNTIL=20200101"},
            "recurrence",
            "The rule produces no meeting within a year",
        ),
        ({"duration_minutes": 500}, "duration_minutes", "Give whole minutes from 5 to 480."),
    ],
)
def test_board_schedule_create_refuses_bad_input(cast, overrides, field, message):
    with pytest.raises(ApplicationError) as excinfo:
        schedule_for(cast, **overrides)
    assert list(excinfo.value.fields) == [field]
    assert message in excinfo.value.fields[field][0]
    assert BoardSchedule.objects.count() == 0


def next_dst_change(after: dt.date) -> dt.date:
    """The first day after `after` whose London UTC offset differs from the day before."""
    day = after
    while True:
        day += dt.timedelta(days=1)
        noon = dt.datetime.combine(day, dt.time(12), tzinfo=LONDON)
        if noon.utcoffset() != (noon - dt.timedelta(days=1)).utcoffset():
            return day


def test_a_quarter_of_weekly_meetings_across_a_daylight_saving_change(cast):
    change = next_dst_change(timezone.localdate() + dt.timedelta(weeks=7))
    first_tuesday = change - dt.timedelta(weeks=6)
    first_tuesday += dt.timedelta(days=(1 - first_tuesday.weekday()) % 7)
    schedule = schedule_for(cast, starts_on=first_tuesday)
    until = first_tuesday + dt.timedelta(weeks=12)

    meetings = services.meetings_generate(schedule=schedule, until=until, by=cast.coordinator)

    assert len(meetings) == 13
    assert Meeting.objects.filter(board=cast.board).count() == 13
    local = [timezone.localtime(m.starts_at, LONDON) for m in meetings]
    assert [d.date() for d in local] == [first_tuesday + dt.timedelta(weeks=i) for i in range(13)]
    assert all(d.time() == dt.time(7, 30) and d.weekday() == 1 for d in local)
    assert all(m.ends_at - m.starts_at == dt.timedelta(minutes=60) for m in meetings)
    utc_hours = [m.starts_at.astimezone(dt.UTC).hour for m in meetings]
    before = [h for m, h in zip(meetings, utc_hours, strict=True) if m.starts_at.date() < change]
    after = [h for m, h in zip(meetings, utc_hours, strict=True) if m.starts_at.date() > change]
    assert len(set(before)) == 1 and len(set(after)) == 1
    assert abs(before[0] - after[0]) == 1
    assert {m.kind for m in meetings} == {Meeting.Kind.REGULAR}
    assert {m.schedule_id for m in meetings} == {schedule.pk}
    assert {m.video_link for m in meetings} == {"https://meet.example.org/board"}

    # Idempotent: a second run creates nothing.
    assert services.meetings_generate(schedule=schedule, until=until) == []
    assert Meeting.objects.filter(board=cast.board).count() == 13


def test_generation_skips_the_past_taken_starts_and_overlaps(cast):
    today = timezone.localdate()
    schedule = schedule_for(cast, recurrence="FREQ=DAILY", starts_on=today - dt.timedelta(days=10))
    tomorrow = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(7, 30), tzinfo=LONDON)
    # An urgent meeting overlapping tomorrow's slot, and a cancelled occurrence the day after.
    MeetingFactory(
        board=cast.board,
        starts_at=tomorrow + dt.timedelta(minutes=30),
        ends_at=tomorrow + dt.timedelta(minutes=60),
        kind=Meeting.Kind.AD_HOC,
    )
    MeetingFactory(
        board=cast.board,
        starts_at=tomorrow + dt.timedelta(days=1),
        ends_at=tomorrow + dt.timedelta(days=1, hours=1),
        status=Meeting.Status.CANCELLED,
    )
    created = services.meetings_generate(schedule=schedule, until=today + dt.timedelta(days=4))
    assert [timezone.localtime(m.starts_at, LONDON).date() for m in created] == [
        today + dt.timedelta(days=3),
        today + dt.timedelta(days=4),
    ] or [timezone.localtime(m.starts_at, LONDON).date() for m in created] == [
        today,  # generated only if 07:30 today is still ahead
        today + dt.timedelta(days=3),
        today + dt.timedelta(days=4),
    ]
    assert all(m.starts_at > timezone.now() for m in created)
    # The cancelled occurrence is not brought back.
    assert (
        Meeting.objects.filter(board=cast.board, starts_at=tomorrow + dt.timedelta(days=1))
        .get()
        .status
        == Meeting.Status.CANCELLED
    )


def test_generation_refuses_more_than_a_year_ahead_and_ignores_inactive(cast):
    schedule = schedule_for(cast)
    with pytest.raises(ApplicationError) as excinfo:
        services.meetings_generate(
            schedule=schedule, until=timezone.localdate() + dt.timedelta(days=400)
        )
    assert excinfo.value.fields == {"until": ["Choose a date within a year from today."]}
    assert Meeting.objects.count() == 0
    BoardSchedule.objects.filter(pk=schedule.pk).update(active=False)
    assert (
        services.meetings_generate(
            schedule=schedule, until=timezone.localdate() + dt.timedelta(days=30)
        )
        == []
    )


# === Meetings: past, overlap, reschedule, cancel, close =======================================


def create(cast, starts, minutes=60, board=None, by=None):
    return services.meeting_create(
        board=board or cast.board,
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=minutes),
        by=by or cast.coordinator,
    )


def test_meeting_create_refuses_a_start_in_the_past(cast):
    with pytest.raises(ApplicationError) as excinfo:
        create(cast, in_past_minutes(5))
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
            starts_at=in_past_minutes(60),
            ends_at=in_past_minutes(1),
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

    running = MeetingFactory(
        board=cast.board, starts_at=in_past_minutes(30), ends_at=in_past_minutes(-30)
    )
    item = AgendaItemFactory(meeting=running, case=ready_case(cast.board), position=1)
    services.meeting_close(meeting=running, by=cast.chair)
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


def test_agenda_of_a_started_meeting_cannot_change(cast):
    started = MeetingFactory(
        board=cast.board, starts_at=in_past_minutes(5), ends_at=in_past_minutes(-55)
    )
    with pytest.raises(ApplicationError) as excinfo:
        services.agenda_item_add(meeting=started, case=ready_case(cast.board), by=cast.coordinator)
    assert excinfo.value.message == "This meeting has started; its agenda cannot change."
    assert excinfo.value.fields == {"meeting": ["Choose a meeting that has not started."]}
    assert started.agenda_items.count() == 0


# === Agenda: status, remove, reorder, urgent, late, overbooking ===============================


def test_adding_moves_a_ready_case_to_scheduled_and_leaves_a_referred_one(cast, meeting):
    ready = ready_case(cast.board)
    referred = CaseFactory(board=cast.board)
    services.agenda_item_add(meeting=meeting, case=ready, by=cast.coordinator)
    services.agenda_item_add(meeting=meeting, case=referred, by=cast.coordinator)
    assert ready.status == Case.Status.SCHEDULED  # the caller's instance is updated too
    ready.refresh_from_db()
    referred.refresh_from_db()
    assert ready.status == Case.Status.SCHEDULED
    assert referred.status == Case.Status.REFERRED


def test_default_minutes_come_from_the_board(cast, meeting):
    cast.board.default_case_minutes = 15
    cast.board.save()
    item = services.agenda_item_add(
        meeting=meeting, case=ready_case(cast.board), by=cast.coordinator
    )
    assert item.minutes_allotted == 15


def test_remove_renumbers_and_puts_the_case_back_to_ready(cast, meeting):
    cases = [ready_case(cast.board) for _ in range(3)]
    items = [services.agenda_item_add(meeting=meeting, case=c, by=cast.coordinator) for c in cases]
    services.agenda_item_remove(item=items[0], by=cast.coordinator)
    assert list(meeting.agenda_items.order_by("position").values_list("case_id", "position")) == [
        (cases[1].pk, 1),
        (cases[2].pk, 2),
    ]
    cases[0].refresh_from_db()
    assert cases[0].status == Case.Status.READY
    with pytest.raises(ApplicationError) as excinfo:
        services.agenda_item_remove(item=items[0], by=cast.coordinator)
    assert excinfo.value.message == "This case is no longer on the agenda."


def positions(meeting):
    return list(meeting.agenda_items.order_by("position").values_list("case_id", "position"))


def test_reorder_by_item_ids_or_case_uuids(cast, meeting):
    a, b, c = (ready_case(cast.board) for _ in range(3))
    items = [
        services.agenda_item_add(meeting=meeting, case=x, by=cast.coordinator) for x in (a, b, c)
    ]
    result = services.agenda_reorder(
        meeting=meeting, order=[items[2].pk, items[0].pk, items[1].pk], by=cast.chair
    )
    assert [item.case_id for item in result] == [c.pk, a.pk, b.pk]
    assert positions(meeting) == [(c.pk, 1), (a.pk, 2), (b.pk, 3)]
    services.agenda_reorder(meeting=meeting, order=[str(b.uuid), a.uuid, c.uuid], by=cast.chair)
    assert positions(meeting) == [(b.pk, 1), (a.pk, 2), (c.pk, 3)]
    moved = AgendaItem.objects.get(case=b)
    assert moved.updated_by == cast.chair
    assert moved.history.first().history_user == cast.chair
    assert moved.history.first().position == 1


@pytest.mark.parametrize(
    ("make_order", "message"),
    [
        (lambda ids: ids[:2], "The new order must list exactly the cases now on the agenda"),
        (lambda ids: [*ids, 999999], "The new order must list exactly the cases now on the agenda"),
        (lambda ids: [ids[0], ids[0], ids[1]], "Each case may appear only once in the new order."),
        (lambda ids: "1,2,3", "Give the new order as a list."),
    ],
)
def test_reorder_refuses_anything_but_the_current_items(cast, meeting, make_order, message):
    items = [
        services.agenda_item_add(meeting=meeting, case=ready_case(cast.board), by=cast.coordinator)
        for _ in range(3)
    ]
    before = positions(meeting)
    with pytest.raises(ApplicationError) as excinfo:
        services.agenda_reorder(
            meeting=meeting, order=make_order([i.pk for i in items]), by=cast.coordinator
        )
    assert excinfo.value.message.startswith(message)
    assert positions(meeting) == before


def test_urgent_cases_are_placed_first_and_flagged(cast, meeting):
    routine = [ready_case(cast.board) for _ in range(2)]
    for case in routine:
        services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    emergency = ready_case(cast.board, urgency=Case.Urgency.EMERGENCY)
    item = services.agenda_item_add(meeting=meeting, case=emergency, by=cast.coordinator)
    assert item.position == 1
    # High-grade compression (Bilsky 3 on the lesion) with a deficit progressing over days.
    compression = ready_case(cast.board, neuro_progression=Case.Progression.DAYS)
    assert (
        services.agenda_item_add(meeting=meeting, case=compression, by=cast.coordinator).position
        == 2
    )
    last = ready_case(cast.board)  # unstable spine: flagged, but not moved up
    last.lesions.update(alignment="subluxation", collapse="over_50", posterolateral="bilateral")
    assert services.agenda_item_add(meeting=meeting, case=last, by=cast.coordinator).position == 5
    assert positions(meeting) == [
        (emergency.pk, 1),
        (compression.pk, 2),
        (routine[0].pk, 3),
        (routine[1].pk, 4),
        (last.pk, 5),
    ]
    overview = rules.agenda_overview(meeting)
    assert [entry.urgent for entry in overview] == [True, True, False, False, False]
    assert [f.code for f in overview[1].flags] == ["cord_compression"]
    assert [f.code for f in overview[4].flags] == ["unstable"]


def test_additions_after_circulation_are_marked_late(cast, meeting):
    early = services.agenda_item_add(
        meeting=meeting, case=ready_case(cast.board), by=cast.coordinator
    )
    assert services.agenda_circulate(meeting=meeting, by=cast.coordinator) is True
    late = services.agenda_item_add(
        meeting=meeting, case=ready_case(cast.board), by=cast.coordinator
    )
    early.refresh_from_db()
    assert (early.added_late, late.added_late) == (False, True)


def test_overbooking_is_refused_until_an_override_is_recorded(cast, meeting):
    # The meeting lasts 60 minutes.
    for _ in range(4):
        services.agenda_item_add(
            meeting=meeting, case=ready_case(cast.board), by=cast.coordinator, minutes_allotted=15
        )
    extra = ready_case(cast.board)
    with pytest.raises(ApplicationError) as excinfo:
        services.agenda_item_add(meeting=meeting, case=extra, by=cast.coordinator)
    assert excinfo.value.message.startswith(
        "The agenda would need 70 minutes but the meeting lasts 60."
    )
    assert excinfo.value.fields == {"minutes_allotted": ["0 minutes are left on this agenda."]}
    assert meeting.agenda_items.count() == 4

    with pytest.raises(ApplicationError):
        services.meeting_allow_overbooking(meeting=meeting, reason="", by=cast.chair)
    services.meeting_allow_overbooking(
        meeting=meeting, reason="Two urgent referrals this week", by=cast.chair
    )
    meeting.refresh_from_db()
    assert meeting.overbooking_reason == "Two urgent referrals this week"
    assert meeting.overbooking_allowed_by == cast.chair
    assert meeting.overbooking_allowed_at is not None
    item = services.agenda_item_add(meeting=meeting, case=extra, by=cast.coordinator)
    assert item.position == 5
    assert rules.meeting_booked_minutes(meeting) == 70


def test_changing_minutes_respects_the_meeting_length(cast, meeting):
    item = services.agenda_item_add(
        meeting=meeting, case=ready_case(cast.board), by=cast.coordinator, minutes_allotted=30
    )
    services.agenda_item_add(
        meeting=meeting, case=ready_case(cast.board), by=cast.coordinator, minutes_allotted=30
    )
    with pytest.raises(ApplicationError) as excinfo:
        services.agenda_item_set_minutes(item=item, minutes_allotted=31, by=cast.coordinator)
    assert excinfo.value.code == "overbooked"
    assert (
        services.agenda_item_set_minutes(
            item=item, minutes_allotted=20, by=cast.coordinator
        ).minutes_allotted
        == 20
    )
    item.refresh_from_db()
    assert item.minutes_allotted == 20


# === Deferral =================================================================================


def test_defer_moves_the_case_to_the_next_meeting_and_tells_the_responsible(cast, meeting):
    not_ready = ready_case(cast.board, kps=None, created_by=cast.surgeon)
    other = ready_case(cast.board)
    services.agenda_item_add(meeting=meeting, case=not_ready, by=cast.coordinator)
    services.agenda_item_add(meeting=meeting, case=other, by=cast.coordinator)
    next_meeting = MeetingFactory(
        board=cast.board, starts_at=in_days(12), ends_at=in_days(12, 8, 30)
    )

    result = services.case_defer(
        case=not_ready, reason="Performance status not recorded", by=cast.coordinator
    )

    assert result.from_meeting == meeting
    assert result.to_meeting == next_meeting
    assert result.item.meeting == next_meeting and result.item.position == 1
    assert positions(meeting) == [(other.pk, 1)]
    not_ready.refresh_from_db()
    assert not_ready.status == Case.Status.SCHEDULED
    statuses = list(not_ready.history.order_by("history_id").values_list("status", flat=True))
    assert statuses[-2:] == [Case.Status.DEFERRED, Case.Status.SCHEDULED]
    told = Notification.objects.filter(kind=Notification.Kind.CASE_DEFERRED)
    assert sorted(n.recipient.username for n in told) == ["coord", cast.surgeon.username]
    body = told.get(recipient=cast.surgeon).body
    assert "Reason: Performance status not recorded" in body
    assert "It is now on the agenda of the meeting on" in body
    assert "Performance status (KPS or ECOG)" in body
    assert str(not_ready.patient.family_name) not in body


def test_defer_without_a_next_meeting_leaves_the_case_unscheduled(cast, meeting):
    case = ready_case(cast.board)
    services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    result = services.case_defer(case=case, reason="Awaiting biopsy", by=cast.coordinator)
    assert result.item is None and result.to_meeting is None
    assert result.not_placed == "The board has no later planned meeting yet."
    case.refresh_from_db()
    assert case.status == Case.Status.DEFERRED
    assert case.status_reason == "Awaiting biopsy"
    assert AgendaItem.objects.filter(case=case).count() == 0
    assert (
        "It is not on any agenda yet." in Notification.objects.get(recipient=cast.coordinator).body
    )


def test_defer_needs_a_reason_and_changes_nothing_without_one(cast, meeting):
    case = ready_case(cast.board)
    services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    with pytest.raises(ApplicationError) as excinfo:
        services.case_defer(case=case, reason=" ", by=cast.coordinator)
    assert excinfo.value.fields == {"reason": ["A reason is required."]}
    case.refresh_from_db()
    assert case.status == Case.Status.SCHEDULED
    assert positions(meeting) == [(case.pk, 1)]
    assert Notification.objects.count() == 0


def test_defer_during_a_running_meeting_keeps_the_item_as_a_record(cast):
    running = MeetingFactory(
        board=cast.board, starts_at=in_past_minutes(10), ends_at=in_past_minutes(-50)
    )
    case = ready_case(cast.board, status=Case.Status.SCHEDULED)
    item = AgendaItemFactory(meeting=running, case=case, position=1)
    later = MeetingFactory(board=cast.board, starts_at=in_days(7), ends_at=in_days(7, 8, 30))
    result = services.case_defer(case=case, reason="Needs a new MRI", by=cast.chair)
    item.refresh_from_db()
    assert item.is_open is False and item.position == 1
    assert result.to_meeting == later


# === Invitations, conflicts, attendance =======================================================


def test_invite_by_discipline_once_each(cast, meeting):
    result = services.invite_members(
        meeting=meeting,
        disciplines=["spine_surgery", "radiation_oncology"],
        by=cast.coordinator,
    )
    assert sorted(i.user.username for i in result.invited) == [
        "spec_radiation_oncology",
        "spec_spine_surgery",
    ]
    assert {i.discipline for i in result.invited} == {"spine_surgery", "radiation_oncology"}
    assert result.warnings == []
    again = services.invite_members(meeting=meeting, by=cast.coordinator)
    # Everyone else (chair, coordinator, three specialists), never the two already invited.
    assert len(again.invited) == 5
    assert Invitation.objects.filter(meeting=meeting).count() == 7
    assert Notification.objects.filter(kind=Notification.Kind.INVITATION).count() == 7
    assert not Invitation.objects.filter(user=cast.outsider).exists()


def test_invite_refuses_an_unknown_discipline(cast, meeting):
    with pytest.raises(ApplicationError) as excinfo:
        services.invite_members(meeting=meeting, disciplines=["astrology"], by=cast.coordinator)
    assert list(excinfo.value.fields) == ["disciplines"]
    assert Invitation.objects.count() == 0


def test_inviting_a_member_to_an_overlapping_meeting_warns_them(cast, meeting, other_coordinator):
    MembershipFactory(board=cast.other_board, user=cast.surgeon)
    theirs = MeetingFactory(
        board=cast.other_board, starts_at=in_days(5, 8, 0), ends_at=in_days(5, 9, 0)
    )
    services.invite_members(meeting=theirs, disciplines=["spine_surgery"], by=other_coordinator)

    result = services.invite_members(
        meeting=meeting, disciplines=["spine_surgery"], by=cast.coordinator
    )

    assert [(w.user, w.other) for w in result.warnings] == [(cast.surgeon, theirs)]
    assert "overlaps this meeting" in result.warnings[0].message
    conflict = Notification.objects.get(kind=Notification.Kind.CONFLICT)
    assert conflict.recipient == cast.surgeon
    assert conflict.dedupe_key == f"conflict:{meeting.uuid}:{theirs.uuid}:{cast.surgeon.pk}"


def test_no_conflict_warning_when_the_other_invitation_was_declined(
    cast, meeting, other_coordinator
):
    MembershipFactory(board=cast.other_board, user=cast.surgeon)
    theirs = MeetingFactory(
        board=cast.other_board, starts_at=in_days(5, 8, 0), ends_at=in_days(5, 9, 0)
    )
    invitation = services.invite_members(
        meeting=theirs, disciplines=["spine_surgery"], by=other_coordinator
    ).invited[0]
    services.invitation_respond(invitation=invitation, response="declined", by=cast.surgeon)
    result = services.invite_members(
        meeting=meeting, disciplines=["spine_surgery"], by=cast.coordinator
    )
    assert result.warnings == []
    assert not Notification.objects.filter(kind=Notification.Kind.CONFLICT).exists()


def test_only_the_invitee_answers_an_invitation(cast, meeting):
    from django.core.exceptions import PermissionDenied

    invitation = services.invite_members(
        meeting=meeting, disciplines=["spine_surgery"], by=cast.coordinator
    ).invited[0]
    with pytest.raises(PermissionDenied):
        services.invitation_respond(invitation=invitation, response="accepted", by=cast.chair)
    invitation.refresh_from_db()
    assert invitation.response == Invitation.Response.PENDING
    services.invitation_respond(invitation=invitation, response="accepted", by=cast.surgeon)
    invitation.refresh_from_db()
    assert invitation.response == Invitation.Response.ACCEPTED
    assert invitation.responded_at is not None
    with pytest.raises(ApplicationError) as excinfo:
        services.invitation_respond(invitation=invitation, response="maybe", by=cast.surgeon)
    assert excinfo.value.fields == {"response": ["Choose accepted or declined."]}


def test_attendance_is_recorded_once_per_person_and_gives_quorum(cast):
    running = MeetingFactory(
        board=cast.board, starts_at=in_past_minutes(5), ends_at=in_past_minutes(-55)
    )
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
    running = MeetingFactory(
        board=cast.board, starts_at=in_past_minutes(5), ends_at=in_past_minutes(-55)
    )
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
