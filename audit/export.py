"""The read log as CSV (streamed: an export of years of reads is never held in memory)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator

from django.db.models import QuerySet

from .models import ReadEvent

COLUMNS = (
    "at",
    "username",
    "roles",
    "what",
    "object_uuid",
    "patient_uuid",
    "view_name",
    "method",
    "status",
    "client_ip",
    "user_agent",
    "request_id",
)


def csv_cell(value) -> str:
    """A value as a CSV cell a spreadsheet will not run: text starting with = + - @ (or a tab or
    carriage return) is prefixed with a quote (OWASP CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: QuerySet[ReadEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for row in rows.values_list(*COLUMNS).iterator(chunk_size=2000):
        yield writer.writerow([csv_cell(value) for value in row])
