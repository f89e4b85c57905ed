"""A meeting's agenda (services.agenda)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cases.models import Case
from scheduling import rules, services
from scheduling.models import AgendaItem, Meeting
from scheduling.tests.helpers import agenda_positions, minutes_ago, ready_case
from tests.factories import LONDON, AgendaItemFactory, CaseFactory, MeetingFactory, in_days
from tumorboard.errors import ApplicationError

pytestmark = pytest.mark.django_db


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
    case = CaseFactory(board=cast.board, status=status, status_reason="Treated elsewhere")
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


def test_agenda_of_a_started_meeting_cannot_change(cast):
    started = MeetingFactory(board=cast.board, starts_at=minutes_ago(5), ends_at=minutes_ago(-55))
    with pytest.raises(ApplicationError) as excinfo:
        services.agenda_item_add(meeting=started, case=ready_case(cast.board), by=cast.coordinator)
    assert excinfo.value.message == "This meeting has started; its agenda cannot change."
    assert excinfo.value.fields == {"meeting": ["Choose a meeting that has not started."]}
    assert started.agenda_items.count() == 0


def test_adding_schedules_a_ready_and_a_referred_case(cast, meeting):
    """A case on an agenda is scheduled, whatever its readiness (issue 14): a referred one shows
    its readiness gaps on the agenda instead of a status that says it is not on one."""
    ready = ready_case(cast.board)
    referred = CaseFactory(board=cast.board)
    services.agenda_item_add(meeting=meeting, case=ready, by=cast.coordinator)
    services.agenda_item_add(meeting=meeting, case=referred, by=cast.coordinator)
    assert ready.status == Case.Status.SCHEDULED  # the caller's instance is updated too
    ready.refresh_from_db()
    referred.refresh_from_db()
    assert ready.status == Case.Status.SCHEDULED
    assert referred.status == Case.Status.SCHEDULED


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


def test_reorder_by_item_ids_or_case_uuids(cast, meeting):
    a, b, c = (ready_case(cast.board) for _ in range(3))
    items = [
        services.agenda_item_add(meeting=meeting, case=x, by=cast.coordinator) for x in (a, b, c)
    ]
    result = services.agenda_reorder(
        meeting=meeting, order=[items[2].pk, items[0].pk, items[1].pk], by=cast.chair
    )
    assert [item.case_id for item in result] == [c.pk, a.pk, b.pk]
    assert agenda_positions(meeting) == [(c.pk, 1), (a.pk, 2), (b.pk, 3)]
    services.agenda_reorder(meeting=meeting, order=[str(b.uuid), a.uuid, c.uuid], by=cast.chair)
    assert agenda_positions(meeting) == [(b.pk, 1), (a.pk, 2), (c.pk, 3)]
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
    before = agenda_positions(meeting)
    with pytest.raises(ApplicationError) as excinfo:
        services.agenda_reorder(
            meeting=meeting, order=make_order([i.pk for i in items]), by=cast.coordinator
        )
    assert excinfo.value.message.startswith(message)
    assert agenda_positions(meeting) == before


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
    assert agenda_positions(meeting) == [
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


# --- who may: the board's coordinators and chair (allowed/refused pairs) ----------------------

NOT_COORDINATING = ["surgeon", "other_coordinator", "patient_user"]


def agenda_of_two(cast, meeting):
    return [
        services.agenda_item_add(meeting=meeting, case=ready_case(cast.board), by=cast.coordinator)
        for _ in range(2)
    ]


@pytest.mark.parametrize("who", ["coordinator", "chair"])
def test_coordinator_and_chair_change_the_agenda(cast, meeting, person, who):
    by = person(who)
    first, second = agenda_of_two(cast, meeting)
    third = services.agenda_item_add(meeting=meeting, case=ready_case(cast.board), by=by)
    services.agenda_item_set_minutes(item=third, minutes_allotted=10, by=by)
    services.agenda_item_move(item=third, offset=-1, by=by)
    services.agenda_reorder(meeting=meeting, order=[third.pk, first.pk, second.pk], by=by)
    services.agenda_item_remove(item=second, by=by)
    services.meeting_allow_overbooking(meeting=meeting, reason="Tumour board overrun", by=by)
    assert services.agenda_circulate(meeting=meeting, by=by) is True
    assert agenda_positions(meeting) == [(third.case_id, 1), (first.case_id, 2)]


@pytest.mark.parametrize("who", NOT_COORDINATING)
def test_others_cannot_change_the_agenda(cast, meeting, person, who):
    by = person(who)
    first, second = agenda_of_two(cast, meeting)
    before = agenda_positions(meeting)
    refusals = [
        lambda: services.agenda_item_add(meeting=meeting, case=ready_case(cast.board), by=by),
        lambda: services.agenda_item_set_minutes(item=first, minutes_allotted=10, by=by),
        lambda: services.agenda_item_move(item=second, offset=-1, by=by),
        lambda: services.agenda_reorder(meeting=meeting, order=[second.pk, first.pk], by=by),
        lambda: services.agenda_item_remove(item=first, by=by),
        lambda: services.meeting_allow_overbooking(meeting=meeting, reason="Overrun", by=by),
        lambda: services.agenda_circulate(meeting=meeting, by=by),
    ]
    for refuse in refusals:
        with pytest.raises(PermissionDenied):
            refuse()
    meeting.refresh_from_db()
    assert agenda_positions(meeting) == before
    assert meeting.agenda_items.get(pk=first.pk).minutes_allotted == first.minutes_allotted
    assert meeting.overbooking_allowed_at is None
    assert meeting.agenda_circulated_at is None


def test_the_beat_circulates_without_a_person(cast, meeting):
    assert services.agenda_circulate(meeting=meeting, by=None) is True
