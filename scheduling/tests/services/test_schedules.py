"""Standing schedules and the meetings they generate (services.schedules)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from scheduling import services
from scheduling.models import BoardSchedule, Meeting
from tests.factories import LONDON, MeetingFactory
from tumorboard.errors import ApplicationError

pytestmark = pytest.mark.django_db


def schedule_for(cast, **overrides) -> BoardSchedule:
    data = {
        "board": cast.board,
        "frequency": "weekly",
        "weekday": 1,
        "local_start_time": dt.time(7, 30),
        "time_zone": "Europe/London",
        "duration_minutes": 60,
        "starts_on": timezone.localdate(),
        "location": "Seminar room 2",
        "video_link": "https://meet.example.org/board",
        "by": cast.coordinator,
        **overrides,
    }
    return services.board_schedule_create(**data)


def test_board_schedule_create_builds_the_rule_and_records_who(cast):
    schedule = schedule_for(cast, weekday=3)
    schedule.refresh_from_db()
    assert schedule.recurrence == "FREQ=WEEKLY;BYDAY=TH"
    assert schedule.description == "Every Thursday at 07:30, Europe/London"
    assert schedule.local_start_time == dt.time(7, 30)
    assert schedule.active is True
    assert schedule.created_by == cast.coordinator
    assert schedule.history.get().history_user == cast.coordinator


@pytest.mark.parametrize(
    ("overrides", "rule", "description"),
    [
        (
            {"frequency": "fortnightly", "weekday": 0},
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO",
            "Every other Monday at 07:30, Europe/London",
        ),
        (
            {"frequency": "monthly", "weekday": 4, "week_of_month": -1},
            "FREQ=MONTHLY;BYDAY=-1FR",
            "The last Friday of every month at 07:30, Europe/London",
        ),
        (
            {"frequency": "weekly", "week_of_month": 2, "time_zone": "America/New_York"},
            "FREQ=WEEKLY;BYDAY=TU",
            "Every Tuesday at 07:30, America/New_York",
        ),
    ],
)
def test_board_schedule_create_other_patterns(cast, overrides, rule, description):
    schedule = schedule_for(cast, **overrides)
    assert (schedule.recurrence, schedule.description) == (rule, description)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"frequency": "FREQ=DAILY"}, "frequency", "Choose every week"),
        ({"weekday": 7}, "weekday", "Choose a day of the week."),
        ({"frequency": "monthly", "week_of_month": 5}, "week_of_month", "Choose the first"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Choose a time zone from the list"),
        ({"starts_on": "tomorrow"}, "starts_on", "Give a date."),
        ({"duration_minutes": 500}, "duration_minutes", "Give whole minutes from 5 to 480."),
    ],
)
def test_board_schedule_create_refuses_bad_input(cast, overrides, field, message):
    with pytest.raises(ApplicationError) as excinfo:
        schedule_for(cast, **overrides)
    assert list(excinfo.value.fields) == [field]
    assert message in excinfo.value.fields[field][0]
    assert BoardSchedule.objects.count() == 0


def test_board_schedule_update_changes_the_pattern_and_keeps_who(cast):
    schedule = schedule_for(cast)
    updated = services.board_schedule_update(
        schedule=schedule,
        frequency="monthly",
        weekday=3,
        week_of_month=1,
        local_start_time=dt.time(8, 0),
        time_zone="Europe/Madrid",
        duration_minutes=90,
        starts_on=schedule.starts_on,
        active=False,
        by=cast.chair,
    )
    updated.refresh_from_db()
    assert updated.description == "The first Thursday of every month at 08:00, Europe/Madrid"
    assert (updated.duration_minutes, updated.active) == (90, False)
    assert updated.history.first().history_user == cast.chair


def test_board_schedule_update_refuses_bad_input_and_changes_nothing(cast):
    schedule = schedule_for(cast)
    with pytest.raises(ApplicationError) as excinfo:
        services.board_schedule_update(
            schedule=schedule,
            frequency="weekly",
            weekday=3,
            local_start_time=dt.time(8, 0),
            time_zone="Nowhere",
            duration_minutes=60,
            starts_on=schedule.starts_on,
            by=cast.coordinator,
        )
    assert list(excinfo.value.fields) == ["time_zone"]
    schedule.refresh_from_db()
    assert schedule.recurrence == "FREQ=WEEKLY;BYDAY=TU"


def test_board_schedule_delete_keeps_its_meetings(cast):
    schedule = schedule_for(cast)
    meetings = services.meetings_generate(
        schedule=schedule, until=timezone.localdate() + dt.timedelta(weeks=2)
    )
    services.board_schedule_delete(schedule=schedule, by=cast.coordinator)
    assert not BoardSchedule.objects.exists()
    assert Meeting.objects.filter(pk__in=[m.pk for m in meetings], schedule=None).count() == len(
        meetings
    )
    assert BoardSchedule.history.filter(history_type="-").get().history_user == cast.coordinator


@pytest.mark.parametrize("who", ["surgeon", "other_coordinator"])
def test_others_cannot_change_or_remove_a_schedule(cast, person, who):
    schedule = schedule_for(cast)
    with pytest.raises(PermissionDenied):
        services.board_schedule_update(
            schedule=schedule,
            frequency="weekly",
            weekday=3,
            local_start_time=dt.time(8, 0),
            time_zone="UTC",
            duration_minutes=60,
            starts_on=schedule.starts_on,
            by=person(who),
        )
    with pytest.raises(PermissionDenied):
        services.board_schedule_delete(schedule=schedule, by=person(who))
    schedule.refresh_from_db()
    assert schedule.recurrence == "FREQ=WEEKLY;BYDAY=TU"


def next_dst_change(after: dt.date) -> dt.date:
    """The first day after `after` whose London UTC offset differs from the day before."""
    day = after
    while True:
        day += dt.timedelta(days=1)
        noon = dt.datetime.combine(day, dt.time(12), tzinfo=LONDON)
        if noon.utcoffset() != (noon - dt.timedelta(days=1)).utcoffset():
            return day


def test_a_quarter_of_weekly_meetings_across_a_daylight_saving_change(cast):
    change = next_dst_change(timezone.localdate() + dt.timedelta(weeks=7))
    first_tuesday = change - dt.timedelta(weeks=6)
    first_tuesday += dt.timedelta(days=(1 - first_tuesday.weekday()) % 7)
    schedule = schedule_for(cast, starts_on=first_tuesday)
    until = first_tuesday + dt.timedelta(weeks=12)

    meetings = services.meetings_generate(schedule=schedule, until=until, by=cast.coordinator)

    assert len(meetings) == 13
    assert Meeting.objects.filter(board=cast.board).count() == 13
    local = [timezone.localtime(m.starts_at, LONDON) for m in meetings]
    assert [d.date() for d in local] == [first_tuesday + dt.timedelta(weeks=i) for i in range(13)]
    assert all(d.time() == dt.time(7, 30) and d.weekday() == 1 for d in local)
    assert all(m.ends_at - m.starts_at == dt.timedelta(minutes=60) for m in meetings)
    utc_hours = [m.starts_at.astimezone(dt.UTC).hour for m in meetings]
    before = [h for m, h in zip(meetings, utc_hours, strict=True) if m.starts_at.date() < change]
    after = [h for m, h in zip(meetings, utc_hours, strict=True) if m.starts_at.date() > change]
    assert len(set(before)) == 1 and len(set(after)) == 1
    assert abs(before[0] - after[0]) == 1
    assert {m.kind for m in meetings} == {Meeting.Kind.REGULAR}
    assert {m.schedule_id for m in meetings} == {schedule.pk}
    assert {m.video_link for m in meetings} == {"https://meet.example.org/board"}

    # Idempotent: a second run creates nothing.
    assert services.meetings_generate(schedule=schedule, until=until) == []
    assert Meeting.objects.filter(board=cast.board).count() == 13


def test_generation_skips_the_past_taken_starts_and_overlaps(cast):
    today = timezone.localdate()
    # An older, typed rule (before schedules were built from a weekday) still generates.
    schedule = BoardSchedule.objects.create(
        board=cast.board,
        recurrence="FREQ=DAILY",
        local_start_time=dt.time(7, 30),
        time_zone="Europe/London",
        duration_minutes=60,
        starts_on=today - dt.timedelta(days=10),
    )
    tomorrow = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(7, 30), tzinfo=LONDON)
    # An urgent meeting overlapping tomorrow's slot, and a cancelled occurrence the day after.
    MeetingFactory(
        board=cast.board,
        starts_at=tomorrow + dt.timedelta(minutes=30),
        ends_at=tomorrow + dt.timedelta(minutes=60),
        kind=Meeting.Kind.AD_HOC,
    )
    MeetingFactory(
        board=cast.board,
        starts_at=tomorrow + dt.timedelta(days=1),
        ends_at=tomorrow + dt.timedelta(days=1, hours=1),
        status=Meeting.Status.CANCELLED,
    )
    created = services.meetings_generate(schedule=schedule, until=today + dt.timedelta(days=4))
    assert [timezone.localtime(m.starts_at, LONDON).date() for m in created] == [
        today + dt.timedelta(days=3),
        today + dt.timedelta(days=4),
    ] or [timezone.localtime(m.starts_at, LONDON).date() for m in created] == [
        today,  # generated only if 07:30 today is still ahead
        today + dt.timedelta(days=3),
        today + dt.timedelta(days=4),
    ]
    assert all(m.starts_at > timezone.now() for m in created)
    # The cancelled occurrence is not brought back.
    assert (
        Meeting.objects.filter(board=cast.board, starts_at=tomorrow + dt.timedelta(days=1))
        .get()
        .status
        == Meeting.Status.CANCELLED
    )


def test_generation_refuses_more_than_a_year_ahead_and_ignores_inactive(cast):
    schedule = schedule_for(cast)
    with pytest.raises(ApplicationError) as excinfo:
        services.meetings_generate(
            schedule=schedule, until=timezone.localdate() + dt.timedelta(days=400)
        )
    assert excinfo.value.fields == {"until": ["Choose a date within a year from today."]}
    assert Meeting.objects.count() == 0
    BoardSchedule.objects.filter(pk=schedule.pk).update(active=False)
    assert (
        services.meetings_generate(
            schedule=schedule, until=timezone.localdate() + dt.timedelta(days=30)
        )
        == []
    )


# --- who may: the board's coordinators and chair (allowed/refused pairs) ----------------------


@pytest.mark.parametrize("who", ["coordinator", "chair"])
def test_coordinator_and_chair_add_a_schedule_and_generate_its_meetings(cast, person, who):
    schedule = schedule_for(cast, by=person(who))
    until = timezone.localdate() + dt.timedelta(weeks=2)
    assert services.meetings_generate(schedule=schedule, until=until, by=person(who))


@pytest.mark.parametrize("who", ["surgeon", "other_coordinator", "patient_user"])
def test_others_cannot_add_a_schedule_or_generate_its_meetings(cast, person, who):
    with pytest.raises(PermissionDenied):
        schedule_for(cast, by=person(who))
    schedule = schedule_for(cast)
    until = timezone.localdate() + dt.timedelta(weeks=2)
    with pytest.raises(PermissionDenied):
        services.meetings_generate(schedule=schedule, until=until, by=person(who))
    assert BoardSchedule.objects.count() == 1
    assert not Meeting.objects.exists()
    # The beat generates without a person.
    assert services.meetings_generate(schedule=schedule, until=until, by=None)
