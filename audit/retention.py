"""The read log's retention: rows older than READ_LOG_RETENTION_DAYS are deleted, in batches.

The only deletion the log allows. On PostgreSQL the append-only trigger lets a DELETE through only
in a transaction that has set `audit.purge` (SET LOCAL: it ends with the transaction), which only
this function does.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import ReadEvent

PURGE_SWITCH = "SET LOCAL audit.purge = 'on'"


def retention_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=settings.READ_LOG_RETENTION_DAYS)


def purge_expired_reads(*, now: dt.datetime | None = None, batch_size: int = 5000) -> int:
    """Delete the rows older than the retention period, `batch_size` per transaction (short
    locks, and a run killed half-way keeps what it deleted); returns how many. Idempotent."""
    cutoff = retention_cutoff(now)
    table = ReadEvent._meta.db_table
    deleted = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(PURGE_SWITCH)
            cursor.execute(
                f"DELETE FROM {table} WHERE id IN "  # noqa: S608 (the table name is ours)
                f"(SELECT id FROM {table} WHERE at < %s ORDER BY at LIMIT %s)",
                [cutoff, batch_size],
            )
            count = cursor.rowcount
        deleted += count
        if count < batch_size:
            return deleted
