"""The consensus plan while it is a draft: its outcome and summary, its activities (each with the
structured details that fit its kind) and the dissenting views. How an activity ends, after
sign-off, is `follow_through`.

The plan's version covers its activities and dissents: adding, changing or removing one moves it
on, so whoever edits the plan next from an older screen is told.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max

from recommendations.models import ConsensusPlan, Dissent, PlanActivity
from scheduling.access import is_board_member
from scheduling.models import Board
from tumorboard.errors import ApplicationError
from tumorboard.services import check_version, save_validated

from .common import (
    REASON_MAX,
    bump,
    clean_text,
    fail,
    lock_plan,
    plan_context,
    refuse_if_blind,
    refuse_if_signed,
    require_member,
    set_reason,
)

PLAN_FIELDS = frozenset({"outcome", "summary"})
ACTIVITY_FIELDS = frozenset(
    {
        "kind",
        "description",
        "details",
        "responsible_discipline",
        "responsible_user",
        "due_date",
        "position",
    }
)
DETAIL_TEXT_MAX = 200
# Activities that may still change or go in an amendment; ended ones are history.
AMENDABLE_STATUSES = frozenset({PlanActivity.Status.PLANNED, PlanActivity.Status.IN_PROGRESS})
REMOVABLE_STATUSES = frozenset({PlanActivity.Status.PLANNED})

RADIATION_TIMING: tuple[tuple[str, str], ...] = (
    ("before_surgery", "Before surgery"),
    ("after_surgery", "After surgery (once the wound allows)"),
    ("without_surgery", "No surgery planned"),
)
PAIN_PROCEDURES: tuple[tuple[str, str], ...] = (
    ("none", "No procedure"),
    ("nerve_block", "Nerve block"),
    ("spinal_cord_stimulation", "Spinal cord stimulation"),
    ("intrathecal_pump", "Intrathecal pump"),
)


@dataclass(frozen=True)
class DetailField:
    """One structured detail of an activity, e.g. the radiation regimen, for the kinds it fits."""

    key: str
    label: str
    kinds: frozenset[str]
    choices: tuple[tuple[str, str], ...] = ()


K = PlanActivity.Kind
DETAIL_FIELDS: tuple[DetailField, ...] = (
    DetailField("surgery_type", "Surgery type", frozenset({K.SURGERY})),
    DetailField("regimen", "Radiation regimen", frozenset({K.RADIATION})),
    DetailField("timing", "Timing relative to surgery", frozenset({K.RADIATION}), RADIATION_TIMING),
    DetailField("agent", "Agent or class, line", frozenset({K.SYSTEMIC})),
    DetailField("medication", "Medication", frozenset({K.PAIN, K.PALLIATIVE})),
    DetailField("procedure", "Pain procedure", frozenset({K.PAIN}), PAIN_PROCEDURES),
    DetailField("referral", "Palliative referral", frozenset({K.PALLIATIVE})),
    DetailField("goals", "Rehabilitation goals", frozenset({K.REHABILITATION})),
    DetailField("bracing", "Bracing", frozenset({K.REHABILITATION})),
    DetailField("therapy", "Therapy", frozenset({K.REHABILITATION})),
    DetailField("modality", "Imaging", frozenset({K.IMAGING})),
    DetailField("interval", "When", frozenset({K.IMAGING})),
    DetailField("note", "Note", frozenset(K.values)),
)
DETAIL_FIELDS_BY_KEY = {field.key: field for field in DETAIL_FIELDS}


def _clean_details(kind: str, details: Any) -> dict[str, str]:
    if details in (None, ""):
        return {}
    if not isinstance(details, Mapping):
        fail("details", 'Give the details as an object, e.g. {"regimen": "8 Gy x 1"}.')
    errors, cleaned = [], {}
    for key, value in details.items():
        field = DETAIL_FIELDS_BY_KEY.get(key)
        if field is None or kind not in field.kinds:
            allowed = [f.key for f in DETAIL_FIELDS if kind in f.kinds]
            errors.append(
                f"“{key}” is not a detail of this kind of activity; use: {', '.join(allowed)}."
            )
            continue
        if value is None:
            continue
        if not isinstance(value, str):
            errors.append(f"{field.label}: give text.")
            continue
        value = value.strip()
        if not value:
            continue
        if len(value) > DETAIL_TEXT_MAX:
            errors.append(f"{field.label}: keep it to {DETAIL_TEXT_MAX} characters.")
        if field.choices and value not in {v for v, _label in field.choices}:
            errors.append(
                f"{field.label}: choose one of {', '.join(v for v, _l in field.choices)}."
            )
        cleaned[key] = value
    if errors:
        raise ApplicationError("Please correct the errors below.", fields={"details": errors})
    return cleaned


def _apply_activity(activity: PlanActivity, fields: Mapping[str, Any], board: Board) -> None:
    unknown = sorted(set(fields) - ACTIVITY_FIELDS)
    if unknown:
        raise ApplicationError(
            "Please correct the errors below.",
            fields={name: ["This field cannot be set on an activity."] for name in unknown},
        )
    for name, value in fields.items():
        if name == "description":
            value = clean_text(value, field=name, limit=300, label="Description")
        elif name in {"kind", "responsible_discipline"}:
            value = value or ""
        elif name == "responsible_user" and value is not None:
            if not is_board_member(value, board):
                fail(name, "The person responsible must be a member of the board.")
        elif name == "due_date" and value is not None and not isinstance(value, dt.date):
            fail(name, "Give a date.")
        elif name == "position" and value is None:
            continue
        setattr(activity, name, value)
    if activity.kind not in PlanActivity.Kind.values:
        fail("kind", "Choose one of: " + ", ".join(PlanActivity.Kind.values) + ".")
    if "details" in fields or "kind" in fields:
        activity.details = _clean_details(activity.kind, activity.details)
    if not activity.description:
        fail("description", "Describe the activity.")
    if not activity.responsible_discipline and activity.responsible_user_id is None:
        fail("responsible_discipline", "Name the responsible discipline or person.")


@dataclass
class ActivityChange:
    """One activity operation of a plan save or an amendment.

    action "add" (fields), "change" (activity + fields) or "remove" (activity).
    """

    action: str
    activity: PlanActivity | None = None
    fields: Mapping[str, Any] | None = None


def _describe(activity: PlanActivity) -> dict[str, Any]:
    return {
        "kind": activity.kind,
        "description": activity.description,
        "details": dict(activity.details or {}),
        "responsible_discipline": activity.responsible_discipline,
        "responsible_user": activity.responsible_user.get_username()
        if activity.responsible_user_id
        else None,
        "due_date": activity.due_date.isoformat() if activity.due_date else None,
        "status": activity.status,
        "position": activity.position,
    }


def apply_activity_changes(
    plan: ConsensusPlan,
    changes: Iterable[ActivityChange],
    *,
    board: Board,
    by: AbstractBaseUser,
    amending: bool = False,
    reason: str = "",
) -> tuple[list[dict[str, Any]], list[PlanActivity]]:
    """Apply activity operations to a locked plan. Returns a description of each change (for the
    amendment record) and the activities added or changed (whose owners are told)."""
    log: list[dict[str, Any]] = []
    touched: list[PlanActivity] = []
    next_position = (plan.activities.aggregate(top=Max("position"))["top"] or 0) + 1
    for number, change in enumerate(changes, 1):
        where = f"Activity {number}"
        try:
            if change.action == "add":
                activity = PlanActivity(plan=plan, status=PlanActivity.Status.PLANNED)
                fields = dict(change.fields or {})
                if fields.get("position") is None:
                    fields["position"] = next_position
                next_position = max(next_position, fields["position"]) + 1
                _apply_activity(activity, fields, board)
                set_reason(activity, reason)
                save_validated(activity, by=by, creating=True)
                log.append(
                    {
                        "action": "added",
                        "activity": str(activity.uuid),
                        "after": _describe(activity),
                    }
                )
                touched.append(activity)
                continue
            if change.activity is None or change.activity.plan_id != plan.pk:
                fail("activity", "No such activity on this plan.")
            activity = PlanActivity.objects.select_for_update().get(pk=change.activity.pk)
            before = _describe(activity)
            if change.action == "remove":
                if amending and activity.status not in REMOVABLE_STATUSES:
                    fail(
                        "activity",
                        f"“{activity.description}” is {activity.get_status_display().lower()}: "
                        "record its status instead of removing it.",
                    )
                activity._history_user = by
                set_reason(activity, reason)
                uuid = str(activity.uuid)
                activity.delete()
                log.append({"action": "removed", "activity": uuid, "before": before})
                continue
            if change.action != "change":
                fail("action", "Use add, change or remove.")
            if amending and activity.status not in AMENDABLE_STATUSES:
                fail(
                    "activity",
                    f"“{activity.description}” is {activity.get_status_display().lower()} and "
                    "can no longer change.",
                )
            _apply_activity(activity, change.fields or {}, board)
            after = _describe(activity)
            if after == before:
                continue
            set_reason(activity, reason)
            save_validated(activity, by=by)
            diff = {k: {"old": before[k], "new": after[k]} for k in after if after[k] != before[k]}
            log.append({"action": "changed", "activity": str(activity.uuid), "changes": diff})
            if set(diff) - {"position"}:
                touched.append(activity)
        except ApplicationError as exc:
            fields = {k: [f"{where}: {m}" for m in v] for k, v in exc.fields.items()}
            raise ApplicationError(exc.message, fields=fields, code=exc.code) from exc
    return log, touched


def _plan_for_write(plan: ConsensusPlan, by, expected_version: int | None, *, required: bool):
    """Lock the plan, check the writer's membership and that the blind-opinion rule does not
    keep the plan from them, refuse a signed plan and a stale version."""
    plan = lock_plan(plan)
    _record, item, meeting, case = plan_context(plan)
    require_member(meeting.board, by)
    refuse_if_blind(by, item, case)
    refuse_if_signed(plan)
    if required or expected_version is not None:
        check_version(plan, expected_version, "plan")
    return plan, meeting.board


def apply_plan_fields(plan: ConsensusPlan, fields: Mapping[str, Any], allowed=PLAN_FIELDS) -> dict:
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ApplicationError(
            "Please correct the errors below.",
            fields={name: ["This field cannot be set on the plan here."] for name in unknown},
        )
    diff = {}
    for name, value in fields.items():
        if name == "outcome":
            value = value or ""
            if value not in ("", *ConsensusPlan.Outcome.values):
                fail(name, "Choose one of: " + ", ".join(ConsensusPlan.Outcome.values) + ".")
        else:
            value = clean_text(value, field=name, limit=10_000, label="Summary")
        if getattr(plan, name) != value:
            diff[name] = {"old": getattr(plan, name), "new": value}
        setattr(plan, name, value)
    return diff


@transaction.atomic
def plan_update(
    *, plan: ConsensusPlan, expected_version: int | None, by: AbstractBaseUser, **fields: Any
) -> ConsensusPlan:
    """Change the draft plan's outcome or summary from the version the writer last saw."""
    plan, _board = _plan_for_write(plan, by, expected_version, required=True)
    if apply_plan_fields(plan, fields):
        bump(plan, by=by)
    return plan


