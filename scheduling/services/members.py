"""Who sits on a board and with which duty (member, coordinator, chair).

A person has one duty on a board: coordinators and the chair are members too, so their rows say
only the higher duty. The board's coordinators and chair manage the list (`scheduling.access`);
a board always keeps at least one coordinator. Every change is kept in the memberships' history
with the user who made it.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from tumorboard.errors import ApplicationError
from tumorboard.roles import is_staff_member
from tumorboard.services import save_validated

from ..access import forget_board_roles
from ..models import Board, BoardMembership
from .common import require_coordinator

Role = BoardMembership.Role
LAST_COORDINATOR = "The board needs at least one coordinator: make someone else coordinator first."


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def _check_role(role: object) -> str:
    if role not in Role.values:
        raise ApplicationError(
            "Choose a duty.", fields={"role": ["Choose member, coordinator or chair."]}
        )
    return str(role)


def _lock(board: Board) -> Board:
    """The board row, locked: membership changes on one board happen one at a time, so two
    coordinators cannot each remove the other and leave the board without one."""
    return Board.objects.select_for_update().get(pk=board.pk)


def _rows(board: Board, user) -> list[BoardMembership]:
    return list(BoardMembership.objects.filter(board=board, user=user).order_by("pk"))


def _refuse_without_coordinator(board: Board, *, leaving) -> None:
    """Refuse a change after which the board would have no coordinator left."""
    others = (
        BoardMembership.objects.filter(board=board, role=Role.COORDINATOR)
        .exclude(user=leaving)
        .exists()
    )
    if not others:
        raise ApplicationError(LAST_COORDINATOR, fields={"role": [LAST_COORDINATOR]})


def _delete(row: BoardMembership, by: AbstractBaseUser) -> None:
    row._history_user = by  # the history row of the deletion names who removed them
    row.delete()


@transaction.atomic
def board_member_add(
    *, board: Board, user: AbstractBaseUser, role: str, by: AbstractBaseUser
) -> BoardMembership:
    """Put a clinical staff member on the board with `role`. Refused: a user who is not clinical
    staff or is inactive, or who already sits on the board (field `user`); an unknown role
    (`role`). Only the board's coordinators and chair (PermissionDenied)."""
    require_coordinator(by, board)
    role = _check_role(role)
    board = _lock(board)
    if not user.is_active or not is_staff_member(user):
        raise ApplicationError(
            "Only clinical staff can join a board.",
            fields={"user": ["Choose an active member of the clinical staff."]},
        )
    if _rows(board, user):
        raise ApplicationError(
            "Already on the board.",
            fields={"user": [f"{_person(user)} is already on the board: change their duty."]},
        )
    membership = BoardMembership(board=board, user=user, role=role)
    save_validated(membership, by=by, creating=True)
    forget_board_roles(user)
    return membership


def _membership_of(board: Board, user) -> list[BoardMembership]:
    rows = _rows(board, user)
    if not rows:
        raise ApplicationError(
            "Not on the board.",
            fields={"user": [f"{_person(user)} is not on this board."]},
        )
    return rows


@transaction.atomic
def board_member_set_role(
    *, board: Board, user: AbstractBaseUser, role: str, by: AbstractBaseUser
) -> BoardMembership:
    """Give a member of the board the duty `role` (their only one on this board). Refused: a
    user who is not on the board (`user`), an unknown role, or taking the duty of coordinator from
    the board's last coordinator (`role`). Only the board's coordinators and chair
    (PermissionDenied)."""
    require_coordinator(by, board)
    role = _check_role(role)
    board = _lock(board)
    rows = _membership_of(board, user)
    if role != Role.COORDINATOR and any(row.role == Role.COORDINATOR for row in rows):
        _refuse_without_coordinator(board, leaving=user)
    kept, *extra = sorted(rows, key=lambda row: row.role != role)
    for row in extra:
        _delete(row, by)
    if kept.role != role:
        kept.role = role
        save_validated(kept, by=by)
    forget_board_roles(user)
    forget_board_roles(by)
    return kept


@transaction.atomic
def board_member_remove(*, board: Board, user: AbstractBaseUser, by: AbstractBaseUser) -> None:
    """Take a person off the board (all their duties on it). Refused: a user who is not on the
    board (`user`), or the board's last coordinator (`role`). Only the board's coordinators and
    chair (PermissionDenied). Their past invitations, attendance and opinions stay."""
    require_coordinator(by, board)
    board = _lock(board)
    rows = _membership_of(board, user)
    if any(row.role == Role.COORDINATOR for row in rows):
        _refuse_without_coordinator(board, leaving=user)
    for row in rows:
        _delete(row, by)
    forget_board_roles(user)
    forget_board_roles(by)
