"""Reads of boards and meetings, scoped to the user asking. Access control for both lives here."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from tumorboard.roles import is_staff_member

from .models import Board, BoardMembership, Meeting


def boards_visible_to(user) -> QuerySet[Board]:
    """The boards the user is a member of (any role); every board for a superuser.

    Patients and users without a clinical role see none, whatever memberships they hold.
    """
    if not is_staff_member(user):
        return Board.objects.none()
    if user.is_superuser:
        return Board.objects.all()
    # A subquery rather than a join: a user may hold several roles on one board.
    return Board.objects.filter(pk__in=BoardMembership.objects.filter(user=user).values("board_id"))


def board_list(*, user) -> QuerySet[Board]:
    return boards_visible_to(user).order_by("name")


def meetings_visible_to(user) -> QuerySet[Meeting]:
    """Meetings of the boards the user is a member of."""
    return Meeting.objects.filter(board__in=boards_visible_to(user))


def meeting_list(*, user, upcoming: bool | None = None) -> QuerySet[Meeting]:
    """Meetings by start time. upcoming=True: not yet over and not cancelled."""
    qs = meetings_visible_to(user).select_related("board")
    if upcoming:
        qs = qs.filter(ends_at__gte=timezone.now()).exclude(status=Meeting.Status.CANCELLED)
    return qs.order_by("starts_at", "pk")
