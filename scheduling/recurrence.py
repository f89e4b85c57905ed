"""A board's standing schedule as dates and times: RFC 5545 RRULE text → aware datetimes.

The rule is stored without DTSTART ("FREQ=WEEKLY;BYDAY=TU"); the schedule's first day and local
start time are kept in their own fields. Occurrences are built as wall-clock times in the board's
time zone (zoneinfo), so a 07:30 meeting stays at 07:30 across daylight-saving changes while its
UTC instant moves by the change. Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.parser import ParserError, isoparse
from dateutil.rrule import rrule, rrulestr

from tumorboard.errors import ApplicationError

FIELD = "recurrence"
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
# The time of day comes from the schedule's local start time, so BYHOUR/BYMINUTE/BYSECOND are
# refused, as are rule parts whose occurrences are hard to check (BYYEARDAY, BYWEEKNO, BYEASTER).
ALLOWED_PARTS = frozenset(
    {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST"}
)
MAX_INTERVAL = 52
# A rule must produce its first meeting within this window after the schedule starts.
FIRST_OCCURRENCE_WITHIN = dt.timedelta(days=366)
DAYS_IN_MONTH = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30}
EXAMPLE = 'e.g. "FREQ=WEEKLY;BYDAY=TU" or "FREQ=MONTHLY;BYDAY=1TH"'


def _refuse(message: str) -> ApplicationError:
    return ApplicationError("The recurrence rule is not valid.", fields={FIELD: [message]})


def board_zone(name: str) -> ZoneInfo:
    """The board's time zone; an unknown name is a clear error on the board, never a 500."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ApplicationError(
            "The board's time zone is not known.",
            fields={"board": [f"Unknown time zone {name!r}: use e.g. Europe/London."]},
        ) from exc


