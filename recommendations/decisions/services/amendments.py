"""Amendments of a signed plan: a reason, the author, the version amended and what changed; the
history tables keep every earlier version readable."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction

from recommendations.models import ConsensusPlan, PlanAmendment
from tumorboard.errors import ConflictError
from tumorboard.services import check_version

from .common import (
    REASON_MAX,
    bump,
    clean_text,
    fail,
    lock_plan,
    plan_context,
    require_member,
)
from .plans import ActivityChange, apply_activity_changes, apply_plan_fields
from .signoff import notify_owners

# A signed plan's own fields that an amendment may change (the outcome moved the case already).
AMENDABLE_PLAN_FIELDS = frozenset({"summary"})
NOT_SIGNED = "Only a signed plan is amended; change the draft directly."


@transaction.atomic
def plan_amend(
    *,
    plan: ConsensusPlan,
    reason: str,
    by: AbstractBaseUser,
    changes: Mapping[str, Any] | None = None,
    activities: Iterable[ActivityChange] = (),
    expected_version: int | None = None,
) -> PlanAmendment:
    """Change a signed plan: a PlanAmendment records the reason, author, time, the version it
    amended and what changed; the history tables keep every earlier version readable.

    Only a chair or coordinator of the board amends. `changes` may set the summary; activities
    may be added, changed while planned or in progress, and removed while planned (an activity
    that has started or ended records its status instead). Owners of added or changed activities
    are notified.
    """
    plan = lock_plan(plan)
    _record, _item, meeting, _case = plan_context(plan)
    if not require_member(meeting.board, by).coordinates:
        raise PermissionDenied("Only a chair or coordinator of the board amends a signed plan.")
    if plan.status != ConsensusPlan.Status.SIGNED:
        raise ConflictError(NOT_SIGNED, fields={"plan": [NOT_SIGNED]}, code="not_signed")
    if expected_version is not None:
        check_version(plan, expected_version, "plan")
    reason = clean_text(reason, field="reason", limit=REASON_MAX, label="Reason")
    if not reason:
        fail("reason", "Give the reason for the amendment.", "A reason is required.")
    version_before = plan.version
    diff = apply_plan_fields(plan, changes or {}, allowed=AMENDABLE_PLAN_FIELDS)
    log, touched = apply_activity_changes(
        plan, list(activities), board=meeting.board, by=by, amending=True, reason=reason
    )
    if not diff and not log:
        fail("changes", "The amendment changes nothing.", "Nothing to amend.")
    amendment = PlanAmendment(
        plan=plan,
        reason=reason,
        author=by,
        plan_version_before=version_before,
        changes={"plan": diff, "activities": log},
    )
    amendment.full_clean()
    amendment.save()
    bump(plan, by=by, reason=f"Amendment: {reason}")
    notify_owners(plan, touched, meeting.board, key=f"plan-amendment:{amendment.pk}", amended=True)
    return amendment