@transaction.atomic
def plan_save(
    *,
    plan: ConsensusPlan,
    expected_version: int | None,
    by: AbstractBaseUser,
    fields: Mapping[str, Any] | None = None,
    activities: Iterable[ActivityChange] = (),
) -> ConsensusPlan:
    """The meeting screen's write: outcome, summary and activity rows in one go, one version."""
    plan, board = _plan_for_write(plan, by, expected_version, required=True)
    diff = apply_plan_fields(plan, fields or {})
    log, _touched = apply_activity_changes(plan, list(activities), board=board, by=by)
    if diff or log:
        bump(plan, by=by)
    return plan


@transaction.atomic
def activity_add(
    *,
    plan: ConsensusPlan,
    by: AbstractBaseUser,
    expected_version: int | None = None,
    **fields: Any,
) -> PlanActivity:
    """Add an activity to the draft plan (the plan's version moves on)."""
    plan, board = _plan_for_write(plan, by, expected_version, required=False)
    _log, touched = apply_activity_changes(
        plan, [ActivityChange("add", fields=fields)], board=board, by=by
    )
    bump(plan, by=by)
    touched[0].plan = plan
    return touched[0]


@transaction.atomic
def activity_update(
    *,
    activity: PlanActivity,
    expected_version: int | None,
    by: AbstractBaseUser,
    **fields: Any,
) -> PlanActivity:
    """Change an activity of the draft plan; `expected_version` is the plan's version."""
    plan, board = _plan_for_write(activity.plan, by, expected_version, required=True)
    log, _touched = apply_activity_changes(
        plan, [ActivityChange("change", activity=activity, fields=fields)], board=board, by=by
    )
    if log:
        bump(plan, by=by)
    activity = PlanActivity.objects.select_related("responsible_user").get(pk=activity.pk)
    activity.plan = plan
    return activity


@transaction.atomic
def activity_remove(
    *, activity: PlanActivity, expected_version: int | None, by: AbstractBaseUser
) -> ConsensusPlan:
    """Remove an activity from the draft plan (kept in its history); returns the plan."""
    plan, board = _plan_for_write(activity.plan, by, expected_version, required=True)
    apply_activity_changes(plan, [ActivityChange("remove", activity=activity)], board=board, by=by)
    bump(plan, by=by)
    return plan


@transaction.atomic
def dissent_add(
    *,
    plan: ConsensusPlan,
    member: AbstractBaseUser,
    view: str,
    by: AbstractBaseUser,
    expected_version: int | None = None,
) -> Dissent:
    """Record a dissenting view by name (before sign-off; the plan's version moves on)."""
    plan, board = _plan_for_write(plan, by, expected_version, required=False)
    if not is_board_member(member, board):
        fail("member", "Only a member of the board can dissent.")
    view = clean_text(view, field="view", limit=REASON_MAX * 4, label="View")
    if not view:
        fail("view", "State the dissenting view.")
    dissent = Dissent(plan=plan, member=member, view=view)
    save_validated(dissent, by=by, creating=True)
    bump(plan, by=by)
    return dissent
