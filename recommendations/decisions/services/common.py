"""What every write of meeting mode shares: who may write, the version check, the locks, the
history row's reason and the plain-text checks.

Who may write comes from `scheduling.access.board_roles`, the one rule for a user's duties on a
board; these helpers only say what meeting mode asks of it.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied

from cases.models import Case
from recommendations.decisions.selectors import record_hidden_from
from recommendations.models import ConsensusPlan, DecisionRecord
from scheduling.access import BoardRoles, board_roles
from scheduling.models import AgendaItem, Board, Meeting
from tumorboard.errors import ApplicationError, ConflictError
from tumorboard.roles import is_staff_member
from tumorboard.services import save_validated

REASON_MAX = 1000
LOCKED = "The plan is signed and locked: change it with an amendment (reason required)."
BLIND_MESSAGE = (
    "The decision record opens once you have given your own opinion on this case, or once the "
    "meeting has started: the board keeps opinions blind until then."
)


def fail(field: str, message: str, summary: str = "Please correct the errors below.") -> NoReturn:
    raise ApplicationError(summary, fields={field: [message]})


def require_member(board: Board, user: AbstractBaseUser) -> BoardRoles:
    """The user's duties on the board; PermissionDenied unless clinical staff who belong to it."""
    if not is_staff_member(user):
        raise PermissionDenied("Only clinical staff of the board work on its decisions.")
    duties = board_roles(user, board)
    if not duties.member:
        raise PermissionDenied("Only members of the meeting's board work on its decisions.")
    return duties


def refuse_if_blind(user: AbstractBaseUser, item: AgendaItem, case: Case) -> None:
    """Refuse a write to the decision record or plan of `item` by someone the blind-opinion rule
    still keeps them from (`recommendations.decisions.selectors.record_hidden_from`): the pages
    and the API answer 404 before calling the services; this is the services' own backstop."""
    if record_hidden_from(user, item, case):
        fail("record", BLIND_MESSAGE, BLIND_MESSAGE)


def lock_plan(plan: ConsensusPlan) -> ConsensusPlan:
    return ConsensusPlan.objects.select_for_update().get(pk=plan.pk)


def plan_context(plan: ConsensusPlan) -> tuple[DecisionRecord, AgendaItem, Meeting, Case]:
    record = DecisionRecord.objects.select_related(
        "agenda_item__meeting__board", "agenda_item__case__board"
    ).get(pk=plan.decision_id)
    item = record.agenda_item
    return record, item, item.meeting, item.case


def refuse_if_signed(plan: ConsensusPlan) -> None:
    if plan.status == ConsensusPlan.Status.SIGNED:
        raise ConflictError(LOCKED, fields={"plan": [LOCKED]}, code="locked")


def set_reason(obj, reason: str) -> None:
    """The history row's change reason (its column holds 100 characters)."""
    if reason:
        obj._change_reason = reason if len(reason) <= 100 else reason[:99] + "…"


def bump(obj, *, by, reason: str = "") -> None:
    """Save a new version of the record or plan, attributed to `by`."""
    obj.version += 1
    set_reason(obj, reason)
    save_validated(obj, by=by)


def clean_text(value: Any, *, field: str, limit: int, label: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        fail(field, f"{label}: give text.")
    value = value.strip()
    if len(value) > limit:
        fail(field, f"{label}: keep it to {limit} characters.")
    return value
