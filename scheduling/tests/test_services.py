import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cases.models import Case
from scheduling import services
from scheduling.models import AgendaItem, Meeting
from tests.factories import AgendaItemFactory, CaseFactory, MeetingFactory
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