def local_datetime(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    """`time` on `day` as people in `zone` would read it on the clock, as an aware datetime.

    A wall-clock time that does not exist (inside the spring-forward gap) is moved forward by the
    gap, e.g. 01:30 on the last Sunday of March in London becomes 02:30 BST; an ambiguous one (the
    autumn hour that happens twice) is the first of the two (fold=0).
    """
    naive = dt.datetime.combine(day, time.replace(tzinfo=None))
    aware = naive.replace(tzinfo=zone)
    # The round trip through UTC normalises a non-existent time to the one the clock shows.
    return aware.astimezone(dt.UTC).astimezone(zone)


def _parts(text: str) -> list[tuple[str, str]]:
    parts = []
    for chunk in text.split(";"):
        name, sep, value = chunk.partition("=")
        if not sep or not name or not value:
            raise _refuse(f"{chunk or '(empty)'!r} is not NAME=VALUE; write it as {EXAMPLE}.")
        parts.append((name, value))
    return parts


def normalise_recurrence(text: str) -> str:
    """Validate an RRULE (without DTSTART) and return it in canonical form (upper case, no spaces).

    Raises ApplicationError on the field `recurrence` with a message saying what is wrong: not
    NAME=VALUE, an unknown or refused part, a frequency finer than daily, INTERVAL out of 1–52,
    COUNT together with UNTIL, COUNT=0, a day-of-month that no month has, DTSTART/RDATE/EXDATE
    (the schedule's start is given separately), or anything python-dateutil cannot parse.
    """
    if not isinstance(text, str) or not text.strip():
        raise _refuse(f"Give a recurrence rule, {EXAMPLE}.")
    cleaned = "".join(text.split()).upper()
    if "\n" in text.strip() or any(word in cleaned for word in ("DTSTART", "RDATE", "EXDATE")):
        raise _refuse(
            "Give a single RRULE without DTSTART, RDATE or EXDATE: the schedule's first day and "
            f"start time are set separately ({EXAMPLE})."
        )
    cleaned = cleaned.removeprefix("RRULE:")
    parts = _parts(cleaned)
    names = [name for name, _ in parts]
    if len(set(names)) != len(names):
        raise _refuse("Each rule part may appear only once.")
    unknown = sorted(set(names) - ALLOWED_PARTS)
    if unknown:
        raise _refuse(
            f"{', '.join(unknown)} cannot be used here. Use {', '.join(sorted(ALLOWED_PARTS))}; "
            "the time of day is the schedule's start time."
        )
    values = dict(parts)
    if "FREQ" not in values:
        raise _refuse(f"Say how often the board meets with FREQ, {EXAMPLE}.")
    if values["FREQ"] not in FREQUENCIES:
        raise _refuse(f"FREQ={values['FREQ']} is not allowed: use one of {', '.join(FREQUENCIES)}.")
    if "INTERVAL" in values and not (
        values["INTERVAL"].isdigit() and 1 <= int(values["INTERVAL"]) <= MAX_INTERVAL
    ):
        raise _refuse(f"INTERVAL must be a whole number from 1 to {MAX_INTERVAL}.")
    if "COUNT" in values and "UNTIL" in values:
        raise _refuse("Use COUNT or UNTIL, not both.")
    if "COUNT" in values and not (values["COUNT"].isdigit() and int(values["COUNT"]) >= 1):
        raise _refuse("COUNT must be a whole number of meetings, at least 1.")
    if "UNTIL" in values:
        _until_value(values["UNTIL"], dt.UTC)
    _check_month_days(values)
    try:
        rrulestr(_without_until(cleaned), dtstart=dt.datetime(2000, 1, 3, 12, 0))
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise _refuse(f"{exc}. Write it as {EXAMPLE}.") from exc
    return cleaned


def _check_month_days(values: dict[str, str]) -> None:
    """Refuse a day of the month that none of the chosen months has (e.g. 31 February).

    python-dateutil would search such a rule up to the year 9999 before giving up.
    """
    if "BYMONTHDAY" not in values:
        return
    try:
        days = [int(v) for v in values["BYMONTHDAY"].split(",")]
        months = [int(v) for v in values.get("BYMONTH", "1,2,3,4,5,6,7,8,9,10,11,12").split(",")]
    except ValueError as exc:
        raise _refuse("BYMONTHDAY and BYMONTH take whole numbers.") from exc
    if any(not 1 <= month <= 12 for month in months):
        raise _refuse("BYMONTH takes months 1 to 12.")
    if any(day == 0 or not -31 <= day <= 31 for day in days):
        raise _refuse("BYMONTHDAY takes days 1 to 31 (or -1 to -31 from the end of the month).")
    if not any(abs(day) <= DAYS_IN_MONTH.get(month, 31) for day in days for month in months):
        raise _refuse("No chosen month has that day: the rule would never produce a meeting.")


def _without_until(rule_text: str) -> str:
    return ";".join(p for p in rule_text.split(";") if not p.startswith("UNTIL="))


def _until_value(value: str, zone: ZoneInfo | dt.tzinfo) -> dt.datetime:
    """UNTIL as an aware datetime: a UTC time ("...Z"), a local time, or a whole local day."""
    try:
        parsed = isoparse(value)
    except (ParserError, ValueError) as exc:
        raise _refuse(
            "UNTIL must be a date (20271231) or a UTC date-time (20271231T235959Z)."
        ) from exc
    if parsed.tzinfo is not None:
        return parsed
    if len(value) == 8:  # a date: the whole of that day counts
        return local_datetime(parsed.date(), dt.time(23, 59, 59), zone)
    return parsed.replace(tzinfo=zone)


def build_rule(
    *, recurrence: str, starts_on: dt.date, local_start_time: dt.time, zone: ZoneInfo
) -> rrule:
    """The dateutil rule whose first candidate is `starts_on` at `local_start_time` in `zone`."""
    text = normalise_recurrence(recurrence)
    dtstart = dt.datetime.combine(starts_on, local_start_time.replace(tzinfo=None), tzinfo=zone)
    rule = rrulestr(_without_until(text), dtstart=dtstart)
    until = dict(p.split("=", 1) for p in text.split(";")).get("UNTIL")
    if until:
        rule = rule.replace(until=_until_value(until, zone))
    return rule


def occurrences(
    *,
    recurrence: str,
    starts_on: dt.date,
    local_start_time: dt.time,
    time_zone: str,
    after: dt.datetime,
    until: dt.date,
) -> list[dt.datetime]:
    """Meeting starts strictly after `after` and on or before the local date `until`.

    Each is an aware datetime in the board's zone, at `local_start_time` on the wall clock (see
    `local_datetime` for the spring-forward gap and the repeated autumn hour).
    """
    zone = board_zone(time_zone)
    rule = build_rule(
        recurrence=recurrence, starts_on=starts_on, local_start_time=local_start_time, zone=zone
    )
    end = local_datetime(until + dt.timedelta(days=1), dt.time(0, 0), zone)
    # dateutil keeps the wall-clock time (and zone) of DTSTART for every occurrence; normalise
    # each so a start inside a spring-forward gap reads as the clock would show it.
    starts = (local_datetime(o.date(), local_start_time, zone) for o in rule.between(after, end))
    return sorted({start for start in starts if after < start < end})


def first_occurrence(
    *, recurrence: str, starts_on: dt.date, local_start_time: dt.time, time_zone: str
) -> dt.datetime | None:
    """The schedule's first meeting start, or None if the rule yields none within a year."""
    zone = board_zone(time_zone)
    rule = build_rule(
        recurrence=recurrence, starts_on=starts_on, local_start_time=local_start_time, zone=zone
    )
    start = next(iter(rule), None)
    if start is None or start.date() - starts_on > FIRST_OCCURRENCE_WITHIN:
        return None
    return local_datetime(start.date(), local_start_time, zone)


# --- the standing schedule as people choose it: weekday, time, frequency, time zone -------------

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKLY, FORTNIGHTLY, MONTHLY = "weekly", "fortnightly", "monthly"
FREQUENCY_CHOICES = (
    (WEEKLY, "Every week"),
    (FORTNIGHTLY, "Every 2 weeks"),
    (MONTHLY, "Once a month, on the chosen week"),
)
# The week of the month a monthly schedule meets in; -1 is the last one.
WEEK_OF_MONTH_CHOICES = ((1, "first"), (2, "second"), (3, "third"), (4, "fourth"), (-1, "last"))
_ORDINAL = dict(WEEK_OF_MONTH_CHOICES)


@dataclass(frozen=True)
class SchedulePattern:
    """How often a board meets: `weekday` 0 (Monday) to 6; `week_of_month` only when monthly."""

    frequency: str
    weekday: int
    week_of_month: int | None = None


def pattern_problems(
    *, frequency: object, weekday: object, week_of_month: object
) -> dict[str, list[str]]:
    """Field messages for a pattern that cannot be built (empty: fine)."""
    errors: dict[str, list[str]] = {}
    if frequency not in dict(FREQUENCY_CHOICES):
        errors["frequency"] = ["Choose every week, every 2 weeks or once a month."]
    if isinstance(weekday, bool) or weekday not in range(7):
        errors["weekday"] = ["Choose a day of the week."]
    if frequency == MONTHLY and week_of_month not in _ORDINAL:
        errors["week_of_month"] = ["Choose the first, second, third, fourth or last week."]
    return errors


def pattern_rule(pattern: SchedulePattern) -> str:
    """The RRULE (without DTSTART) for a pattern, e.g. "FREQ=MONTHLY;BYDAY=1TH"."""
    day = WEEKDAYS[pattern.weekday]
    if pattern.frequency == WEEKLY:
        return f"FREQ=WEEKLY;BYDAY={day}"
    if pattern.frequency == FORTNIGHTLY:
        return f"FREQ=WEEKLY;INTERVAL=2;BYDAY={day}"
    return f"FREQ=MONTHLY;BYDAY={pattern.week_of_month}{day}"


_RULE_SHAPES = (
    (re.compile(r"^FREQ=WEEKLY;BYDAY=(?P<day>MO|TU|WE|TH|FR|SA|SU)$"), WEEKLY),
    (re.compile(r"^FREQ=WEEKLY;INTERVAL=2;BYDAY=(?P<day>MO|TU|WE|TH|FR|SA|SU)$"), FORTNIGHTLY),
    (re.compile(r"^FREQ=MONTHLY;BYDAY=(?P<nth>-1|[1-4])(?P<day>MO|TU|WE|TH|FR|SA|SU)$"), MONTHLY),
)


def pattern_of(recurrence: str) -> SchedulePattern | None:
    """The pattern a stored rule was built from; None for a rule no pattern builds (an older,
    typed one), which is then shown as it is."""
    for shape, frequency in _RULE_SHAPES:
        match = shape.match(recurrence or "")
        if match:
            nth = int(match["nth"]) if frequency == MONTHLY else None
            return SchedulePattern(frequency, WEEKDAYS.index(match["day"]), nth)
    return None


def describe_schedule(*, recurrence: str, local_start_time: dt.time, time_zone: str) -> str:
    """The schedule as people say it: "Every Thursday at 07:30, Europe/London"."""
    pattern = pattern_of(recurrence)
    when = f"at {local_start_time:%H:%M}, {time_zone}"
    if pattern is None:
        return f"Repeats {recurrence} {when}"
    day = WEEKDAY_NAMES[pattern.weekday]
    if pattern.frequency == WEEKLY:
        return f"Every {day} {when}"
    if pattern.frequency == FORTNIGHTLY:
        return f"Every other {day} {when}"
    return f"The {_ORDINAL[pattern.week_of_month or 1]} {day} of every month {when}"


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    """The IANA zones a board can choose: Area/Location names and UTC (no aliases such as
    "US/Eastern", "Etc/GMT+5" or the posix/ and right/ copies)."""
    names = {
        name
        for name in zoneinfo.available_timezones()
        if "/" in name
        and name.split("/", 1)[0]
        in {"Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe"}
        | {"Indian", "Pacific", "Arctic"}
    }
    return tuple(sorted(names | {"UTC"}))


def time_zone_problem(name: object) -> str | None:
    """Why a time zone cannot be used (None: it can)."""
    if not isinstance(name, str) or name not in time_zone_names():
        return "Choose a time zone from the list, e.g. Europe/London."
    return None
