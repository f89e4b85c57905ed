"""Messages to one person, in the app and by e-mail, each sent at most once.

A notification is identified by its `dedupe_key`, which names what it is about
("opinion-reminder:<meeting uuid>:<user id>:<case uuid>"). The unique constraint on that key means
a second attempt to send the same thing (a task run twice, two workers racing) inserts nothing and
sends nothing. Subjects and bodies carry no patient names or MRNs; links use UUIDs.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from tumorboard.queue import enqueue_on_commit

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
    from .tasks import send_notification_email

    # If the broker is down the row stays unsent (emailed_at is NULL) and is shown in the app.
    enqueue_on_commit(send_notification_email, args=[notification.pk])
    return notification


def email_text(notification: Notification) -> str:
    """The e-mail body: the message, then the link to open it in the app."""
    if notification.link:
        return f"{notification.body}\n\nOpen: {notification.link}"
    return notification.body
