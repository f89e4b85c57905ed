"""Who a user is on a board: THE one place that answers it.

A user's duties on a board are their `BoardMembership` rows (member, coordinator, chair) and the
discipline of their specialist profile. Every page, API view and service that asks "may this user
coordinate this board?" or "is this user a member?" calls `board_roles` (or one of the helpers
below, which are written with it); none re-reads the membership table on its own.

The answer is cached on the user object for the request (users are loaded once per request by
the authentication middleware), so asking again for the same board costs no query.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from tumorboard.roles import is_staff_member

from .models import Board, BoardMembership

COORDINATING_ROLES = frozenset({BoardMembership.Role.COORDINATOR, BoardMembership.Role.CHAIR})
NOT_COORDINATOR = "Only the board's coordinators and chair can do this."


@dataclass(frozen=True)
class BoardRoles:
    """A user's duties on one board. `roles` holds the membership roles (all of them for a
    superuser); `discipline` is the specialist discipline they speak for ("" if none)."""

    roles: frozenset[str]
    discipline: str = ""
    staff: bool = False

    @property
    def member(self) -> bool:
        """Clinical staff with any membership on the board."""
        return self.staff and bool(self.roles)

    @property
    def coordinator(self) -> bool:
        return self.staff and BoardMembership.Role.COORDINATOR in self.roles

    @property
    def chair(self) -> bool:
        return self.staff and BoardMembership.Role.CHAIR in self.roles

    @property
    def coordinates(self) -> bool:
        """May change the board's meetings, agendas, schedules and settings, prepare summaries
        and take attendance: its coordinators and its chair."""
        return self.staff and bool(self.roles & COORDINATING_ROLES)


NO_ROLES = BoardRoles(roles=frozenset())


def user_discipline(user) -> str:
    """The discipline the user speaks for, from their specialist profile ("" if none)."""
    try:
        return user.specialist_profile.discipline or ""
    except Exception:  # noqa: BLE001 - RelatedObjectDoesNotExist: no profile, no discipline
        return ""


def board_roles(user, board: Board | int) -> BoardRoles:
    """The user's duties on `board` (a Board or its primary key); NO_ROLES for patients,
    outsiders and anonymous users. Cached per user object."""
    if user is None or not getattr(user, "is_authenticated", False) or not is_staff_member(user):
        return NO_ROLES
    board_id = board if isinstance(board, int) else board.pk
    cache: dict[int, BoardRoles] | None = getattr(user, "_tumorboard_board_roles", None)
    if cache is None:
        cache = {}
        user._tumorboard_board_roles = cache
    if board_id not in cache:
        if user.is_superuser:
            roles = frozenset(BoardMembership.Role.values)
        else:
            roles = frozenset(
                BoardMembership.objects.filter(board_id=board_id, user_id=user.pk).values_list(
                    "role", flat=True
                )
            )
        cache[board_id] = BoardRoles(roles=roles, discipline=user_discipline(user), staff=True)
    return cache[board_id]


def forget_board_roles(user) -> None:
    """Drop the cached answers (after a service changed the user's memberships)."""
    if hasattr(user, "_tumorboard_board_roles"):
        del user._tumorboard_board_roles


def can_coordinate(user, board: Board | int) -> bool:
    return board_roles(user, board).coordinates


def is_board_member(user, board: Board | int) -> bool:
    return board_roles(user, board).member


def boards_visible_to(user) -> QuerySet[Board]:
    """The boards a user belongs to (every board for a superuser); none for patients and
    outsiders."""
    if not is_staff_member(user):
        return Board.objects.none()
    if user.is_superuser:
        return Board.objects.all()
    return Board.objects.filter(pk__in=BoardMembership.objects.filter(user=user).values("board_id"))


def boards_coordinated_by(user) -> QuerySet[Board]:
    """Boards whose meetings, agendas, schedules and settings the user may change: those where
    they are a coordinator or the chair (every board for a superuser)."""
    if not is_staff_member(user):
        return Board.objects.none()
    if user.is_superuser:
        return Board.objects.all()
    return Board.objects.filter(
        pk__in=BoardMembership.objects.filter(user=user, role__in=COORDINATING_ROLES).values(
            "board_id"
        )
    )


def boards_chaired_by(user) -> QuerySet[Board]:
    """Boards the user chairs (every board for a superuser): whose meetings they run and whose
    plans they sign."""
    if not is_staff_member(user):
        return Board.objects.none()
    if user.is_superuser:
        return Board.objects.all()
    return Board.objects.filter(
        pk__in=BoardMembership.objects.filter(user=user, role=BoardMembership.Role.CHAIR).values(
            "board_id"
        )
    )
