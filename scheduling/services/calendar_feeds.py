"""A user's secret calendar-subscription feed."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from ..models import CalendarFeed


def _feed_token() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def calendar_feed_token(*, user: AbstractBaseUser) -> CalendarFeed:
    """The user's calendar-subscription feed, created with a new secret token on first use."""
    feed, _created = CalendarFeed.objects.get_or_create(
        user=user, defaults={"token": _feed_token()}
    )
    return feed


@transaction.atomic
def calendar_feed_rotate(*, user: AbstractBaseUser) -> CalendarFeed:
    """Give the user a new secret feed token; the old URL stops working at once."""
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        return CalendarFeed.objects.create(user=user, token=_feed_token())
    feed.token = _feed_token()
    feed.created_at = timezone.now()
    feed.save(update_fields=["token", "created_at"])
    return feed
