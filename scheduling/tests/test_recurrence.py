"""RRULE validation and DST-correct expansion (pure functions, no database)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from scheduling import recurrence as rec
from tumorboard.errors import ApplicationError

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("FREQ=WEEKLY;BYDAY=TU", "FREQ=WEEKLY;BYDAY=TU"),
        (" freq=weekly; byday=tu ", "FREQ=WEEKLY;BYDAY=TU"),
        ("RRULE:FREQ=MONTHLY;BYDAY=1TH", "FREQ=MONTHLY;BYDAY=1TH"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;UNTIL=20271231", None),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", None),
    ],
)
def test_valid_rules_are_normalised(given, expected):
    assert rec.normalise_recurrence(given) == (expected or given)


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ("", "Give a recurrence rule"),
        ("BYDAY=TU", "Say how often the board meets with FREQ"),
        ("FREQ=HOURLY", "FREQ=HOURLY is not allowed"),
        ("FREQ=WEEKLY;BYDAY=XX", "invalid 'BYDAY': XX"),
        ("FREQ=WEEKLY;BYHOUR=9", "BYHOUR cannot be used here"),
        ("FREQ=WEEKLY;INTERVAL=0", "INTERVAL must be a whole number from 1 to 52"),
        ("FREQ=WEEKLY;COUNT=0", "COUNT must be a whole number of meetings, at least 1"),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20271231", "Use COUNT or UNTIL, not both"),
        ("FREQ=WEEKLY;UNTIL=31-12-2027", "UNTIL must be a date"),
        ("FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30", "No chosen month has that day"),
        ("every tuesday", "is not NAME=VALUE"),
        ("FREQ=WEEKLY;;BYDAY=TU", "is not NAME=VALUE"),
        ("FREQ=WEEKLY;FREQ=DAILY", "Each rule part may appear only once"),
        ("DTSTART:20270105T073000\nRRULE:FREQ=WEEKLY", "without DTSTART"),
    ],
)
def test_invalid_rules_are_refused_on_the_recurrence_field(rule, says):
    with pytest.raises(ApplicationError) as excinfo:
        rec.normalise_recurrence(rule)
    assert excinfo.value.message == "The recurrence rule is not valid."
    assert list(excinfo.value.fields) == ["recurrence"]
    assert says in excinfo.value.fields["recurrence"][0]


def test_weekly_quarter_keeps_local_time_across_the_october_change():
    # 13 Tuesdays from 29 Sep 2026; British Summer Time ends on Sunday 25 Oct 2026.
    starts = rec.occurrences(
        recurrence="FREQ=WEEKLY;BYDAY=TU",
        starts_on=dt.date(2026, 9, 29),
        local_start_time=dt.time(7, 30),
        time_zone="Europe/London",
        after=dt.datetime(2026, 9, 28, tzinfo=UTC),
        until=dt.date(2026, 12, 22),
    )
    assert len(starts) == 13
    assert [s.date() for s in starts][:5] == [
        dt.date(2026, 9, 29),
        dt.date(2026, 10, 6),
        dt.date(2026, 10, 13),
        dt.date(2026, 10, 20),
        dt.date(2026, 10, 27),
    ]
    assert all(s.astimezone(LONDON).time() == dt.time(7, 30) for s in starts)
    utc_hours = [s.astimezone(UTC).hour for s in starts]
    assert utc_hours == [6] * 4 + [7] * 9


def test_weekly_quarter_keeps_local_time_across_the_march_change():
    # British Summer Time starts on Sunday 28 Mar 2027.
    starts = rec.occurrences(
        recurrence="FREQ=WEEKLY;BYDAY=TU",
        starts_on=dt.date(2027, 2, 2),
        local_start_time=dt.time(7, 30),
        time_zone="Europe/London",
        after=dt.datetime(2027, 2, 1, tzinfo=UTC),
        until=dt.date(2027, 4, 27),
    )
    assert len(starts) == 13
    assert [s.astimezone(UTC).hour for s in starts] == [7] * 8 + [6] * 5
    assert starts[7].date() == dt.date(2027, 3, 23) and starts[8].date() == dt.date(2027, 3, 30)


def test_occurrences_are_strictly_after_and_until_is_inclusive():
    starts = rec.occurrences(
        recurrence="FREQ=WEEKLY;BYDAY=TU",
        starts_on=dt.date(2026, 9, 1),
        local_start_time=dt.time(7, 30),
        time_zone="Europe/London",
        after=dt.datetime(2026, 9, 8, 6, 30, tzinfo=UTC),  # exactly the 8 Sep start
        until=dt.date(2026, 9, 22),
    )
    assert [s.date() for s in starts] == [dt.date(2026, 9, 15), dt.date(2026, 9, 22)]


def test_until_in_the_rule_counts_the_whole_local_day():
    starts = rec.occurrences(
        recurrence="FREQ=WEEKLY;BYDAY=TU;UNTIL=20261013",
        starts_on=dt.date(2026, 9, 29),
        local_start_time=dt.time(7, 30),
        time_zone="Europe/London",
        after=dt.datetime(2026, 9, 1, tzinfo=UTC),
        until=dt.date(2026, 12, 31),
    )
    assert [s.date() for s in starts] == [
        dt.date(2026, 9, 29),
        dt.date(2026, 10, 6),
        dt.date(2026, 10, 13),
    ]


def test_monthly_first_thursday():
    starts = rec.occurrences(
        recurrence="FREQ=MONTHLY;BYDAY=1TH",
        starts_on=dt.date(2027, 1, 1),
        local_start_time=dt.time(16, 0),
        time_zone="Europe/London",
        after=dt.datetime(2026, 12, 31, tzinfo=UTC),
        until=dt.date(2027, 4, 30),
    )
    assert [s.date() for s in starts] == [
        dt.date(2027, 1, 7),
        dt.date(2027, 2, 4),
        dt.date(2027, 3, 4),
        dt.date(2027, 4, 1),
    ]


def test_local_datetime_moves_a_time_in_the_spring_gap_forward():
    moved = rec.local_datetime(dt.date(2027, 3, 28), dt.time(1, 30), LONDON)
    assert moved.astimezone(LONDON).time() == dt.time(2, 30)
    assert moved.astimezone(UTC) == dt.datetime(2027, 3, 28, 1, 30, tzinfo=UTC)


def test_local_datetime_takes_the_first_of_the_repeated_autumn_hour():
    first = rec.local_datetime(dt.date(2026, 10, 25), dt.time(1, 30), LONDON)
    assert first.astimezone(UTC) == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_first_occurrence_is_none_when_the_rule_has_ended():
    assert (
        rec.first_occurrence(
            recurrence="FREQ=WEEKLY;UNTIL=20200101",
            starts_on=dt.date(2026, 9, 1),
            local_start_time=dt.time(7, 30),
            time_zone="Europe/London",
        )
        is None
    )
    first = rec.first_occurrence(
        recurrence="FREQ=WEEKLY;BYDAY=TU",
        starts_on=dt.date(2026, 9, 2),  # a Wednesday
        local_start_time=dt.time(7, 30),
        time_zone="Europe/London",
    )
    assert first == dt.datetime(2026, 9, 8, 7, 30, tzinfo=LONDON)


def test_unknown_time_zone_is_a_board_error():
    with pytest.raises(ApplicationError) as excinfo:
        rec.board_zone("Europe/Atlantis")
    assert excinfo.value.fields == {
        "board": ["Unknown time zone 'Europe/Atlantis': use e.g. Europe/London."]
    }


# --- the pattern people choose (weekday, frequency, time zone) --------------------------------


@pytest.mark.parametrize(
    ("pattern", "rule", "said"),
    [
        (rec.SchedulePattern("weekly", 3), "FREQ=WEEKLY;BYDAY=TH", "Every Thursday"),
        (
            rec.SchedulePattern("fortnightly", 0),
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO",
            "Every other Monday",
        ),
        (
            rec.SchedulePattern("monthly", 1, 2),
            "FREQ=MONTHLY;BYDAY=2TU",
            "The second Tuesday of every month",
        ),
        (
            rec.SchedulePattern("monthly", 6, -1),
            "FREQ=MONTHLY;BYDAY=-1SU",
            "The last Sunday of every month",
        ),
    ],
)
def test_a_pattern_builds_its_rule_reads_back_and_is_said_plainly(pattern, rule, said):
    assert rec.pattern_rule(pattern) == rule
    assert rec.normalise_recurrence(rule) == rule
    assert rec.pattern_of(rule) == pattern
    assert rec.describe_schedule(
        recurrence=rule, local_start_time=dt.time(7, 30), time_zone="Europe/London"
    ) == (f"{said} at 07:30, Europe/London")


def test_an_older_typed_rule_is_shown_as_it_is():
    assert rec.pattern_of("FREQ=DAILY") is None
    assert (
        rec.describe_schedule(
            recurrence="FREQ=DAILY", local_start_time=dt.time(8, 0), time_zone="UTC"
        )
        == "Repeats FREQ=DAILY at 08:00, UTC"
    )


def test_pattern_problems_name_each_field():
    assert rec.pattern_problems(frequency="weekly", weekday=3, week_of_month=None) == {}
    problems = rec.pattern_problems(frequency="monthly", weekday=True, week_of_month=0)
    assert set(problems) == {"weekday", "week_of_month"}
    assert set(rec.pattern_problems(frequency="daily", weekday=9, week_of_month=None)) == {
        "frequency",
        "weekday",
    }


def test_time_zones_are_area_location_names_and_utc():
    names = rec.time_zone_names()
    assert {"Europe/London", "America/New_York", "Asia/Kolkata", "UTC"} <= set(names)
    assert not {"US/Eastern", "Etc/GMT+5", "GB", "posix/Europe/London"} & set(names)
    assert list(names) == sorted(names)
    assert rec.time_zone_problem("Europe/London") is None
    assert rec.time_zone_problem("Mars/Olympus")
    assert rec.time_zone_problem(None)
