"""The specialist's opinions due (`opinions_owed`, `opinions_due`) and the bulk count of missing
opinions (`missing_opinions_by_meeting`): one rule with `specialists_missing_opinions`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recommendations.opinions.selectors import (
    missing_opinions_by_meeting,
    opinions_due,
    opinions_owed,
    specialists_missing_opinions,
)
from scheduling.models import Invitation, Meeting
from tests.factories import AgendaItemFactory, CaseFactory, MeetingFactory
from tests.meeting_mode import give_opinion

pytestmark = pytest.mark.django_db


def _meeting(board, hours: float, **fields) -> Meeting:
    start = timezone.now() + dt.timedelta(hours=hours)
    return MeetingFactory(
        board=board, starts_at=start, ends_at=start + dt.timedelta(hours=1), **fields
    )


def _item(meeting, position=1):
    return AgendaItemFactory(
        meeting=meeting, case=CaseFactory(board=meeting.board), position=position
    )


@pytest.fixture
def meetings(cast):
    """An uninviting meeting in three days, one inviting some people in two days, one in ten
    hours (opinions overdue), one started, one cancelled and one of another board."""
    board = cast.board
    plain = _meeting(board, 72)
    inviting = _meeting(board, 48)
    soon = _meeting(board, 10)
    started = _meeting(board, -0.5, status=Meeting.Status.IN_PROGRESS)
    cancelled = _meeting(board, 30, status=Meeting.Status.CANCELLED)
    elsewhere = _meeting(cast.other_board, 40)
    for meeting in (plain, inviting, soon, started, cancelled, elsewhere):
        _item(meeting, 1)
        _item(meeting, 2)
    Invitation.objects.create(
        meeting=inviting, user=cast.surgeon, response=Invitation.Response.ACCEPTED
    )
    Invitation.objects.create(
        meeting=inviting,
        user=cast.specialists["radiation_oncology"],
        response=Invitation.Response.DECLINED,
    )
    Invitation.objects.create(
        meeting=inviting, user=cast.chair, response=Invitation.Response.PENDING
    )
    give_opinion(plain.agenda_items.get(position=2), cast.surgeon, ["surgery"])
    return {
        "plain": plain,
        "inviting": inviting,
        "soon": soon,
        "started": started,
        "elsewhere": elsewhere,
    }


def test_opinions_owed_is_specialists_missing_opinions_asked_per_user(cast, meetings):
    planned = [meetings[name] for name in ("plain", "inviting", "soon", "elsewhere")]
    expected: dict[int, set] = {}
    for meeting in planned:
        for missing in specialists_missing_opinions(meeting):
            expected.setdefault(missing.user.pk, set()).add((meeting.pk, missing.case.pk))
    people = [cast.chair, cast.coordinator, cast.outsider, *cast.specialists.values()]
    for user in people:
        owed = {(item.meeting_id, item.case_id) for item in opinions_owed(user)}
        assert owed == expected.get(user.pk, set()), user.username
    # The rule's corners, spelled out: the surgeon owes the inviting meeting's two cases, the
    # plain meeting's first (the second has their opinion) and the soon one's two.
    assert len(expected[cast.surgeon.pk]) == 5
    assert cast.specialists["radiation_oncology"].pk in expected  # the plain and soon meetings
    assert not any(
        meeting == meetings["inviting"].pk
        for meeting, _ in expected[cast.specialists["radiation_oncology"].pk]
    )


def test_opinions_due_overdue_first_with_the_boards_deadline(cast, meetings):
    cast.board.opinion_deadline_hours = 48
    cast.board.save()
    due = opinions_due(user=cast.surgeon)
    assert (due.count, due.overdue) == (5, 4)  # the soon and inviting meetings' are past due
    assert [row.meeting for row in due.rows] == [meetings["soon"]] * 2 + [
        meetings["inviting"]
    ] * 2 + [meetings["plain"]]
    assert [row.overdue for row in due.rows] == [True] * 4 + [False]
    first = due.rows[0]
    assert first.due_at == meetings["soon"].starts_at - dt.timedelta(hours=48)
    assert [row.item.position for row in due.rows[:2]] == [1, 2]


def test_opinions_due_lists_the_first_and_counts_all(cast, meetings):
    due = opinions_due(user=cast.surgeon, limit=2)
    assert (len(due.rows), due.count, due.more) == (2, 5, 3)


def test_no_opinions_due_from_who_gives_none(cast, meetings):
    assert opinions_due(user=cast.coordinator).count == 0
    cast.surgeon.is_active = False
    assert opinions_owed(cast.surgeon).count() == 0


def test_opinions_due_takes_two_queries_however_many_cases(cast, meetings):
    opinions_due(user=cast.surgeon)  # the user's roles and profile, loaded once per request
    with CaptureQueriesContext(connection) as few:
        opinions_due(user=cast.surgeon)
    for position in range(3, 18):
        _item(meetings["plain"], position)
    with CaptureQueriesContext(connection) as many:
        due = opinions_due(user=cast.surgeon)
    assert due.count == 20
    assert len(many) == len(few) == 2


def test_missing_opinions_by_meeting_matches_one_meeting_at_a_time(cast, meetings):
    every = list(meetings.values())
    with CaptureQueriesContext(connection) as queries:
        together = missing_opinions_by_meeting(every)
    assert len(queries) <= 5
    for meeting in every:
        alone = specialists_missing_opinions(meeting)
        assert [(m.user.pk, m.case.pk, m.discipline) for m in together[meeting.pk]] == [
            (m.user.pk, m.case.pk, m.discipline) for m in alone
        ]
    assert missing_opinions_by_meeting([]) == {}
