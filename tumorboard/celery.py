"""Celery application. Tasks carry ids only; see each app's tasks.py."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tumorboard.settings")

app = Celery("tumorboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Concept packages inside an app keep their tasks beside their services.
app.autodiscover_tasks(
    [
        "recommendations.decisions",
        "recommendations.fhir",
        "recommendations.opinions",
        "recommendations.summaries",
    ]
)


@app.task(name="tumorboard.ping")
def ping() -> str:
    """Health check used by the real-worker test and by operators (`celery call`)."""
    return "pong"


# Periodic work (celery beat). Each task is idempotent, so a beat that fires twice or a task that
# overlaps its previous run sends nothing twice.
app.conf.beat_schedule = {
    # Meetings: agendas go out at the board's circulation time; standing schedules are filled.
    "scheduling-circulate-due-agendas": {
        "task": "scheduling.tasks.circulate_due_agendas",
        "schedule": crontab(minute="*/15"),
    },
    "scheduling-generate-meetings": {
        "task": "scheduling.tasks.generate_meetings",
        "schedule": crontab(hour=2, minute=10),
    },
    # Opinions: specialists are reminded of opinions still owed as the deadline nears.
    "recommendations-send-due-opinion-reminders": {
        "task": "recommendations.opinions.tasks.send_due_opinion_reminders",
        "schedule": crontab(minute="*/15"),
    },
    # Stored assessments whose time-dependent part (Patchell's 48 h of paraplegia) has expired.
    "cases-refresh-expired-assessments": {
        "task": "cases.tasks.expired_assessments_refresh",
        "schedule": crontab(minute="*/15"),
    },
    # Notifications made while the broker or the mail server was down are e-mailed later.
    "scheduling-resend-unsent-notifications": {
        "task": "scheduling.tasks.resend_unsent_notifications",
        "schedule": crontab(minute="*/5"),
    },
    # Summaries left "preparing" by a worker that died are prepared again after their lease.
    "recommendations-reclaim-stuck-preparations": {
        "task": "recommendations.summaries.tasks.reclaim_stuck_preparations",
        "schedule": crontab(minute="*"),
    },
    # Plan follow-through: owners (and coordinators, a digest) are reminded of overdue activities
    # once a day, from each board's morning.
    "recommendations-remind-overdue-activities": {
        "task": "recommendations.decisions.tasks.remind_overdue_activities",
        "schedule": crontab(minute=5),
    },
    # Pre-meeting summaries: at each meeting's opinion deadline its whole agenda is prepared.
    "recommendations-prepare-due-meetings": {
        "task": "recommendations.summaries.tasks.prepare_due_meetings",
        "schedule": crontab(minute="*/5"),
    },
    # The read log: rows past READ_LOG_RETENTION_DAYS are deleted (batched, idempotent).
    "audit-purge-expired-reads": {
        "task": "audit.tasks.purge_expired_reads",
        "schedule": crontab(hour=3, minute=40),
    },
}
