"""notify (once per dedupe key) and the e-mail task (at most once, retried on failure)."""

from smtplib import SMTPException

import pytest
from celery.exceptions import Retry

from scheduling import notifications
from scheduling.models import Notification

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
