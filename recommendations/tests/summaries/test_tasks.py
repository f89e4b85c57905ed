"""The tasks that ask for preparation (run eagerly here): a meeting's agenda, the opinion deadline,
a changed case."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.utils import timezone

from cases import services as case_services
from cases.services import REFRESH_CASE_SUMMARIES
from recommendations.models import PreMeetingSummary, SummaryPreparation
from recommendations.opinions import services as opinion_services
from recommendations.summaries.preparation import (
    prepare_agenda_item_summary,
    prepare_summary_batch,
    summary_prepare,
)
from recommendations.summaries.selectors import meeting_preparation_progress, summary_is_stale
from recommendations.summaries.services import DEBOUNCE_SECONDS, preparations_reclaim_stuck
from recommendations.summaries.tasks import (
    prepare_due_meetings,
    prepare_meeting_summaries,
    reclaim_stuck_preparations,
    refresh_case_summaries,
)
from tests.agendas import agenda
from tests.factories import MeetingFactory
from tumorboard.celery import app

pytestmark = pytest.mark.django_db


# --- a meeting's agenda, and the opinion deadline ----------------------------------------------


def test_the_meeting_task_prepares_every_item_in_batches(
    cast, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.SUMMARY_BATCH_SIZE = 2
    meeting, items = agenda(cast.board, 3)
    sent = []
    real = prepare_summary_batch.apply_async
    monkeypatch.setattr(
        prepare_summary_batch,
        "apply_async",
        lambda args, **options: sent.append(args) or real(args=args, **options),
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert prepare_meeting_summaries.apply(args=[meeting.pk]).get() == 3
    assert len(callbacks) == 2
    assert sent == [[[items[0].pk, items[1].pk]], [[items[2].pk]]]  # ids only, agenda order
    progress = meeting_preparation_progress(meeting)
    assert (progress.prepared, progress.total) == (3, 3)


def test_the_meeting_task_ignores_a_cancelled_meeting(cast):
    meeting, items = agenda(cast.board, 1)
    meeting.status = "cancelled"
    meeting.save()
    assert prepare_meeting_summaries.apply(args=[meeting.pk]).get() == 0
    assert SummaryPreparation.objects.count() == 0


def test_beat_prepares_meetings_at_their_opinion_deadline(cast, django_capture_on_commit_callbacks):
    now = timezone.now()
    due, due_items = agenda(
        cast.board,
        2,
        meeting=MeetingFactory(board=cast.board, starts_at=now + dt.timedelta(hours=2)),
    )
    later, later_items = agenda(
        cast.board,
        1,
        meeting=MeetingFactory(board=cast.board, starts_at=now + dt.timedelta(days=3)),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert prepare_due_meetings.apply().get() == 2
    assert PreMeetingSummary.objects.filter(agenda_item__meeting=due).count() == 2
    assert PreMeetingSummary.objects.filter(agenda_item__meeting=later).count() == 0
    # The next beat finds nothing new to do.
    assert prepare_due_meetings.apply().get() == 0


def test_the_beat_schedule_runs_the_deadline_task():
    entries = [entry["task"] for entry in app.conf.beat_schedule.values()]
    assert "recommendations.summaries.tasks.prepare_due_meetings" in entries


# --- a changed case ------------------------------------------------------------------------------


def test_the_refresh_task_answers_to_the_name_cases_and_opinions_send():
    assert refresh_case_summaries.name == REFRESH_CASE_SUMMARIES
    # Registered in any process once Django is set up, not only in a worker: a web process that
    # has imported nothing of the summaries yet resolves the name (RecommendationsConfig.ready).
    probe = (
        "import django, sys; django.setup(); from celery import current_app; "
        f"sys.exit(0 if {REFRESH_CASE_SUMMARIES!r} in current_app.tasks else 1)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tumorboard.settings"}
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=settings.BASE_DIR, env=env, check=False
    )
    assert done.returncode == 0


@pytest.fixture
def refreshes(monkeypatch):
    """The case ids the refresh task is sent for (not run)."""
    sent = []
    monkeypatch.setattr(
        refresh_case_summaries, "apply_async", lambda args, **options: sent.append(args)
    )
    return sent


def test_a_change_to_a_case_sends_the_refresh_on_commit(
    cast, refreshes, django_capture_on_commit_callbacks
):
    meeting, (item,) = agenda(cast.board)
    case = item.case
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case_services.case_update(
            case=case, expected_version=case.version, by=cast.coordinator, kps=80
        )
        lesion = case_services.lesion_add(case=case, by=cast.surgeon, level="L2")
        case_services.lesion_update(
            lesion=lesion, expected_version=lesion.version, by=cast.surgeon, notes="Lytic."
        )
        case_services.lesion_remove(lesion=lesion, expected_version=2, by=cast.surgeon)
        case_services.prior_treatment_add(
            case=case,
            by=cast.surgeon,
            kind="surgery",
            level_from="T9",
            treated_on=dt.date(2024, 5, 1),
        )
    assert refreshes == []  # nothing is sent before the commit
    for callback in callbacks:
        callback()
    assert refreshes == [[case.pk]] * 5


def test_an_opinion_given_or_revised_sends_the_refresh_on_commit(
    cast, refreshes, django_capture_on_commit_callbacks
):
    meeting, (item,) = agenda(cast.board)
    fields = {
        "options": ["separation_surgery"],
        "rationale": "Decompress, then SBRT.",
        "confidence": "high",
    }
    with django_capture_on_commit_callbacks(execute=True):
        opinion = opinion_services.opinion_submit(
            case=item.case, meeting=meeting, author=cast.surgeon, **fields
        )
    with django_capture_on_commit_callbacks(execute=True):
        opinion_services.opinion_revise(
            opinion=opinion, by=cast.surgeon, expected_revision=1, options=["no_surgery"]
        )
    assert refreshes == [[item.case_id], [item.case_id]]


def test_the_refresh_queues_the_prepared_items_of_the_case_with_a_delay(
    cast, monkeypatch, django_capture_on_commit_callbacks
):
    meeting, (item, other) = agenda(cast.board, 2)
    summary_prepare(item.pk)
    summary_prepare(other.pk)
    sent = []
    monkeypatch.setattr(
        prepare_agenda_item_summary,
        "apply_async",
        lambda args, **options: sent.append((args, options)),
    )
    item.case.kps = 80
    item.case.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert refresh_case_summaries.apply(args=[item.case_id]).get() == 1
    assert sent == [([item.pk], {"countdown": DEBOUNCE_SECONDS})]
    assert SummaryPreparation.objects.get(agenda_item=item).status == "queued"
    assert SummaryPreparation.objects.get(agenda_item=other).status == "done"


def test_a_change_to_a_prepared_case_makes_a_new_version_in_process(
    cast, django_capture_on_commit_callbacks
):
    """As under the embedded default (tasks run in the sending process): the change commits,
    the refresh runs, and the regenerated summary is there."""
    meeting, (item,) = agenda(cast.board)
    summary_prepare(item.pk)
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_update(
            case=item.case, expected_version=item.case.version, by=cast.coordinator, kps=80
        )
    assert summary_is_stale(item) is False
    latest = PreMeetingSummary.objects.filter(agenda_item=item).order_by("-version").first()
    assert latest.version == 2
    assert latest.content["case"]["performance"]["kps"] == 80


# --- work a dead worker left "running" ----------------------------------------------------------


def _stuck(item, *, seconds_ago: int) -> None:
    SummaryPreparation.objects.update_or_create(
        agenda_item=item,
        defaults={
            "status": SummaryPreparation.Status.RUNNING,
            "attempts": 1,
            "started_at": timezone.now() - dt.timedelta(seconds=seconds_ago),
        },
    )


def test_preparations_stuck_past_their_lease_are_prepared_again_once(
    cast, settings, django_capture_on_commit_callbacks
):
    settings.SUMMARY_PREPARATION_LEASE_SECONDS = 300
    meeting, (stuck, live) = agenda(cast.board, 2)
    _stuck(stuck, seconds_ago=301)
    _stuck(live, seconds_ago=200)  # within its lease: its worker may still be at it
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert reclaim_stuck_preparations.apply().get() == 1
    assert len(callbacks) == 1
    assert PreMeetingSummary.objects.filter(agenda_item=stuck).count() == 1
    assert PreMeetingSummary.objects.filter(agenda_item=live).count() == 0
    preparation = SummaryPreparation.objects.get(agenda_item=stuck)
    assert (preparation.status, preparation.attempts) == (SummaryPreparation.Status.DONE, 2)
    assert SummaryPreparation.objects.get(agenda_item=live).status == "running"
    # Run again (a second beat): nothing left to reclaim.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert reclaim_stuck_preparations.apply().get() == 0
    assert callbacks == []


def test_a_stuck_item_claimed_again_meanwhile_is_not_reclaimed(
    cast, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """The conditional UPDATE names the claim it saw: a redelivered message that claimed the item
    between the read and the update keeps it."""
    meeting, (item,) = agenda(cast.board, 1)
    _stuck(item, seconds_ago=600)
    real_filter = SummaryPreparation.objects.filter

    def claim_meanwhile(*args, **kwargs):
        if "attempts" in kwargs:  # the reclaim's conditional UPDATE: another run claims first
            SummaryPreparation.objects.all().update(attempts=2, started_at=timezone.now())
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(SummaryPreparation.objects, "filter", claim_meanwhile)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert preparations_reclaim_stuck() == []
    assert callbacks == []
    assert SummaryPreparation.objects.get(agenda_item=item).error == ""


def test_reclaiming_is_on_the_beat_schedule():
    entries = [entry["task"] for entry in app.conf.beat_schedule.values()]
    assert reclaim_stuck_preparations.name in entries
