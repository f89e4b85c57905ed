"""Rows older than READ_LOG_RETENTION_DAYS are purged, in batches; younger ones stay."""

from __future__ import annotations

from audit import tasks
from audit.models import ReadEvent
from audit.retention import purge_expired_reads

from .conftest import days_ago


def test_purge_deletes_only_rows_past_retention(read_event, settings):
    settings.READ_LOG_RETENTION_DAYS = 30
    old = [read_event(at=days_ago(31 + i)) for i in range(5)]
    young = read_event(at=days_ago(29))
    assert purge_expired_reads(batch_size=2) == 5  # three batches: 2, 2, 1
    assert not ReadEvent.objects.filter(pk__in=[row.pk for row in old]).exists()
    assert ReadEvent.objects.filter(pk=young.pk).exists()
    # Idempotent: a second run finds nothing.
    assert purge_expired_reads() == 0
    assert ReadEvent.objects.count() == 1


def test_the_beat_task_purges(read_event, settings):
    settings.READ_LOG_RETENTION_DAYS = 365
    read_event(at=days_ago(400))
    keep = read_event(at=days_ago(10))
    assert tasks.purge_expired_reads.apply().get() == 1
    assert list(ReadEvent.objects.values_list("pk", flat=True)) == [keep.pk]


def test_beat_runs_the_purge():
    from tumorboard.celery import app

    names = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "audit.tasks.purge_expired_reads" in names
