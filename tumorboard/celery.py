"""Celery application. Tasks carry ids only; see each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tumorboard.settings")

app = Celery("tumorboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Concept packages inside an app keep their tasks beside their services.
app.autodiscover_tasks(["recommendations.opinions", "recommendations.summaries"])


@app.task(name="tumorboard.ping")
def ping() -> str:
    """Health check used by the real-worker test and by operators (`celery call`)."""
    return "pong"


# Periodic coordination work (celery beat). Each task is idempotent, so a beat that fires twice
# or a task that overlaps its previous run sends nothing twice.
from celery.schedules import crontab  # noqa: E402 - appended below the app on purpose

app.conf.beat_schedule = {
    "scheduling-circulate-due-agendas": {
        "task": "scheduling.tasks.circulate_due_agendas",
        "schedule": crontab(minute="*/15"),
    },
    "scheduling-generate-meetings": {
        "task": "scheduling.tasks.generate_meetings",
        "schedule": crontab(hour=2, minute=10),
    },
}

# Opinions: specialists are reminded of opinions still owed as the deadline nears.
# Pre-meeting summaries: at each meeting's opinion deadline its whole agenda is prepared.
app.conf.beat_schedule.update(
    {
        "recommendations-send-due-opinion-reminders": {
            "task": "recommendations.opinions.tasks.send_due_opinion_reminders",
            "schedule": crontab(minute="*/15"),
        },
        "recommendations-prepare-due-meetings": {
            "task": "recommendations.summaries.tasks.prepare_due_meetings",
            "schedule": crontab(minute="*/5"),
        },
    }
)
