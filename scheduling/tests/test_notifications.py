"""notify (once per dedupe key) and the e-mail task (at most once, retried on failure)."""

import datetime as dt
from smtplib import SMTPException

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from scheduling import notifications
from scheduling.models import Notification
from tumorboard.celery import app

pytestmark = pytest.mark.django_db


def test_notify_inserts_once_per_dedupe_key(cast, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = notifications.notify(
            recipient=cast.surgeon, kind="general", dedupe_key="k:1", subject="S", body="B"
        )
        second = notifications.notify(
            recipient=cast.surgeon, kind="general", dedupe_key="k:1", subject="S2", body="B2"
        )
    assert first is not None and second is None
    assert len(callbacks) == 1
    assert Notification.objects.get().subject == "S"
    assert [m.subject for m in mailoutbox] == ["S"]


def test_email_task_run_twice_sends_once(cast, mailoutbox, settings):
    settings.SITE_URL = "https://board.example.org"
    notification = Notification.objects.create(
        recipient=cast.surgeon, kind="general", dedupe_key="k:2", subject="S", body="B", link="/x/"
    )
    assert notifications.send_notification_email.delay(notification.pk).get() is True
    assert notifications.send_notification_email.delay(notification.pk).get() is False
    assert len(mailoutbox) == 1
    assert mailoutbox[0].body == "B\n\nOpen: https://board.example.org/x/\n"
    html, mimetype = mailoutbox[0].alternatives[0]
    assert mimetype == "text/html"
    assert '<a href="https://board.example.org/x/"' in html
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_email_failure_releases_the_claim(cast, monkeypatch):
    notification = Notification.objects.create(
        recipient=cast.surgeon, kind="general", dedupe_key="k:3", subject="S", body="B"
    )

    def broken(*args, **kwargs):
        raise SMTPException("mail server down")

    monkeypatch.setattr(notifications, "send_email", broken)
    # Eagerly, the bounded retry surfaces as Retry; a worker would try again in 2 minutes.
    with pytest.raises(Retry):
        notifications.send_notification_email.apply(args=[notification.pk], throw=True)
    notification.refresh_from_db()
    assert notification.emailed_at is None


# --- e-mails that were never sent (broker or mail server down) ---------------------------------


def _unsent(recipient, key: str, *, minutes_ago: float) -> Notification:
    notification = Notification.objects.create(
        recipient=recipient, kind="general", dedupe_key=key, subject=key, body="B"
    )
    created = timezone.now() - dt.timedelta(minutes=minutes_ago)
    Notification.objects.filter(pk=notification.pk).update(created_at=created)
    return notification


def test_unsent_notifications_are_emailed_later_once(cast, mailoutbox, settings):
    settings.NOTIFICATION_RESEND_AFTER_MINUTES = 10
    settings.NOTIFICATION_RESEND_WITHIN_HOURS = 48
    due = _unsent(cast.surgeon, "due", minutes_ago=11)
    _unsent(cast.surgeon, "too-new", minutes_ago=2)  # its own send may still be on its way
    _unsent(cast.surgeon, "too-old", minutes_ago=49 * 60)  # in the app only
    cast.chair.email = ""
    cast.chair.save()
    _unsent(cast.chair, "no-address", minutes_ago=30)
    sent = _unsent(cast.coordinator, "already-sent", minutes_ago=30)
    Notification.objects.filter(pk=sent.pk).update(emailed_at=timezone.now())

    assert notifications.resend_unsent_notifications.apply().get() == 1
    assert [m.subject for m in mailoutbox] == ["due"]
    due.refresh_from_db()
    assert due.emailed_at is not None
    # The next run, or one racing it, sends nothing again.
    assert notifications.resend_unsent_notifications.apply().get() == 0
    assert notifications.send_notification_email.apply(args=[due.pk]).get() is False
    assert len(mailoutbox) == 1


def test_resending_stops_while_the_mail_server_is_down(cast, mailoutbox, monkeypatch):
    first = _unsent(cast.surgeon, "first", minutes_ago=20)
    _unsent(cast.surgeon, "second", minutes_ago=15)

    def broken(*args, **kwargs):
        raise SMTPException("mail server down")

    monkeypatch.setattr(notifications, "send_email", broken)
    assert notifications.resend_unsent_notifications.apply().get() == 0
    first.refresh_from_db()
    assert first.emailed_at is None  # the claim was released: the next run tries again
    monkeypatch.undo()
    assert notifications.resend_unsent_notifications.apply().get() == 2
    assert sorted(m.subject for m in mailoutbox) == ["first", "second"]


def test_resending_is_on_the_beat_schedule():
    names = [entry["task"] for entry in app.conf.beat_schedule.values()]
    assert notifications.resend_unsent_notifications.name in names
