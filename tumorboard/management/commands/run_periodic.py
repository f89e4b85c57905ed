"""`manage.py run_periodic`: celery beat's schedule, run in this process when there is no broker.

`make run` (the embedded default: SQLite, tasks run in-process) starts it beside the web server,
so what beat does in production still happens on a first run: pre-meeting summaries prepared at
each meeting's opinion deadline, opinion reminders, agenda circulation, meeting generation and
the refresh of expired assessments. With a broker configured, beat runs beside the worker
(`make worker`) and this command stops at once, so nothing is sent twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from celery.schedules import crontab
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from tumorboard.celery import app

logger = logging.getLogger(__name__)


def run_task(name: str) -> None:
    """Run one beat task here and now; a failure is logged and the next entry still runs."""
    try:
        app.tasks[name].apply(throw=True)
    except Exception:
        logger.exception("periodic task %s failed; it runs again at its next time", name)


def next_run(schedule: crontab, *, after: datetime) -> datetime:
    """The first time a beat crontab fires after `after`, by celery's own arithmetic."""
    start, delta, _ = schedule.remaining_delta(after)
    return start + delta


class Periodic:
    """Each beat entry runs once at start (every beat task is idempotent, so work that came due
    while nothing ran is done now) and then whenever its schedule comes round again."""

    def __init__(
        self,
        schedule: Mapping[str, Mapping[str, Any]],
        *,
        run: Callable[[str], None] = run_task,
        now: Callable[[], datetime] = app.now,
    ) -> None:
        app.loader.import_default_modules()  # every app's tasks, registered by name
        self.schedule = schedule
        self.next_due: dict[str, datetime | None] = dict.fromkeys(schedule)
        self._run = run
        self._now = now

    def tick(self) -> list[str]:
        """Run every entry that is due; returns the names of the tasks run, in schedule order."""
        ran = []
        for key, entry in self.schedule.items():
            now = self._now()
            due = self.next_due[key]
            if due is not None and now < due:
                continue
            self._run(entry["task"])
            ran.append(entry["task"])
            self.next_due[key] = next_run(entry["schedule"], after=now)
        return ran


class Command(BaseCommand):
    help = (
        "Run celery beat's periodic tasks in this process (the embedded default has no broker): "
        "summaries at the opinion deadline, opinion reminders, agenda circulation, meetings."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run what is due once and stop.")
        parser.add_argument(
            "--interval", type=float, default=30.0, help="Seconds between checks (default 30)."
        )

    def handle(self, *args, once: bool = False, interval: float = 30.0, **options):
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            self.stdout.write(
                "A Celery broker is configured: periodic work runs with celery beat "
                "(`make worker`), not here."
            )
            return
        periodic = Periodic(app.conf.beat_schedule)
        self.stdout.write(
            "Periodic work runs in this process: " + ", ".join(sorted(app.conf.beat_schedule))
        )
        while True:
            ran = periodic.tick()
            if ran:
                logger.info("periodic tasks run: %s", ", ".join(ran))
            if once:
                return
            close_old_connections()  # a long-lived process: no connection kept between checks
            time.sleep(interval)
