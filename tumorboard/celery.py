"""Celery application. Tasks carry ids only; see each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tumorboard.settings")

app = Celery("tumorboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="tumorboard.ping")
def ping() -> str:
    """Health check used by the real-worker test and by operators (`celery call`)."""
    return "pong"
