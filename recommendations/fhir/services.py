"""Writes of the FHIR exchange: meeting exports (requested here, built by the Celery task).

The referral import is `recommendations.fhir.referrals`."""

from __future__ import annotations

import datetime as dt
import logging

from celery import current_app
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from recommendations.models import FhirMeetingExport
from scheduling.models import Meeting
from scheduling.selectors import meetings_visible_to
from tumorboard.queue import enqueue_on_commit

from .export import cases_bundle
from .selectors import meeting_cases_for_export

logger = logging.getLogger(__name__)

NOT_YOUR_MEETING = "Only members of the meeting's board can export its plans."
Status = FhirMeetingExport.Status
# The task (recommendations.fhir.tasks) calls the functions below; it is sent by name, and
# registered in every process at start-up (RecommendationsConfig.ready).
BUILD_MEETING_EXPORT = "recommendations.fhir.tasks.build_meeting_export"
# Longer than the task's hard time limit (recommendations.fhir.tasks.TIME_LIMIT): past it, a
# "running" build was killed.
STUCK_AFTER_SECONDS = 600


@transaction.atomic
def meeting_export_request(*, meeting: Meeting, by: AbstractBaseUser) -> FhirMeetingExport:
    """Ask for the meeting's signed plans as one Bundle; the build is queued on commit. A pending
    export of the meeting is returned as it is (asking twice builds once)."""
    if not meetings_visible_to(by).filter(pk=meeting.pk).exists():
        raise PermissionDenied(NOT_YOUR_MEETING)
    # A build a killed worker left "running" would block the meeting's exports for good.
    FhirMeetingExport.objects.filter(
        meeting=meeting,
        status=Status.RUNNING,
        started_at__lt=timezone.now() - dt.timedelta(seconds=STUCK_AFTER_SECONDS),
    ).update(
        status=Status.FAILED,
        error="The build was interrupted.",
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    pending = FhirMeetingExport.objects.filter(
        meeting=meeting, status__in=[Status.QUEUED, Status.RUNNING]
    ).first()
    if pending is not None:
        return pending
    try:
        with transaction.atomic():
            export = FhirMeetingExport.objects.create(meeting=meeting, created_by=by, updated_by=by)
    except IntegrityError:  # a concurrent request queued one first
        return FhirMeetingExport.objects.get(
            meeting=meeting, status__in=[Status.QUEUED, Status.RUNNING]
        )
    enqueue_on_commit(
        current_app.tasks[BUILD_MEETING_EXPORT],
        args=[export.pk],
        on_failure=lambda: meeting_export_fail(export.pk, "The task service is unavailable."),
    )
    return export


def meeting_export_claim(export_id: int) -> bool:
    """queued -> running, for exactly one worker."""
    return bool(
        FhirMeetingExport.objects.filter(pk=export_id, status=Status.QUEUED).update(
            status=Status.RUNNING, started_at=timezone.now(), updated_at=timezone.now()
        )
    )


def meeting_export_build(export_id: int) -> str:
    """Build a claimed export: every signed plan of the meeting in one Bundle."""
    export = FhirMeetingExport.objects.select_related("meeting").get(pk=export_id)
    if export.status != Status.RUNNING:
        return export.status
    items = meeting_cases_for_export(export.meeting_id)
    bundle = cases_bundle(items, key=f"meeting-export:{export.uuid}")
    FhirMeetingExport.objects.filter(pk=export_id, status=Status.RUNNING).update(
        status=Status.DONE,
        bundle=bundle,
        plans=len(items),
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    return Status.DONE


def meeting_export_fail(export_id: int, reason: str) -> None:
    FhirMeetingExport.objects.filter(
        pk=export_id, status__in=[Status.QUEUED, Status.RUNNING]
    ).update(
        status=Status.FAILED,
        error=reason[:500],
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
