"""Coordinator pages: upcoming meetings, the meeting page's agenda editor, the readiness board and
the invitations page. Access as allowed/refused pairs, form errors with nothing changed, constant
query counts."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from scheduling import services
from scheduling.models import AgendaItem, Attendance, BoardSchedule, Invitation, Meeting
from scheduling.tests.test_concurrency import slow_renumbering as slow_renumbering  # fixture
from scheduling.tests.test_rules import LONDON, in_days, ready_case
from tests.factories import CaseFactory, MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(cast):
    return MeetingFactory(board=cast.board, starts_at=in_days(5), ends_at=in_days(5, 8, 30))


@pytest.fixture
def coordinator(client, cast):
    client.force_login(cast.coordinator)
    return client


def page(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status
    return response.content.decode()


def agenda_order(meeting) -> list:
    return list(
        AgendaItem.objects.filter(meeting=meeting)
        .order_by("position")
        .values_list("case", flat=True)
    )


def row_of(html: str, case) -> str:
    """The agenda table row of one case."""
    match = re.search(rf'<tr id="item-{case.uuid}".*?</tr>', html, re.S)
    assert match, f"case {case.uuid} is not on the page"
    return match.group(0)


# --- access -----------------------------------------------------------------------------------


def test_pages_need_clinical_staff(cast, client, meeting):
    paths = [
        reverse("meeting-list"),
        reverse("meeting-detail", args=[meeting.uuid]),
        reverse("readiness-board"),
        reverse("my-invitations"),
    ]
    for path in paths:
        assert client.get(path).status_code == 302  # to the login page
    for user in (cast.patient_user, cast.stranger):
        client.force_login(user)
        for path in paths:
            assert client.get(path).status_code == 403
    client.force_login(cast.surgeon)
    for path in paths:
        assert client.get(path).status_code == 200


def test_outsider_gets_404_for_the_meeting_page(cast, client, meeting):
    client.force_login(cast.outsider)
    assert client.get(reverse("meeting-detail", args=[meeting.uuid])).status_code == 404
    response = client.post(
        reverse("agenda-add", args=[meeting.uuid]), {"add-case": str(ready_case(cast.board).uuid)}
    )
    assert response.status_code == 404


def test_member_reads_the_meeting_but_cannot_edit_it(cast, client, meeting):
    case = ready_case(cast.board)
    client.force_login(cast.surgeon)
    html = page(client, reverse("meeting-detail", args=[meeting.uuid]))
    assert "Add a case" not in html
    assert reverse("agenda-add", args=[meeting.uuid]) not in html
    response = client.post(reverse("agenda-add", args=[meeting.uuid]), {"add-case": str(case.uuid)})
    assert response.status_code == 403
    assert not AgendaItem.objects.exists()
    response = client.post(
        reverse("meeting-create"),
        {
            "meeting-board": cast.board.pk,
            "meeting-date": str(in_days(9).date()),
            "meeting-start_time": "07:30",
            "meeting-end_time": "08:30",
        },
    )
    assert response.status_code == 403
    assert list(Meeting.objects.all()) == [meeting]


# --- upcoming meetings ------------------------------------------------------------------------


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


def _queries(client, path) -> int:
    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx)


def test_meetings_page_query_count_is_constant(cast, coordinator):
    def add_meetings(days):
        for day in days:
            m = MeetingFactory(board=cast.board, starts_at=in_days(day), ends_at=in_days(day, 8))
            services.agenda_item_add(meeting=m, case=ready_case(cast.board), by=cast.coordinator)
            Invitation.objects.create(meeting=m, user=cast.surgeon, discipline="spine_surgery")

    add_meetings([2, 3])
    two = _queries(coordinator, reverse("meeting-list"))
    add_meetings([4, 5, 6, 7, 8, 9])
    assert Meeting.objects.count() == 8
    assert _queries(coordinator, reverse("meeting-list")) == two


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
            "schedule-recurrence": "FREQ=WEEKLY;BYDAY=TU",
            "schedule-local_start_time": "07:30",
            "schedule-duration_minutes": 60,
            "schedule-starts_on": str(timezone.localdate()),
        },
    )
    assert response.status_code == 302
    schedule = BoardSchedule.objects.get()
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
            "schedule-recurrence": "EVERY TUESDAY",
            "schedule-local_start_time": "07:30",
            "schedule-duration_minutes": 60,
            "schedule-starts_on": str(timezone.localdate()),
        },
    )
    assert bad.status_code == 400
    assert "is not NAME=VALUE" in bad.content.decode()
    assert BoardSchedule.objects.count() == 1


# --- the agenda editor ------------------------------------------------------------------------


def add(client, meeting, case, minutes=""):
    return client.post(
        reverse("agenda-add", args=[meeting.uuid]),
        {"add-case": str(case.uuid), "add-minutes_allotted": minutes},
    )


def test_add_a_case_from_the_candidates(cast, coordinator, meeting):
    case = ready_case(cast.board)
    elsewhere = ready_case(cast.other_board)
    html = page(coordinator, reverse("meeting-detail", args=[meeting.uuid]))
    assert f'value="{case.uuid}"' in html
    assert f'value="{elsewhere.uuid}"' not in html
    response = add(coordinator, meeting, case, 15)
    assert response.status_code == 302
    assert AgendaItem.objects.get().minutes_allotted == 15
    html = page(coordinator, reverse("meeting-detail", args=[meeting.uuid]))
    assert f'value="{case.uuid}"' not in html.split('class="add-case"')[-1]  # no longer offered


def test_add_an_unknown_case_is_a_form_error(cast, coordinator, meeting):
    response = coordinator.post(reverse("agenda-add", args=[meeting.uuid]), {"add-case": "x"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert "Case: “x” is not a valid UUID." in html
    assert not AgendaItem.objects.exists()


def test_move_up_and_down_and_remove(cast, coordinator, meeting):
    a, b, c = (ready_case(cast.board) for _ in range(3))
    for case in (a, b, c):
        assert add(coordinator, meeting, case).status_code == 302
    move = lambda case, direction: coordinator.post(  # noqa: E731
        reverse("agenda-move", args=[meeting.uuid, case.uuid]), {"direction": direction}
    )
    assert move(c, "up").status_code == 302
    assert agenda_order(meeting) == [a.pk, c.pk, b.pk]
    move(a, "down")
    assert agenda_order(meeting) == [c.pk, a.pk, b.pk]
    move(c, "up")  # already first: stays
    assert agenda_order(meeting) == [c.pk, a.pk, b.pk]
    assert move(a, "sideways").status_code == 302
    assert agenda_order(meeting) == [c.pk, a.pk, b.pk]
    response = coordinator.post(reverse("agenda-remove", args=[meeting.uuid, a.uuid]))
    assert response.status_code == 302
    assert agenda_order(meeting) == [c.pk, b.pk]
    assert list(AgendaItem.objects.order_by("position").values_list("position", flat=True)) == [
        1,
        2,
    ]
    a.refresh_from_db()
    assert a.status == Case.Status.READY
    html = page(coordinator, reverse("meeting-detail", args=[meeting.uuid]))
    first = row_of(html, c)
    assert 'value="up" class="button button--small" disabled' in first
    assert "Move case 1 down" in first


def test_badges_urgent_late_and_readiness(cast, coordinator, meeting):
    routine = ready_case(cast.board)
    not_ready = CaseFactory(board=cast.board, status=Case.Status.REFERRED)
    compression = ready_case(cast.board, neuro_progression=Case.Progression.DAYS)
    add(coordinator, meeting, routine)
    coordinator.post(reverse("meeting-circulate", args=[meeting.uuid]))
    add(coordinator, meeting, not_ready)
    add(coordinator, meeting, compression)
    assert agenda_order(meeting) == [compression.pk, routine.pk, not_ready.pk]
    html = page(coordinator, reverse("meeting-detail", args=[meeting.uuid]))
    urgent_row = row_of(html, compression)
    assert "Urgent – placed first" in urgent_row
    assert "Cord compression" in urgent_row
    assert "Late addition" in urgent_row
    assert ">Ready<" in row_of(html, routine)
    assert "Late addition" not in row_of(html, routine)
    late_row = row_of(html, not_ready)
    assert "Late addition" in late_row
    assert "Not ready: " in late_row
    assert "Performance status (KPS or ECOG)" in late_row
    assert "Spine MRI (no dated MRI on any lesion)" in late_row
    assert "1 case is not ready" in html
    assert "Agenda circulated" in html


def test_minutes_change_and_overbooking_override(cast, coordinator, meeting):
    a, b = ready_case(cast.board), ready_case(cast.board)
    add(coordinator, meeting, a, 40)
    add(coordinator, meeting, b, 20)
    minutes = reverse("agenda-minutes", args=[meeting.uuid, b.uuid])
    field = f"min-{b.uuid.hex[:12]}-minutes_allotted"
    response = coordinator.post(minutes, {field: 30})
    assert response.status_code == 400
    assert "0 minutes are left on this agenda." in response.content.decode()
    assert AgendaItem.objects.get(case=b).minutes_allotted == 20
    response = coordinator.post(minutes, {field: 0})
    assert response.status_code == 400
    assert AgendaItem.objects.get(case=b).minutes_allotted == 20

    response = coordinator.post(
        reverse("meeting-overbooking", args=[meeting.uuid]), {"overbook-reason": ""}
    )
    assert response.status_code == 400
    response = coordinator.post(
        reverse("meeting-overbooking", args=[meeting.uuid]),
        {"overbook-reason": "Two urgent referrals"},
    )
    assert response.status_code == 302
    assert coordinator.post(minutes, {field: 30}).status_code == 302
    assert AgendaItem.objects.get(case=b).minutes_allotted == 30
    html = page(coordinator, reverse("meeting-detail", args=[meeting.uuid]))
    assert "overbooked by 10 min" in html
    assert "Two urgent referrals" in html


def test_defer_with_a_reason(cast, coordinator, meeting):
    later = MeetingFactory(board=cast.board, starts_at=in_days(12), ends_at=in_days(12, 8, 30))
    case = ready_case(cast.board)
    add(coordinator, meeting, case)
    defer = reverse("agenda-defer", args=[meeting.uuid, case.uuid])
    field = f"defer-{case.uuid.hex[:12]}-reason"
    response = coordinator.post(defer, {field: ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert agenda_order(meeting) == [case.pk]
    response = coordinator.post(defer, {field: "Awaiting MRI"}, follow=True)
    assert "Case deferred to the meeting on" in response.content.decode()
    assert agenda_order(meeting) == []
    assert agenda_order(later) == [case.pk]


def test_invite_and_record_attendance(cast, coordinator):
    start = timezone.now() + dt.timedelta(minutes=30)
    meeting = MeetingFactory(
        board=cast.board, starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    response = coordinator.post(
        reverse("meeting-invite", args=[meeting.uuid]), {"invite-disciplines": []}
    )
    assert response.status_code == 400
    assert "Tick at least one discipline" in response.content.decode()
    response = coordinator.post(
        reverse("meeting-invite", args=[meeting.uuid]),
        {"invite-disciplines": ["spine_surgery", "radiation_oncology"]},
    )
    assert response.status_code == 302
    assert set(meeting.invitations.values_list("discipline", flat=True)) == {
        "spine_surgery",
        "radiation_oncology",
    }
    record = reverse("meeting-attendance-record", args=[meeting.uuid, cast.surgeon.pk])
    assert coordinator.post(record, {f"att-{cast.surgeon.pk}-mode": "remote"}).status_code == 302
    assert Attendance.objects.get(user=cast.surgeon).mode == "remote"
    bad = coordinator.post(record, {f"att-{cast.surgeon.pk}-mode": "asleep"})
    assert bad.status_code == 400
    assert Attendance.objects.get(user=cast.surgeon).mode == "remote"
    html = page(coordinator, reverse("meeting-detail", args=[meeting.uuid]))
    assert "No quorum" in html
    assert "Radiation oncology, Medical oncology" in html  # nobody present for these yet


def test_conflict_warning_on_invite(cast, coordinator, meeting):
    from tests.factories import MembershipFactory

    MembershipFactory(board=cast.other_board, user=cast.surgeon)
    elsewhere = MeetingFactory(
        board=cast.other_board, starts_at=in_days(5, 8, 0), ends_at=in_days(5, 9, 0)
    )
    Invitation.objects.create(meeting=elsewhere, user=cast.surgeon, discipline="spine_surgery")
    response = coordinator.post(
        reverse("meeting-invite", args=[meeting.uuid]),
        {"invite-disciplines": ["spine_surgery"]},
        follow=True,
    )
    html = response.content.decode()
    assert "is also expected at Other Hospital Board" in html
    assert "Also expected at Other Hospital Board" in html


# --- readiness board --------------------------------------------------------------------------


def test_readiness_board_groups_by_state(cast, coordinator, meeting):
    referred = CaseFactory(board=cast.board)
    ready = ready_case(cast.board)
    scheduled = ready_case(cast.board)
    services.agenda_item_add(meeting=meeting, case=scheduled, by=cast.coordinator)
    discussed = ready_case(cast.board, status=Case.Status.DISCUSSED)
    signed = ready_case(cast.board, status=Case.Status.PLAN_SIGNED)
    html = page(coordinator, reverse("readiness-board"))

    def column(state):
        match = re.search(rf'kanban__column--{state}".*?</section>', html, re.S)
        return match.group(0)

    for state, case in (
        ("referred", referred),
        ("ready", ready),
        ("scheduled", scheduled),
        ("discussed", discussed),
        ("follow_up", signed),
    ):
        col = column(state)
        assert reverse("case-detail", args=[case.uuid]) in col
        assert len(re.findall(r'<li class="kanban__card', col)) == 1
    assert "Performance status (KPS or ECOG)" in column("referred")
    assert reverse("meeting-detail", args=[meeting.uuid]) in column("scheduled")


def test_readiness_board_query_count_is_constant(cast, coordinator, meeting):
    for _ in range(3):
        ready_case(cast.board)
    three = _queries(coordinator, reverse("readiness-board"))
    for i in range(9):
        ready_case(cast.board, status=Case.Status.REFERRED if i % 2 else Case.Status.READY)
    assert Case.objects.count() == 12
    assert _queries(coordinator, reverse("readiness-board")) == three


# --- invitations page -------------------------------------------------------------------------


def test_specialist_accepts_and_declines(cast, client, meeting):
    services.invite_members(meeting=meeting, by=cast.coordinator, disciplines=["spine_surgery"])
    invitation = Invitation.objects.get(user=cast.surgeon)
    client.force_login(cast.surgeon)
    html = page(client, reverse("my-invitations"))
    assert reverse("invitation-respond", args=[invitation.pk]) in html
    respond = reverse("invitation-respond", args=[invitation.pk])
    assert client.post(respond, {"response": "accepted"}).status_code == 302
    invitation.refresh_from_db()
    assert invitation.response == Invitation.Response.ACCEPTED
    client.post(respond, {"response": "declined"})
    invitation.refresh_from_db()
    assert invitation.response == Invitation.Response.DECLINED
    # Someone else's invitation is not theirs to answer.
    client.force_login(cast.specialists["radiation_oncology"])
    assert client.post(respond, {"response": "accepted"}).status_code == 404
    invitation.refresh_from_db()
    assert invitation.response == Invitation.Response.DECLINED


# --- two coordinators at once -----------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_moving_at_once_lose_nothing(cast, slow_renumbering):
    from django.test import Client

    from scheduling.tests.test_concurrency import run_concurrently

    start = timezone.now() + dt.timedelta(days=5)
    meeting = MeetingFactory(
        board=cast.board, starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    a, b, c, d, e = (ready_case(cast.board) for _ in range(5))
    for case in (a, b, c, d, e):
        services.agenda_item_add(meeting=meeting, case=case, by=cast.coordinator)
    clients = []
    for user in (cast.coordinator, cast.chair):
        client = Client()
        client.force_login(user)
        clients.append(client)

    def move(client, case, direction):
        return lambda: (
            client.post(
                reverse("agenda-move", args=[meeting.uuid, case.uuid]), {"direction": direction}
            ).status_code
        )

    outcomes = run_concurrently(move(clients[0], e, "up"), move(clients[1], a, "down"))
    assert outcomes == [("ok", 302), ("ok", 302)]
    assert agenda_order(meeting) == [b.pk, a.pk, c.pk, e.pk, d.pk]
    positions = AgendaItem.objects.filter(meeting=meeting).order_by("position")
    assert list(positions.values_list("position", flat=True)) == [1, 2, 3, 4, 5]


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
