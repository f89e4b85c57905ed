"""The worklist at "/": each role lands on its own (issue 14). Cross-app: the sections come from
the opinions, decisions and scheduling selectors."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from recommendations.models import ConsensusPlan, FollowUp, PlanActivity
from scheduling.selectors import WORKLIST_LIMIT
from scheduling.tests.helpers import ready_case
from tests.factories import AgendaItemFactory, BoardFactory, CaseFactory, MeetingFactory
from tests.meeting_mode import scheduled_case, started_agenda, started_meeting
from tests.worklists import board_week, plan_row

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def week(cast, meeting):
    return board_week(cast, meeting)


def _page(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def _section(html: str, section_id: str) -> str:
    found = re.search(rf'<section[^>]*id="{section_id}".*?</section>', html, re.S)
    return found.group(0) if found else ""


def test_specialist_sees_opinions_due_overdue_first_and_their_activities(cast, week, client_for):
    html = _page(client_for(cast.surgeon))
    due = _section(html, "opinions-due")
    assert "1 overdue" in due
    overdue_at = due.index("OVERDUE, Olive")
    assert overdue_at < due.index("LATER, Lee")
    overdue_row = due[due.rindex("<tr", 0, overdue_at) : due.index("</tr>", overdue_at)]
    assert 'class="row--overdue"' in overdue_row and ">Overdue</span>" in overdue_row
    # The due date and time: the meeting's start less the board's 24 hours, in London time.
    due_at = timezone.localtime(week.meeting.starts_at - dt.timedelta(hours=24))
    assert due_at.strftime("%a %-d %b %Y, %H:%M") in due
    assert reverse("opinion-form", args=[week.soon.uuid, week.overdue_case.uuid]) in due
    assert "GIVEN, Gil" not in due  # their opinion is in
    activities = _section(html, "plan-activities")
    assert "Posterior fixation T9-T11" in activities and "Post-operative CT" in activities
    assert "SBRT to T10" not in activities  # radiation oncology's
    assert activities.index("Posterior fixation") < activities.index("Post-operative CT")
    assert reverse("plan-page", args=[week.signed.uuid]) in activities
    for other in ("readiness-gaps", "ready-unscheduled", "meetings-to-run", "plans-to-sign"):
        assert _section(html, other) == ""


def test_coordinator_sees_gaps_ready_cases_and_upcoming_meetings(cast, week, client_for):
    html = _page(client_for(cast.coordinator))
    gaps = _section(html, "readiness-gaps")
    assert "GAP, Greta" in gaps and "Spine MRI" in gaps
    assert reverse("readiness-board") in gaps
    ready = _section(html, "ready-unscheduled")
    assert "WAITING, Walt" in ready
    # Its link goes to the board's next planned meeting, where it can be added.
    assert reverse("meeting-detail", args=[week.soon.uuid]) + "#agenda" in ready
    assert "LATER, Lee" not in ready  # already scheduled
    upcoming = _section(html, "upcoming-meetings")
    row = upcoming[upcoming.index(reverse("meeting-detail", args=[week.meeting.uuid])) :]
    row = row[: row.index("</tr>")]
    # Two cases; five specialists and the chair owe opinions on both, less the surgeon's one.
    assert re.findall(r'class="num">(?:<span class="tag tag--warn">)?(\d+)', row) == ["2", "11"]
    assert _section(html, "opinions-due") == "" and _section(html, "plans-to-sign") == ""


def test_chair_sees_meetings_to_run_and_plans_to_sign(cast, week, client_for):
    html = _page(client_for(cast.chair))
    meetings = _section(html, "meetings-to-run")
    assert reverse("meeting-run", args=[week.started.uuid]) in meetings
    assert "Continue the meeting" in meetings and "Open the meeting screen" in meetings
    plans = _section(html, "plans-to-sign")
    assert "UNSIGNED," in plans and "SIGNED, Sam" not in plans
    assert f"{reverse('meeting-run', args=[week.started.uuid])}?item=1#plan" in plans
    # The chair is also a medical oncologist: their own opinions due are listed too.
    assert "OVERDUE, Olive" in _section(html, "opinions-due")


def test_another_boards_staff_see_nothing_of_this_board(cast, week, client_for):
    html = _page(client_for(cast.outsider))
    for name in ("OVERDUE", "LATER", "Posterior fixation", "GAP", "WAITING", "UNSIGNED"):
        assert name not in html
    assert "No opinion due" in html


def test_patient_and_stranger_keep_their_answers(cast, client_for):
    assert client_for(cast.patient_user).get("/")["Location"] == reverse("my-summaries")
    assert client_for(cast.stranger).get("/").status_code == 403
    assert client_for().get("/")["Location"] == reverse("login")


# --- bounded: no worklist grows with the rows it does not show -----------------------------------

MORE = WORKLIST_LIMIT + 3


def _fill(cast, *, board, chair, n: int) -> None:
    """n of every kind of row each section lists, on `board`."""
    now = timezone.now()
    for i in range(n):
        meeting = MeetingFactory(
            board=board,
            starts_at=now + dt.timedelta(days=10 + i, hours=1),
            ends_at=now + dt.timedelta(days=10 + i, hours=2),
        )
        AgendaItemFactory(meeting=meeting, case=scheduled_case(board), position=1)
        ready_case(board)
        CaseFactory(board=board, status="referred")
        started, (item,) = started_agenda(
            board,
            meeting=started_meeting(
                board,
                starts_at=now - dt.timedelta(days=1, minutes=i),
                ends_at=now - dt.timedelta(hours=23, minutes=i),
            ),
        )
        plan_row(item, chair=chair, status=ConsensusPlan.Status.DRAFT)
        signed = plan_row(
            AgendaItemFactory(meeting=started, case=scheduled_case(board), position=2),
            chair=chair,
        )
        PlanActivity.objects.create(
            plan=signed,
            kind=PlanActivity.Kind.IMAGING,
            description=f"Follow-up MRI {i}",
            responsible_discipline="spine_surgery",
            due_date=timezone.localdate() + dt.timedelta(days=30 + i),
        )
        FollowUp.objects.create(  # a missing follow-up (the coordinator's)
            case=signed.decision.agenda_item.case,
            plan=signed,
            timepoint_days=42,
            due_on=timezone.localdate() - dt.timedelta(days=1 + i),
        )


def _measure(client) -> tuple[int, int]:
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return len(response.content), len(queries)


def test_no_worklist_grows_with_rows_it_does_not_show(cast, week, client_for):
    _fill(cast, board=cast.board, chair=cast.chair, n=MORE)
    people = {"specialist": cast.surgeon, "coordinator": cast.coordinator, "chair": cast.chair}
    before = {role: _measure(client_for(user)) for role, user in people.items()}

    _fill(cast, board=cast.board, chair=cast.chair, n=MORE)
    _fill(cast, board=cast.other_board, chair=cast.outsider, n=MORE)
    _fill(cast, board=BoardFactory(name="Third board"), chair=cast.outsider, n=MORE)

    for role, user in people.items():
        (size_before, queries_before), (size_after, queries_after) = (
            before[role],
            _measure(client_for(user)),
        )
        assert queries_after == queries_before, f"{role}: {queries_before} → {queries_after}"
        # Counts gain a digit ("23" → "36"); the rows shown are the same number.
        assert abs(size_after - size_before) <= 200, f"{role}: {size_before} → {size_after}"


def test_each_section_lists_its_first_rows_and_counts_the_rest(cast, week, client_for):
    _fill(cast, board=cast.board, chair=cast.chair, n=MORE)
    html = _page(client_for(cast.chair))
    plans = _section(html, "plans-to-sign")
    assert plans.count("Review and sign") == WORKLIST_LIMIT
    assert f'<span class="tag">{MORE + 1}</span>' in plans
    assert "and 4 more." in plans
    coordinator = _page(client_for(cast.coordinator))
    ready = _section(coordinator, "ready-unscheduled")
    assert ready.count("<tr>") == WORKLIST_LIMIT + 1  # and the head
    assert f'<span class="tag">{MORE + 1}</span>' in ready
