"""The upcoming-meetings page and planning from it (views.meetings)."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from scheduling import services
from scheduling.models import BoardSchedule, Invitation, Meeting
from scheduling.tests.helpers import agenda_order, count_queries, page, ready_case
from tests.factories import LONDON, MeetingFactory, in_days

pytestmark = pytest.mark.django_db


def test_meetings_page_lists_upcoming_meetings_with_their_numbers(cast, coordinator, meeting):
    for minutes in (20, 25):
        services.agenda_item_add(
            meeting=meeting,
            case=ready_case(cast.board),
            minutes_allotted=minutes,
            by=cast.coordinator,
        )
    MeetingFactory(board=cast.board, starts_at=timezone.now() - dt.timedelta(days=3))
    MeetingFactory(board=cast.other_board, starts_at=in_days(2))
    html = page(coordinator, reverse("meeting-list"))
    assert html.count('href="/meetings/') >= 1
    assert f'href="{reverse("meeting-detail", args=[meeting.uuid])}"' in html
    assert "45 of 60 min" in html
    assert "15 free" in html
    assert "not circulated" in html
    assert "Plan a meeting" in html and "Urgent ad-hoc meeting" in html
    assert html.count("<tbody>") == 1 and html.count("<tr>") + html.count("<tr ") >= 2
    assert 'name="csrfmiddlewaretoken"' in html


def test_meetings_page_shows_quorum_expected_from_acceptances(cast, coordinator, meeting):
    services.invite_members(meeting=meeting, by=cast.coordinator)
    html = page(coordinator, reverse("meeting-list"))
    assert "not yet" in html
    for discipline in ("spine_surgery", "radiation_oncology", "medical_oncology"):
        invitation = Invitation.objects.get(meeting=meeting, user=cast.specialists[discipline])
        services.invitation_respond(
            invitation=invitation, response="accepted", by=cast.specialists[discipline]
        )
    html = page(coordinator, reverse("meeting-list"))
    assert '<span class="tag tag--ok">yes</span>' in html


def test_meetings_page_query_count_is_constant(cast, coordinator):
    def add_meetings(days):
        for day in days:
            m = MeetingFactory(board=cast.board, starts_at=in_days(day), ends_at=in_days(day, 8))
            services.agenda_item_add(meeting=m, case=ready_case(cast.board), by=cast.coordinator)
            Invitation.objects.create(meeting=m, user=cast.surgeon, discipline="spine_surgery")

    add_meetings([2, 3])
    two = count_queries(coordinator, reverse("meeting-list"))
    add_meetings([4, 5, 6, 7, 8, 9])
    assert Meeting.objects.count() == 8
    assert count_queries(coordinator, reverse("meeting-list")) == two


def test_plan_a_meeting_in_the_boards_time(cast, coordinator):
    day = in_days(9).date()
    response = coordinator.post(
        reverse("meeting-create"),
        {
            "meeting-board": cast.board.pk,
            "meeting-date": str(day),
            "meeting-start_time": "07:30",
            "meeting-end_time": "08:30",
            "meeting-location": "Room 4",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("meeting-detail", args=[meeting.uuid])
    assert meeting.starts_at == dt.datetime.combine(day, dt.time(7, 30), tzinfo=LONDON)
    assert meeting.ends_at - meeting.starts_at == dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("08:00", "09:00", "Choose a time when the board has no other meeting."),
        ("09:00", "08:00", "The end must be later than the start."),
    ],
)
def test_plan_a_bad_meeting_shows_the_error_and_saves_nothing(
    cast, coordinator, meeting, start, end, message
):
    response = coordinator.post(
        reverse("meeting-create"),
        {
            "meeting-board": cast.board.pk,
            "meeting-date": str(in_days(5).date()),
            "meeting-start_time": start,
            "meeting-end_time": end,
        },
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(Meeting.objects.all()) == [meeting]


def test_plan_a_meeting_in_the_past_is_refused(cast, coordinator):
    response = coordinator.post(
        reverse("meeting-create"),
        {
            "meeting-board": cast.board.pk,
            "meeting-date": str(in_days(-2).date()),
            "meeting-start_time": "07:30",
            "meeting-end_time": "08:30",
        },
    )
    assert response.status_code == 400
    assert "Choose a start time in the future." in response.content.decode()
    assert not Meeting.objects.exists()


def test_a_time_the_clocks_skip_is_refused(cast, coordinator):
    """01:30 on the last Sunday of March does not exist in London (the clocks go 01:00 → 02:00)."""
    year = timezone.localdate().year + 1
    day = max(dt.date(year, 3, d) for d in range(25, 32) if dt.date(year, 3, d).weekday() == 6)
    response = coordinator.post(
        reverse("meeting-create"),
        {
            "meeting-board": cast.board.pk,
            "meeting-date": str(day),
            "meeting-start_time": "01:30",
            "meeting-end_time": "03:00",
        },
    )
    assert response.status_code == 400
    assert "01:30 does not exist on that day in Europe/London" in response.content.decode()
    assert not Meeting.objects.exists()


def test_urgent_meeting_with_its_cases(cast, coordinator):
    urgent = ready_case(cast.board, urgency=Case.Urgency.EMERGENCY)
    routine = ready_case(cast.board)
    response = coordinator.post(
        reverse("meeting-create-urgent"),
        {
            "urgent-board": cast.board.pk,
            "urgent-date": str(in_days(1).date()),
            "urgent-start_time": "13:00",
            "urgent-duration_minutes": 30,
            "urgent-cases": [str(routine.uuid), str(urgent.uuid)],
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.kind == Meeting.Kind.AD_HOC
    assert agenda_order(meeting) == [urgent.pk, routine.pk]


def test_schedule_and_generate_from_the_page(cast, coordinator):
    response = coordinator.post(
        reverse("schedule-create"),
        {
            "schedule-board": cast.board.pk,
            "schedule-frequency": "weekly",
            "schedule-weekday": "1",
            "schedule-local_start_time": "07:30",
            "schedule-time_zone": "Europe/London",
            "schedule-duration_minutes": 60,
            "schedule-starts_on": str(timezone.localdate()),
        },
    )
    assert response.status_code == 302
    schedule = BoardSchedule.objects.get()
    assert schedule.recurrence == "FREQ=WEEKLY;BYDAY=TU"
    page = coordinator.get(reverse("meeting-list")).content.decode()
    assert "Every Tuesday at 07:30, Europe/London" in page
    assert "FREQ=" not in page
    until = timezone.localdate() + dt.timedelta(weeks=3)
    response = coordinator.post(
        reverse("schedule-generate", args=[schedule.pk]),
        {f"generate-{schedule.pk}-until": str(until)},
    )
    assert response.status_code == 302
    assert Meeting.objects.filter(schedule=schedule).count() in (2, 3, 4)

    bad = coordinator.post(
        reverse("schedule-create"),
        {
            "schedule-board": cast.board.pk,
            "schedule-frequency": "monthly",
            "schedule-weekday": "1",
            "schedule-local_start_time": "07:30",
            "schedule-time_zone": "Mars/Olympus",
            "schedule-duration_minutes": 60,
            "schedule-starts_on": str(timezone.localdate()),
        },
    )
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "Week of the month: Choose the week of the month." in page
    assert "Time zone: Select a valid choice." in page
    assert BoardSchedule.objects.count() == 1


def test_the_urgent_form_searches_without_javascript_and_keeps_the_ticked_cases(cast, coordinator):
    ticked, wanted, other = (ready_case(cast.board) for _ in range(3))
    response = coordinator.post(
        reverse("meeting-create-urgent"),
        {
            "urgent-search": "1",
            "urgent-board": cast.board.pk,
            "urgent-q": wanted.patient.family_name,
            "urgent-cases": [str(ticked.uuid)],
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{ticked.uuid}"' in html and f'value="{wanted.uuid}"' in html
    assert f'value="{other.uuid}"' not in html
    assert re.search(rf'value="{ticked.uuid}"[^>]*checked', html)
    assert not Meeting.objects.exists()
