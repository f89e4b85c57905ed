"""Celery task that builds a meeting's FHIR export. Receives the export's id only; claims it
with a conditional UPDATE (a second delivery, or a run after another finished, does nothing)."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from .services import (
    BUILD_MEETING_EXPORT,
    meeting_export_build,
    meeting_export_claim,
    meeting_export_fail,
)

logger = logging.getLogger(__name__)

# A large meeting (a few dozen cases, each with PDFs) builds in seconds; give it room.
SOFT_TIME_LIMIT = 300
TIME_LIMIT = 330


@shared_task(
    name=BUILD_MEETING_EXPORT,
    acks_late=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
)
def build_meeting_export(export_id: int) -> str:
    if not meeting_export_claim(export_id):
        return "skipped"
    try:
        return meeting_export_build(export_id)
    except SoftTimeLimitExceeded:
        meeting_export_fail(export_id, "Building the export took too long; request it again.")
        return "failed"
    except Exception as exc:
        # Kind only: a message may quote data.
        logger.error("FHIR meeting export %s failed (%s)", export_id, type(exc).__name__)
        meeting_export_fail(export_id, "The export could not be built; request it again.")
        return "failed"
