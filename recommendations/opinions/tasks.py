"""Celery tasks for opinions: the beat task that reminds specialists of opinions still owed.

It receives nothing, loads fresh rows and calls `services.opinion_reminders_send`, which sends
each reminder at most once: safe to run twice, safe to be killed half-way.
"""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from recommendations.opinions.services import (
    REMIND_BEFORE_DEADLINE,
    opinion_reminders_due,
    opinion_reminders_send,
)
from scheduling.selectors import planned_meetings_within_lead_time


# Transient database trouble is retried a few times with back-off.
@shared_task(
    acks_late=True,
    time_limit=300,
    soft_time_limit=240,
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=3,
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
)
def send_due_opinion_reminders() -> int:
    """Remind specialists of opinions still missing for meetings whose opinion deadline
    (start − board.opinion_deadline_hours) is at most 12 hours away, or passed, and that have not
    started. Returns the number of reminders created now; a second run creates none."""
    sent = 0
    candidates = planned_meetings_within_lead_time("opinion_deadline_hours", REMIND_BEFORE_DEADLINE)
    for meeting in candidates:
        if opinion_reminders_due(meeting):
            sent += len(opinion_reminders_send(meeting=meeting))
    return sent
