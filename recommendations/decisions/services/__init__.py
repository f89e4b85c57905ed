"""Every write of meeting mode: the shared decision record (`records`, pre-filled by `prefill`),
the consensus plan with its activities and dissents (`plans`), the chair's sign-off (`signoff`)
and later amendments (`amendments`). This package re-exports the writes, their errors and the
shape of an activity change, so a caller imports `recommendations.decisions.services`.

Keyword-only, atomic, validated before saving and attributed to `by`; every save leaves a history
row (django-simple-history) so the record and the plan can be read as they were at any time.

Concurrency. Several people type into the same record during the meeting. The decision record and
the plan each carry a `version`: a write names the version it was based on, the row is locked
(`SELECT ... FOR UPDATE`) and compared, and a stale write is refused with `StaleVersionError`
(which carries the current row) instead of overwriting someone else's words. The plan's version
covers its activities and dissents too: adding, changing or removing one bumps it, so whoever
edits the plan next from an older screen is told.

Lock order (no deadlocks with scheduling, which locks meeting → case): meeting → plan → decision
record / activity → case.

Who may write: clinical staff who are members of the meeting's board (`scheduling.access.
board_roles`); each write checks its own actor. Only a chair of the board signs; only a chair or
coordinator of the board amends a signed plan; how an activity ends is recorded by its owner or
the board's coordinators and chair, who also send a case back to the board (`follow_through`).
"""

from tumorboard.errors import StaleVersionError, VersionRequiredError

from .amendments import plan_amend
from .common import BLIND_MESSAGE
from .follow_through import (
    activity_cancel,
    activity_complete,
    activity_deviate,
    activity_set_status,
    activity_start,
    case_send_back,
    may_follow_up,
    may_send_back,
    overdue_reminders_send,
    rediscussion_place,
)
from .plans import (
    ActivityChange,
    activity_add,
    activity_remove,
    activity_update,
    dissent_add,
    plan_save,
    plan_update,
)
from .records import decision_record_open, decision_record_update
from .signoff import plan_sign

__all__ = [
    "BLIND_MESSAGE",
    "ActivityChange",
    "StaleVersionError",
    "VersionRequiredError",
    "activity_add",
    "activity_cancel",
    "activity_complete",
    "activity_deviate",
    "activity_remove",
    "activity_set_status",
    "activity_start",
    "activity_update",
    "case_send_back",
    "decision_record_open",
    "decision_record_update",
    "dissent_add",
    "may_follow_up",
    "may_send_back",
    "overdue_reminders_send",
    "plan_amend",
    "plan_save",
    "plan_sign",
    "plan_update",
    "rediscussion_place",
]
