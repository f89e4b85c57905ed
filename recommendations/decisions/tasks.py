"""Celery tasks of plan follow-through. Ids only; each loads, checks and calls a service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from recommendations.decisions.services import overdue_reminders_send
from scheduling.models import Board

logger = logging.getLogger(__name__)


@shared_task(
    name="recommendations.decisions.tasks.remind_overdue_activities",
    acks_late=True,
    time_limit=300,
    soft_time_limit=240,
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=3,
    retry_backoff=30,
    retry_jitter=True,
)
def remind_overdue_activities() -> int:
    """The beat, hourly: each board's overdue activities are reminded of once a day
    (`services.overdue_reminders_send` claims them); returns how many were reminded of now.
    Safe to run twice and to kill half-way (one transaction per board)."""
    reminded = 0
    for board in Board.objects.order_by("pk"):
        reminded += overdue_reminders_send(board=board)
    return reminded
