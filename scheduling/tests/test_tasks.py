"""Celery tasks (run eagerly): circulation and generation; each idempotent."""

import datetime as dt

import pytest
from django.utils import timezone

from scheduling import services, tasks
from scheduling.models import BoardSchedule, Invitation, Meeting, Notification
from scheduling.tests.helpers import ready_case
from tests.factories import MeetingFactory
from tumorboard.celery import app

pytestmark = pytest.mark.django_db


def hours_ahead(hours: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


def meeting_in(cast, hours: float) -> Meeting:
    start = hours_ahead(hours).replace(microsecond=0)
    return MeetingFactory(board=cast.board, starts_at=start, ends_at=start + dt.timedelta(hours=1))


def run(task, capture):
    """Run a task eagerly and then the e-mails it queued on commit."""
    with capture(execute=True):
        return task.delay().get()


def test_circulation_task_circulates_due_agendas_once(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    due = meeting_in(cast, 20)  # circulation 24 h before: due 4 h ago
    not_yet = meeting_in(cast, 30)
    services.agenda_item_add(meeting=due, case=ready_case(cast.board), by=cast.coordinator)
    Invitation.objects.create(meeting=due, user=cast.surgeon, discipline="spine_surgery")
    Invitation.objects.create(meeting=due, user=cast.chair, discipline="medical_oncology")

    assert run(tasks.circulate_due_agendas, django_capture_on_commit_callbacks) == 1
    due.refresh_from_db()
    circulated_at = due.agenda_circulated_at
    assert circulated_at is not None
    sent = Notification.objects.filter(kind=Notification.Kind.AGENDA_CIRCULATED)
    assert sorted(n.recipient.username for n in sent) == ["chair", cast.surgeon.username]
    assert "1. Case" in sent.first().body
    assert len(mailoutbox) == 2

    assert run(tasks.circulate_due_agendas, django_capture_on_commit_callbacks) == 0
    due.refresh_from_db()
    assert due.agenda_circulated_at == circulated_at
    assert sent.count() == 2
    assert len(mailoutbox) == 2
    not_yet.refresh_from_db()
    assert not_yet.agenda_circulated_at is None


def test_circulation_goes_to_all_members_when_nobody_is_invited(
    cast, django_capture_on_commit_callbacks
):
    cast.board.agenda_circulation_hours = 48
    cast.board.save()
    meeting = meeting_in(cast, 30)
    assert run(tasks.circulate_due_agendas, django_capture_on_commit_callbacks) == 1
    recipients = set(
        Notification.objects.filter(kind=Notification.Kind.AGENDA_CIRCULATED).values_list(
            "recipient__username", flat=True
        )
    )
    assert recipients == {"coord", "chair", *(u.username for u in cast.specialists.values())}
    assert cast.outsider.username not in recipients
    meeting.refresh_from_db()
    assert "No cases yet." in Notification.objects.filter(recipient=cast.chair).get().body


def test_cancelled_meetings_are_not_circulated(cast, django_capture_on_commit_callbacks):
    meeting = meeting_in(cast, 20)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    assert run(tasks.circulate_due_agendas, django_capture_on_commit_callbacks) == 0
    assert Notification.objects.count() == 0


def test_generate_meetings_task_fills_twelve_weeks_once(
    cast, other_coordinator, django_capture_on_commit_callbacks
):
    services.board_schedule_create(
        board=cast.board,
        frequency="weekly",
        weekday=1,
        time_zone="Europe/London",
        local_start_time=dt.time(7, 30),
        duration_minutes=60,
        starts_on=timezone.localdate(),
        by=cast.coordinator,
    )
    inactive = services.board_schedule_create(
        board=cast.other_board,
        frequency="weekly",
        weekday=2,
        time_zone="Europe/London",
        local_start_time=dt.time(8, 0),
        duration_minutes=60,
        starts_on=timezone.localdate(),
        by=other_coordinator,
    )
    BoardSchedule.objects.filter(pk=inactive.pk).update(active=False)

    created = run(tasks.generate_meetings, django_capture_on_commit_callbacks)
    assert created in (12, 13)  # 12 weeks ahead: 12 Tuesdays, 13 if today's 07:30 is still ahead
    assert Meeting.objects.filter(board=cast.board).count() == created
    assert Meeting.objects.filter(board=cast.other_board).count() == 0
    assert run(tasks.generate_meetings, django_capture_on_commit_callbacks) == 0


def test_beat_runs_the_coordination_tasks():
    schedule = app.conf.beat_schedule
    names = {entry["task"] for entry in schedule.values()}
    ours = {
        "scheduling.tasks.circulate_due_agendas",
        "scheduling.tasks.generate_meetings",
    }
    assert ours <= names
    assert ours <= set(app.tasks)
