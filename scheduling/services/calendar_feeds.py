"""A user's secret calendar-subscription feed.

Each user makes and rotates their own feed (the services take no other actor); only clinical staff
have one, since it lists the meetings of their boards.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from tumorboard.roles import is_staff_member

from ..models import CalendarFeed

NOT_STAFF = "Calendar feeds are for clinical staff."


def _refuse_unless_staff(user: AbstractBaseUser) -> None:
    if not (user.is_active and is_staff_member(user)):
        raise PermissionDenied(NOT_STAFF)


def _feed_token() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def calendar_feed_token(*, user: AbstractBaseUser) -> CalendarFeed:
    """The user's calendar-subscription feed, created with a new secret token on first use.
    Refused (PermissionDenied) for anyone but active clinical staff."""
    _refuse_unless_staff(user)
    feed, _created = CalendarFeed.objects.get_or_create(
        user=user, defaults={"token": _feed_token()}
    )
    return feed


@transaction.atomic
def calendar_feed_rotate(*, user: AbstractBaseUser) -> CalendarFeed:
    """Give the user a new secret feed token; the old URL stops working at once. Refused
    (PermissionDenied) for anyone but active clinical staff."""
    _refuse_unless_staff(user)
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        return CalendarFeed.objects.create(user=user, token=_feed_token())
    feed.token = _feed_token()
    feed.created_at = timezone.now()
    feed.save(update_fields=["token", "created_at"])
    return feed
