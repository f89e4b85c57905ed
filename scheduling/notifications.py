"""Messages to one person, in the app and by e-mail, each sent at most once.

A notification is identified by its `dedupe_key`, which names what it is about
("opinion-reminder:<meeting uuid>:<user id>:<case uuid>"). The unique constraint on that key means
a second attempt to send the same thing (a task run twice, two workers racing) inserts nothing and
sends nothing. Subjects and bodies carry no patient names or MRNs; links use UUIDs. Links are
stored as site paths and e-mailed absolute, with a plain-text and an HTML part (tumorboard.mail).

The e-mail task lives here, beside `notify` which enqueues it, so notifying needs no import of
the tasks module (which imports the services, which notify).
"""

from __future__ import annotations

import datetime as dt
import logging
from smtplib import SMTPException
from zoneinfo import ZoneInfo

from celery import shared_task
from celery.exceptions import Retry
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone, translation

from cases.models import Patient
from tumorboard.mail import MAIL_TASK, absolute_url, send_email
from tumorboard.queue import enqueue_on_commit, send_now

from .models import Meeting, Notification

logger = logging.getLogger(__name__)


def meeting_link(meeting: Meeting) -> str:
    """Where a meeting's page lives (by UUID)."""
    return f"/meetings/{meeting.uuid}/"


def case_link(case) -> str:
    """Where a case's page lives (by UUID, never an MRN)."""
    return f"/cases/{case.uuid}/"


def local_time(moment: dt.datetime, meeting: Meeting) -> str:
    """A time as people at the meeting's board read it, e.g. "Tue 03 Nov 2026 07:30"."""
    return f"{timezone.localtime(moment, ZoneInfo(meeting.board.time_zone)):%a %d %b %Y %H:%M}"


def notify(
    *,
    recipient: AbstractBaseUser,
    kind: str,
    dedupe_key: str,
    subject: str,
    body: str,
    link: str = "",
) -> Notification | None:
    """Record a notification once and e-mail it after the surrounding transaction commits.

    Returns the new Notification, or None when one with this `dedupe_key` already exists (then
    nothing is written and nothing is sent). Safe inside an outer transaction and under races: the
    insert runs in a savepoint and a concurrent duplicate is resolved by the unique constraint.
    """
    with transaction.atomic():
        notification, created = Notification.objects.get_or_create(
            dedupe_key=dedupe_key[:200],
            defaults={
                "recipient": recipient,
                "kind": kind,
                "subject": subject[:200],
                "body": body,
                "link": link[:300],
            },
        )
    if not created:
        return None
    # If the broker is down the row stays unsent (emailed_at is NULL) and is shown in the app.
    enqueue_on_commit(send_notification_email, args=[notification.pk])
    return notification


def email_link(notification: Notification) -> str:
    """The notification's link as an e-mail gives it: absolute, from the configured site address."""
    link = notification.link
    if not link or link.startswith(("http://", "https://")):
        return link
    return absolute_url(link)


def email_context(notification: Notification) -> dict:
    """What the e-mail templates (emails/notification.txt and .html) show."""
    return {
        "subject": notification.subject,
        "body": notification.body,
        "paragraphs": [part for part in notification.body.split("\n\n") if part.strip()],
        "link": email_link(notification),
    }


def recipient_language(user_id: int) -> str:
    """The language of a notification e-mail's frame (its button, its footer): a patient's
    preferred language, the site's for staff. The subject and body are written in it already."""
    preferred = (
        Patient.objects.filter(user_id=user_id).values_list("preferred_language", flat=True).first()
    )
    return preferred or settings.LANGUAGE_CODE


# The name it had when it lived in scheduling/tasks.py, so messages already queued still run.
@shared_task(name="scheduling.tasks.send_notification_email", **MAIL_TASK)
def send_notification_email(self, notification_id: int) -> bool:
    """E-mail one notification, at most once. Returns True when this run sent it.

    The row is claimed with a conditional UPDATE (emailed_at IS NULL → now, exactly one row), so
    a duplicate or concurrent run sends nothing. If the mail server fails, the claim is released
    and the task retries (at most 3 times). A worker killed between claim and send leaves the
    notification marked as e-mailed: a lost e-mail is preferred to a duplicate one; the in-app
    notification is there either way.
    """
    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    )
    if notification is None or notification.emailed_at is not None:
        return False
    address = notification.recipient.email
    if not address or not notification.recipient.is_active:
        return False
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if claimed != 1:
        return False
    try:
        with translation.override(recipient_language(notification.recipient_id)):
            send_email(
                to=address,
                subject=notification.subject,
                template="notification",
                context=email_context(notification),
            )
    except (SMTPException, OSError) as exc:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise self.retry(exc=exc) from exc
    return True


# At most this many per run: a long outage's backlog goes out over a few runs, not in one burst.
RESEND_BATCH = 500


def notifications_unsent(now: dt.datetime) -> list[int]:
    """Notifications that should have been e-mailed by now and were not, oldest first (ids).

    Only those between NOTIFICATION_RESEND_AFTER_MINUTES and NOTIFICATION_RESEND_WITHIN_HOURS
    old, to people who can receive them (active, with an address).
    """
    after = dt.timedelta(minutes=settings.NOTIFICATION_RESEND_AFTER_MINUTES)
    within = dt.timedelta(hours=settings.NOTIFICATION_RESEND_WITHIN_HOURS)
    return list(
        Notification.objects.filter(
            emailed_at__isnull=True,
            created_at__lte=now - after,
            created_at__gte=now - within,
            recipient__is_active=True,
        )
        .exclude(recipient__email="")
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:RESEND_BATCH]
    )


@shared_task(
    name="scheduling.tasks.resend_unsent_notifications",
    acks_late=True,
    time_limit=300,
    soft_time_limit=240,
)
def resend_unsent_notifications() -> int:
    """Beat: send again the e-mails of notifications made while the broker (or the mail server)
    was down. Returns how many were queued.

    Safe to run twice and beside a send already queued: `send_notification_email` claims the row
    with a conditional UPDATE, so a notification is e-mailed once whatever the number of tasks.
    While the broker is still down nothing is sent and the next run tries again.
    """
    queued = 0
    for notification_id in notifications_unsent(timezone.now()):
        try:
            if not send_now(send_notification_email, args=[notification_id]):
                break  # the broker is still away
        except Retry:  # run in-process (no broker): the mail server is still away
            break
        queued += 1
    if queued:
        logger.info("%d unsent notifications queued for e-mail again", queued)
    return queued
