"""tumorboard.bounds: the plausible range of every entered date, at its edges."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tumorboard import bounds

DAY = dt.timedelta(days=1)


def _edges():
    """The edges, with "today" read when the test runs (a run may cross midnight)."""
    today = timezone.localdate()
    return [
        (
            bounds.validate_birth_date,
            [dt.date(1900, 1, 1), today],
            [dt.date(1899, 12, 31), today + DAY],
        ),
        (
            bounds.validate_clinical_date,
            [dt.date(1950, 1, 1), today, timezone.now() - dt.timedelta(hours=1)],
            [dt.date(1949, 12, 31), today + DAY, dt.datetime(2099, 1, 1, tzinfo=dt.UTC)],
        ),
        (
            bounds.validate_due_date,
            [dt.date(2000, 1, 1), today + bounds.DUE_AHEAD],
            [dt.date(1999, 12, 31), today + bounds.DUE_AHEAD + DAY],
        ),
        (
            bounds.validate_meeting_time,
            [dt.datetime(2000, 1, 1, 12, tzinfo=dt.UTC), dt.date(2100, 1, 1)],
            [dt.datetime(9999, 12, 31, tzinfo=dt.UTC), dt.date(1999, 12, 31)],
        ),
    ]


@pytest.mark.parametrize("index", range(4), ids=["birth", "clinical", "due", "meeting"])
def test_each_range_accepts_its_edges_and_refuses_beyond(index):
    validator, accepted, refused = _edges()[index]
    for value in [*accepted, None]:
        validator(value)
    for value in refused:
        with pytest.raises(ValidationError):
            validator(value)


def test_a_bounded_text_field_checks_its_length_in_full_clean():
    field = bounds.BoundedTextField(max_length=5)
    field.run_validators("12345")
    with pytest.raises(ValidationError, match="at most 5 characters"):
        field.run_validators("123456")
