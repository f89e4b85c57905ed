"""Celery tasks for cases: keeping stored assessments current. Each receives ids (or nothing) and
calls a service that skips what is already current: safe to run twice, safe to be killed half-way
(each batch commits on its own)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

COMMON = {
    "acks_late": True,
    "time_limit": 1800,
    "soft_time_limit": 1700,
    "autoretry_for": (OperationalError, InterfaceError),
    "max_retries": 3,
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "retry_jitter": True,
}


@shared_task(**COMMON)
def board_assessments_refresh(board_id: int) -> int:
    """After a change to the board's decision-support settings: store its cases' assessments
    again (queued on commit by `scheduling.services.board_settings_update`). Returns how many
    were written."""
    return services.assessments_refresh(board_id=board_id)


@shared_task(**COMMON)
def expired_assessments_refresh() -> int:
    """On beat: store again the assessments whose time-dependent part (Patchell's paraplegia
    duration) has passed its `valid_until`; until then readers compute those on read."""
    return services.expired_assessments_refresh()


@shared_task(
    acks_late=True,
    time_limit=180,
    soft_time_limit=150,
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=3,
    retry_backoff=10,
)
def attachment_previews_make(attachment_id: int) -> str:
    """After an upload commits: the attachment's thumbnail and previews (queued on commit by
    `services.attachment_add`). Returns the preview status."""
    return services.attachment_previews_make(attachment_id=attachment_id)
