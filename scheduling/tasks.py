"""Celery tasks for meeting coordination. Each receives ids (or nothing), loads fresh rows, checks
their state and calls a service: safe to run twice, safe to be killed half-way.

Beat (tumorboard/celery.py) runs `circulate_due_agendas` every 15 minutes and `generate_meetings`
daily; the opinion reminders are `recommendations.opinions.tasks`. The notification e-mail task
lives beside `notify` in notifications.py (under its historical name
"scheduling.tasks.send_notification_email").
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from tumorboard.errors import ApplicationError

from . import services
from .models import BoardSchedule
from .rules import board_today, circulation_time
from .selectors import planned_meetings_within_lead_time

logger = logging.getLogger(__name__)

GENERATE_WEEKS_AHEAD = 12
# Transient database trouble is retried a few times with back-off; bad data is logged, not retried.
COMMON = {
    "acks_late": True,
    "time_limit": 300,
    "soft_time_limit": 240,
    "autoretry_for": (OperationalError, InterfaceError),
    "max_retries": 3,
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "retry_jitter": True,
}


@shared_task(**COMMON)
def generate_meetings() -> int:
    """Create the meetings of every active schedule for the next 12 weeks; returns how many.

    Idempotent: `services.meetings_generate` skips starts that already have a meeting.
    """
    created = 0
    for schedule_id in BoardSchedule.objects.filter(active=True).values_list("pk", flat=True):
        schedule = BoardSchedule.objects.select_related("board").filter(pk=schedule_id).first()
        if schedule is None or not schedule.active:
            continue
        until = board_today(schedule.board) + dt.timedelta(weeks=GENERATE_WEEKS_AHEAD)
        try:
            created += len(services.meetings_generate(schedule=schedule, until=until))
        except ApplicationError as exc:
            logger.warning("schedule %s not generated: %s %s", schedule_id, exc.message, exc.fields)
    return created


@shared_task(**COMMON)
def circulate_due_agendas() -> int:
    """Circulate every agenda whose circulation time (start − board.agenda_circulation_hours) has
    passed and that was not circulated yet; returns how many were circulated now.

    Idempotent: `services.agenda_circulate` locks the meeting and does nothing the second time,
    and each notification has its own dedupe key.
    """
    now = timezone.now()
    circulated = 0
    due = planned_meetings_within_lead_time("agenda_circulation_hours").filter(
        agenda_circulated_at__isnull=True
    )
    for meeting in due:
        if circulation_time(meeting) > now:
            continue
        try:
            circulated += services.agenda_circulate(meeting=meeting, by=None)
        except ApplicationError as exc:  # e.g. cancelled meanwhile
            logger.info("agenda of meeting %s not circulated: %s", meeting.pk, exc.message)
    return circulated
