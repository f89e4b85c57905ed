"""The plausible range of every date people enter and the length of every text they write.

One place, used by the models (full_clean in the services), and through them by the forms and
serializers, so a page and the API refuse the same values with the same message. A date outside
these ranges is a typing slip (a birth in 1800, a treatment in 2099) or a probe (a meeting in
9999 made every calendar feed of its board fail); a text over its limit is not a clinical note
(one 1 MB rationale made the meeting packet PDF take 33 s).

The validators are module-level functions so migrations refer to them by name; "today" is read
when a value is checked, never frozen into a migration.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone

# Dates ------------------------------------------------------------------------------------------

EARLIEST_BIRTH = dt.date(1900, 1, 1)
# Diagnoses, imaging, examinations and treatments of a living patient.
EARLIEST_CLINICAL = dt.date(1950, 1, 1)
# Meetings and schedules: this service's records. A meeting being planned or moved must also
# start in the future and at most MEETING_AHEAD from now (the meeting services).
EARLIEST_MEETING = dt.date(2000, 1, 1)
LATEST_MEETING = dt.date(2100, 1, 1)
MEETING_AHEAD = dt.timedelta(days=2 * 366)
# A plan's activity may be due some years after the meeting (a follow-up scan), not decades.
DUE_AHEAD = dt.timedelta(days=5 * 366)


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _fmt(day: dt.date) -> str:
    return day.isoformat()


def _check(value: Any, *, earliest: dt.date, latest: dt.date, what: str) -> None:
    if value is None:
        return
    day = _as_date(value)
    if day < earliest:
        raise ValidationError(f"Give {what} on or after {_fmt(earliest)}.", code="date_too_early")
    if day > latest and latest == timezone.localdate():
        raise ValidationError(f"{what.capitalize()} cannot be in the future.", code="date_future")
    if day > latest:
        raise ValidationError(f"Give {what} on or before {_fmt(latest)}.", code="date_too_late")


def validate_birth_date(value: dt.date) -> None:
    """A date of birth: from 1900 to today."""
    _check(value, earliest=EARLIEST_BIRTH, latest=timezone.localdate(), what="a date of birth")


def validate_clinical_date(value: dt.date | dt.datetime) -> None:
    """A diagnosis, imaging, examination, onset or treatment date: from 1950 to today (these
    record what happened, never a plan)."""
    _check(value, earliest=EARLIEST_CLINICAL, latest=timezone.localdate(), what="a date")


def validate_due_date(value: dt.date) -> None:
    """When a plan's activity is due: from 2000 to five years from today."""
    latest = timezone.localdate() + DUE_AHEAD
    _check(value, earliest=EARLIEST_MEETING, latest=latest, what="a due date")


def validate_meeting_time(value: dt.date | dt.datetime) -> None:
    """A meeting's or a schedule's date: within this century (new and moved meetings are further
    held to the next MEETING_AHEAD by the meeting services)."""
    _check(value, earliest=EARLIEST_MEETING, latest=LATEST_MEETING, what="a date")


# Texts ------------------------------------------------------------------------------------------

# Characters. A reason or a note: a few sentences; a clinical text: a page; a rationale or a
# plan: two pages; a patient's plain-language summary: a short leaflet.
SHORT_TEXT = 2_000
TEXT = 4_000
LONG_TEXT = 8_000
DOCUMENT_TEXT = 20_000


class BoundedTextField(models.TextField):
    """A TextField whose max_length full_clean checks too (Django's TextField hands it only to
    forms and serializers, which build their own fields from it)."""

    def __init__(self, *args: Any, max_length: int, **kwargs: Any) -> None:
        super().__init__(*args, max_length=max_length, **kwargs)
        self.validators.append(MaxLengthValidator(max_length))
