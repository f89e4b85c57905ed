"""The opinion reminder beat task (run eagerly): reminds who owes an opinion, once."""

import datetime as dt

import pytest
from django.utils import timezone

from recommendations.models import Opinion
from recommendations.opinions import tasks
from scheduling.models import Invitation, Meeting, Notification
from tests.factories import AgendaItemFactory, CaseFactory, MeetingFactory
from tumorboard.celery import app

pytestmark = pytest.mark.django_db


def meeting_in(cast, hours: float) -> Meeting:
    start = (timezone.now() + dt.timedelta(hours=hours)).replace(microsecond=0)
    return MeetingFactory(board=cast.board, starts_at=start, ends_at=start + dt.timedelta(hours=1))


def on_agenda(meeting: Meeting):
    case = CaseFactory(board=meeting.board)
    AgendaItemFactory(meeting=meeting, case=case, position=1)
    return case


def run(capture) -> int:
    """Run the beat task eagerly and then the e-mails it queued on commit."""
    with capture(execute=True):
        return tasks.send_due_opinion_reminders.delay().get()


@pytest.fixture
def due_meeting(cast):
    """Starts in 30 h; opinions due 24 h before, i.e. in 6 h: reminders are due (≤ 12 h)."""
    meeting = meeting_in(cast, 30)
    on_agenda(meeting)
    Invitation.objects.create(meeting=meeting, user=cast.surgeon, discipline="spine_surgery")
    return meeting


def test_reminder_task_run_twice_sends_one_notification_and_one_email(
    cast, due_meeting, mailoutbox, django_capture_on_commit_callbacks
):
    assert run(django_capture_on_commit_callbacks) == 1
    assert run(django_capture_on_commit_callbacks) == 0

    reminders = Notification.objects.filter(kind=Notification.Kind.OPINION_REMINDER)
    assert reminders.count() == 1
    reminder = reminders.get()
    case = due_meeting.agenda_items.get().case
    assert reminder.recipient == cast.surgeon
    assert (
        reminder.dedupe_key == f"opinion-reminder:{due_meeting.uuid}:{cast.surgeon.pk}:{case.uuid}"
    )
    assert reminder.link == f"/opinions/{due_meeting.uuid}/{case.uuid}/"
    assert reminder.emailed_at is not None
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [cast.surgeon.email]
    assert mailoutbox[0].subject == reminder.subject
    assert "Spine surgery" in mailoutbox[0].body
    assert case.patient.family_name not in mailoutbox[0].body
    assert case.patient.mrn not in mailoutbox[0].body


def test_reminders_wait_for_the_window_and_stop_at_the_start(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    for hours in (37, -0.5):  # deadline 13 h away: too early; started half an hour ago: too late
        meeting = meeting_in(cast, hours)
        on_agenda(meeting)
        Invitation.objects.create(meeting=meeting, user=cast.surgeon, discipline="spine_surgery")
    assert run(django_capture_on_commit_callbacks) == 0
    assert Notification.objects.count() == 0
    assert mailoutbox == []


def test_the_board_setting_moves_the_deadline(cast, mailoutbox, django_capture_on_commit_callbacks):
    meeting = meeting_in(cast, 50)
    on_agenda(meeting)
    Invitation.objects.create(meeting=meeting, user=cast.surgeon, discipline="spine_surgery")
    assert run(django_capture_on_commit_callbacks) == 0
    cast.board.opinion_deadline_hours = 48  # due in 2 h
    cast.board.save()
    assert run(django_capture_on_commit_callbacks) == 1
    assert len(mailoutbox) == 1


def test_no_reminder_for_declined_non_specialists_or_given_opinions(
    cast, due_meeting, mailoutbox, django_capture_on_commit_callbacks
):
    case = due_meeting.agenda_items.get().case
    radonc = cast.specialists["radiation_oncology"]
    Invitation.objects.create(
        meeting=due_meeting,
        user=radonc,
        discipline="radiation_oncology",
        response=Invitation.Response.DECLINED,
    )
    Invitation.objects.create(meeting=due_meeting, user=cast.coordinator, discipline="")
    Opinion.objects.create(
        case=case,
        meeting=due_meeting,
        author=cast.surgeon,
        discipline="spine_surgery",
        rationale="Unstable: stabilise first.",
        confidence="high",
        submitted_at=timezone.now(),
    )
    assert run(django_capture_on_commit_callbacks) == 0
    assert mailoutbox == []


def test_a_meeting_that_invites_nobody_reminds_every_specialist_member(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    """The one rule of who owes an opinion (opinions.selectors.specialists_missing_opinions):
    without invitations, every specialist member of the board with a discipline."""
    meeting = meeting_in(cast, 30)
    on_agenda(meeting)
    assert run(django_capture_on_commit_callbacks) == 6
    reminded = set(
        Notification.objects.filter(kind=Notification.Kind.OPINION_REMINDER).values_list(
            "recipient__username", flat=True
        )
    )
    assert reminded == {"chair", *(u.username for u in cast.specialists.values())}
    assert len(mailoutbox) == 6
    assert run(django_capture_on_commit_callbacks) == 0


def test_beat_runs_the_reminders():
    names = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "recommendations.opinions.tasks.send_due_opinion_reminders" in names
    assert "recommendations.opinions.tasks.send_due_opinion_reminders" in app.tasks
