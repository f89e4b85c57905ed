"""Reads of the read log, for the privacy officer only (`access.can_read_log`)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from .models import ReadEvent


@dataclass(frozen=True)
class ReadFilter:
    username: str = ""
    patient: uuid.UUID | None = None
    since: dt.date | None = None  # inclusive, in the site's time zone
    until: dt.date | None = None  # inclusive


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def read_events(filters: ReadFilter) -> QuerySet[ReadEvent]:
    """Newest first (by id: rows are appended in time order), filtered; each filter an index
    serves (username+at, patient_uuid+at, at)."""
    rows = ReadEvent.objects.all()
    if filters.username:
        rows = rows.filter(username=filters.username)
    if filters.patient:
        rows = rows.filter(patient_uuid=filters.patient)
    if filters.since:
        rows = rows.filter(at__gte=_start_of(filters.since))
    if filters.until:
        rows = rows.filter(at__lt=_start_of(filters.until + dt.timedelta(days=1)))
    return rows.order_by("-id")


def read_events_page(
    filters: ReadFilter, *, before: int | None, size: int
) -> tuple[list[ReadEvent], int | None]:
    """One page of `size` rows older than row `before`; and the `before` of the next page."""
    rows = read_events(filters)
    if before is not None:
        rows = rows.filter(id__lt=before)
    page = list(rows[: size + 1])
    more = len(page) > size
    page = page[:size]
    return page, (page[-1].id if more else None)
