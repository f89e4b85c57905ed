"""Reads of summaries: staleness, what is due at the opinion deadline, how preparation stands, the
packet; each in a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recommendations.models import Opinion, SummaryPreparation
from recommendations.summaries.preparation import summary_prepare
from recommendations.summaries.selectors import (
    meeting_packet,
    meeting_preparation_progress,
    meetings_due_for_preparation,
    summary_is_stale,
)
from recommendations.summaries.services import meeting_prepare_request
from scheduling.models import Invitation
from tests.agendas import agenda, give_opinion
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db


# --- staleness ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    ["case", "lesion", "new_opinion", "board_setting", "invitation"],
)
def test_each_input_change_makes_the_summary_stale(cast, change):
    meeting, (item,) = agenda(cast.board)
    summary_prepare(item.pk)
    if change == "case":
        item.case.kps = 80
        item.case.save()
    elif change == "lesion":
        lesion = item.case.lesions.get()
        lesion.escc_grade = "1a"
        lesion.save()
    elif change == "new_opinion":
        give_opinion(item, cast.surgeon, ["separation_surgery"])
    elif change == "board_setting":
        cast.board.escc_1c_high_grade = True
        cast.board.save()
    else:
        Invitation.objects.create(
            meeting=meeting, user=cast.specialists["pain_medicine"], discipline="pain_medicine"
        )
    assert summary_is_stale(item) is True


def test_an_opinion_on_another_meeting_does_not_make_it_stale(cast):
    meeting, (item,) = agenda(cast.board)
    summary_prepare(item.pk)
    later = MeetingFactory(board=cast.board, starts_at=meeting.starts_at + dt.timedelta(days=7))
    Opinion.objects.create(
        case=item.case,
        meeting=later,
        author=cast.surgeon,
        discipline="spine_surgery",
        options=["no_surgery"],
        rationale="Later view.",
        confidence="low",
        submitted_at=timezone.now(),
    )
    assert summary_is_stale(item) is False


# --- due at the opinion deadline ---------------------------------------------------------------


def test_meetings_are_due_once_their_opinion_deadline_passes(cast):
    now = timezone.now()
    cast.board.opinion_deadline_hours = 24
    cast.board.save()
    due_meeting, due_items = agenda(
        cast.board,
        2,
        meeting=MeetingFactory(board=cast.board, starts_at=now + dt.timedelta(hours=20)),
    )
    agenda(
        cast.board,
        1,
        meeting=MeetingFactory(board=cast.board, starts_at=now + dt.timedelta(hours=30)),
    )
    # Prepared early (before the deadline): prepared again at the deadline.
    SummaryPreparation.objects.create(
        agenda_item=due_items[0], status="done", requested_at=now - dt.timedelta(hours=10)
    )

    due = meetings_due_for_preparation(now)
    assert [(m.pk, [i.pk for i in items]) for m, items in due] == [
        (due_meeting.pk, [due_items[0].pk, due_items[1].pk])
    ]

    meeting_prepare_request(meeting=due_meeting, by=None, items=due[0][1])
    assert meetings_due_for_preparation(now + dt.timedelta(minutes=5)) == []


# --- progress and the packet -------------------------------------------------------------------


def test_progress_lists_failures_with_their_reason_and_interrupted_runs(cast):
    meeting, items = agenda(cast.board, 3)
    now = timezone.now()
    SummaryPreparation.objects.create(
        agenda_item=items[0], status="failed", error="Timed out after 60 seconds.", attempts=1
    )
    SummaryPreparation.objects.create(
        agenda_item=items[1], status="running", started_at=now - dt.timedelta(hours=1)
    )
    progress = meeting_preparation_progress(meeting)
    assert (progress.failed, progress.not_requested, progress.prepared) == (2, 1, 0)
    reasons = [entry.error for entry in progress.failures]
    assert reasons[0] == "Timed out after 60 seconds."
    assert reasons[1].startswith("Interrupted")


def test_progress_and_packet_queries_do_not_grow_with_the_agenda(cast):
    small, small_items = agenda(cast.board, 2)
    large, large_items = agenda(cast.board, 8)
    for item in [*small_items, *large_items]:
        give_opinion(item, cast.surgeon, ["separation_surgery"])
        summary_prepare(item.pk)

    def count(meeting):
        with CaptureQueriesContext(connection) as queries:
            meeting_preparation_progress(meeting)
            entries = meeting_packet(meeting)
        assert all(entry.summary is not None for entry in entries)
        return len(queries)

    assert count(small) == count(large)
