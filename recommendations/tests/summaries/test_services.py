"""Asking for preparation: a meeting's agenda, a retry, a refresh after a change; on commit, by
whom, and with the debounce delay."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from recommendations.models import PreMeetingSummary, SummaryPreparation
from recommendations.summaries.preparation import prepare_agenda_item_summary, summary_prepare
from recommendations.summaries.selectors import meeting_preparation_progress
from recommendations.summaries.services import (
    DEBOUNCE_SECONDS,
    meeting_prepare_request,
    preparation_retry,
    summaries_refresh_for_case,
)
from tests.agendas import agenda
from tumorboard.errors import ApplicationError, ConflictError

pytestmark = pytest.mark.django_db


# --- requesting a meeting's preparation, and a retry -------------------------------------------


def test_meeting_prepare_request_queues_every_item_and_enqueues_on_commit(
    cast, django_capture_on_commit_callbacks
):
    meeting, items = agenda(cast.board, 3)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        progress = meeting_prepare_request(meeting=meeting, by=cast.coordinator)
    assert len(callbacks) == 1  # one batch (SUMMARY_BATCH_SIZE is larger)
    assert (progress.total, progress.queued, progress.prepared) == (3, 3, 0)
    assert PreMeetingSummary.objects.count() == 0  # nothing runs before the commit

    for callback in callbacks:  # eager Celery in tests: the tasks run here
        callback()
    progress = meeting_preparation_progress(meeting)
    assert (progress.total, progress.prepared, progress.failed) == (3, 3, 0)
    assert progress.complete is True
    assert [entry.version for entry in progress.items] == [1, 1, 1]


def test_a_closed_meeting_cannot_be_prepared(cast):
    meeting, items = agenda(cast.board, 1)
    meeting.status = "closed"
    meeting.save()
    with pytest.raises(ApplicationError, match="closed"):
        meeting_prepare_request(meeting=meeting, by=cast.coordinator)


def test_retry_is_for_failed_items_only(cast, django_capture_on_commit_callbacks):
    meeting, (item,) = agenda(cast.board)
    SummaryPreparation.objects.create(agenda_item=item, status="done", requested_at=timezone.now())
    with pytest.raises(ConflictError):
        preparation_retry(agenda_item=item, by=cast.coordinator)

    SummaryPreparation.objects.filter(agenda_item=item).update(status="failed", error="x")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        preparation_retry(agenda_item=item, by=cast.coordinator)
    assert len(callbacks) == 1
    prepared = SummaryPreparation.objects.get(agenda_item=item)
    assert (prepared.status, prepared.error) == ("done", "")
    assert PreMeetingSummary.objects.filter(agenda_item=item).count() == 1


@pytest.mark.parametrize("who", ["surgeon", "outsider", "patient_user"])
def test_only_the_boards_coordinators_and_chairs_may_ask(cast, who):
    """The services check their actor, so a page or endpoint cannot forget to."""
    meeting, (item,) = agenda(cast.board)
    with pytest.raises(PermissionDenied):
        meeting_prepare_request(meeting=meeting, by=getattr(cast, who))
    SummaryPreparation.objects.create(agenda_item=item, status="failed", error="x")
    with pytest.raises(PermissionDenied):
        preparation_retry(agenda_item=item, by=getattr(cast, who))
    assert SummaryPreparation.objects.get(agenda_item=item).status == "failed"
    meeting_prepare_request(meeting=meeting, by=cast.chair)  # allowed: a chair of the board
    assert SummaryPreparation.objects.get(agenda_item=item).status == "queued"


# --- regeneration after a change ---------------------------------------------------------------


def test_a_case_change_schedules_a_delayed_regeneration_on_commit(
    cast, monkeypatch, django_capture_on_commit_callbacks
):
    meeting, (item,) = agenda(cast.board)
    summary_prepare(item.pk)
    sent = []
    monkeypatch.setattr(
        prepare_agenda_item_summary,
        "apply_async",
        lambda args, **options: sent.append((args, options)),
    )
    item.case.kps = 80
    item.case.save()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert summaries_refresh_for_case(item.case_id) == [item.pk]
    assert sent == []  # nothing is sent before the commit
    for callback in callbacks:
        callback()
    assert sent == [([item.pk], {"countdown": DEBOUNCE_SECONDS})]
    assert SummaryPreparation.objects.get(agenda_item=item).status == "queued"


def test_repeated_changes_within_the_delay_make_one_new_version(
    cast, django_capture_on_commit_callbacks
):
    meeting, (item,) = agenda(cast.board)
    summary_prepare(item.pk)
    callbacks = []
    for kps in (80, 90, 60):
        item.case.kps = kps
        item.case.save()
        with django_capture_on_commit_callbacks(execute=False) as captured:
            summaries_refresh_for_case(item.case_id)
        callbacks += captured
    assert SummaryPreparation.objects.get(agenda_item=item).status == "queued"
    for callback in callbacks:  # the delayed tasks, run after the last change
        callback()
    versions = list(PreMeetingSummary.objects.filter(agenda_item=item).values_list("version"))
    assert versions == [(2,), (1,)]
    latest = PreMeetingSummary.objects.get(agenda_item=item, version=2)
    assert latest.content["case"]["performance"]["kps"] == 60


def test_refresh_ignores_items_never_requested_and_closed_meetings(cast):
    meeting, (item,) = agenda(cast.board)
    assert summaries_refresh_for_case(item.case_id) == []
    summary_prepare(item.pk)
    meeting.status = "cancelled"
    meeting.save()
    assert summaries_refresh_for_case(item.case_id) == []
