"""Celery tasks of the read log. Beat (tumorboard/celery.py) runs the retention purge daily."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import retention


@shared_task(
    acks_late=True,
    time_limit=1800,
    soft_time_limit=1700,
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=3,
    retry_backoff=60,
)
def purge_expired_reads() -> int:
    """Delete read-log rows past READ_LOG_RETENTION_DAYS; safe to run twice or to kill."""
    return retention.purge_expired_reads()
