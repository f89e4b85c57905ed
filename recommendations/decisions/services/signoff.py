"""The chair's sign-off: the plan is locked, the case follows the outcome and each activity's
owner is told. `activity_owners` and `notify_owners` serve the amendments too."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from cases.services import case_transition
from recommendations.models import ConsensusPlan, DecisionRecord, PlanActivity
from scheduling.models import Board, Discipline, Meeting, Notification
from scheduling.notifications import notify
from scheduling.rules import board_coordinators, meeting_has_started, meeting_quorum
from scheduling.services import case_defer
from tumorboard.errors import ApplicationError
from tumorboard.services import check_version

from .common import (
    REASON_MAX,
    bump,
    clean_text,
    fail,
    lock_plan,
    plan_context,
    refuse_if_signed,
    require_member,
)

SIGNABLE_CASE_STATUSES = (Case.Status.SCHEDULED, Case.Status.DISCUSSED)


def activity_owners(activities: Iterable[PlanActivity], board: Board) -> dict[int, list]:
    """Who each activity reaches: its responsible person, else the board's members of its
    responsible discipline (one query for all)."""
    activities = list(activities)
    disciplines = {a.responsible_discipline for a in activities if not a.responsible_user_id}
    by_discipline: dict[str, list] = {}
    if disciplines:
        members = (
            get_user_model()
            .objects.filter(
                is_active=True,
                board_memberships__board=board,
                specialist_profile__discipline__in=disciplines,
            )
            .select_related("specialist_profile")
            .distinct()
            .order_by("pk")
        )
        for user in members:
            by_discipline.setdefault(user.specialist_profile.discipline, []).append(user)
    owners = {}
    for activity in activities:
        if activity.responsible_user_id:
            owners[activity.pk] = [activity.responsible_user]
        else:
            owners[activity.pk] = by_discipline.get(activity.responsible_discipline, [])
    return owners


def plan_link(plan: ConsensusPlan) -> str:
    return reverse("plan-page", kwargs={"plan_uuid": plan.uuid})


def notify_owners(
    plan: ConsensusPlan,
    activities: Iterable[PlanActivity],
    board: Board,
    *,
    key: str,
    amended=False,
) -> int:
    """Tell each owner of each activity (deduplicated by `key`, activity and person). The row is
    written with the sign-off or amendment; the e-mail goes out once it commits (`notify`)."""
    activities = list(activities)
    sent = 0
    owners = activity_owners(activities, board)
    for activity in activities:
        due = f" Due {activity.due_date:%d %b %Y}." if activity.due_date else ""
        verb = "changed in an amended" if amended else "assigned in a signed"
        for user in owners.get(activity.pk, []):
            created = notify(
                recipient=user,
                kind=Notification.Kind.PLAN_ACTIVITY,
                dedupe_key=f"{key}:{activity.uuid}:{user.pk}",
                subject=f"{activity.get_kind_display()}: activity {verb} plan",
                body=f"{activity.description}.{due}\n"
                f"Status: {activity.get_status_display().lower()}. Please update it as it "
                "progresses.",
                link=plan_link(plan),
            )
            sent += created is not None
    return sent


def _move_case(plan: ConsensusPlan, record: DecisionRecord, case: Case, by) -> None:
    """The case follows the outcome (Case.TRANSITIONS):
    - agreed: scheduled → discussed → plan signed;
    - deferred pending information: scheduled → discussed → deferred, the reason being the
      information still needed; the coordinators put it back on an agenda when it arrives;
    - re-discuss: scheduled → discussed, then deferred to the board's next planned meeting with
      scheduling's `case_defer` (which places it there, status scheduled, or leaves it deferred
      and says why, and tells the coordinators).
    """
    if case.status == Case.Status.SCHEDULED:
        case = case_transition(case=case, to=Case.Status.DISCUSSED, by=by)
    outcome = plan.outcome
    if outcome == ConsensusPlan.Outcome.AGREED:
        case_transition(case=case, to=Case.Status.PLAN_SIGNED, by=by)
    elif outcome == ConsensusPlan.Outcome.DEFERRED:
        reason = f"Deferred pending information: {record.information_needed}"
        case_transition(case=case, to=Case.Status.DEFERRED, by=by, reason=reason[:300])
        for user in board_coordinators(case.board):
            notify(
                recipient=user,
                kind=Notification.Kind.CASE_DEFERRED,
                dedupe_key=f"plan-deferred:{plan.uuid}:{user.pk}",
                subject=f"{case} deferred pending information",
                body=f"The board deferred {case} pending information:\n"
                f"{record.information_needed}\nPut it back on an agenda when it is available.",
                link=plan_link(plan),
            )
    else:
        case_defer(case=case, reason="Re-discuss at the next meeting (board decision)", by=by)


@transaction.atomic
def plan_sign(
    *,
    plan: ConsensusPlan,
    by: AbstractBaseUser,
    quorum_override_reason: str = "",
    expected_version: int | None = None,
) -> ConsensusPlan:
    """The chair signs the consensus plan; it is locked from then on.

    - Only a chair of the meeting's board signs, once the meeting has started (not cancelled).
    - The outcome is required; an agreed plan has at least one activity and says whether the
      patient and family were or will be involved; a deferral says what information is needed.
    - Quorum comes from the attendance (`scheduling.rules.meeting_quorum`). Without it the chair
      records why the board proceeds (`quorum_override_reason`), or the signing is refused.
    - The case moves with the outcome (see `_move_case`), and each activity's owner is notified.
    - `expected_version`, when given, must be the plan version the chair read.
    """
    plan = lock_plan(plan)
    record, _item, meeting, case = plan_context(plan)
    # The meeting row only (not its board): scheduling locks board → meeting, never the reverse.
    meeting = (
        Meeting.objects.select_for_update(of=("self",)).select_related("board").get(pk=meeting.pk)
    )
    if not require_member(meeting.board, by).chair:
        raise PermissionDenied("Only the chair of the board signs the consensus plan.")
    refuse_if_signed(plan)
    if expected_version is not None:
        check_version(plan, expected_version, "plan")
    if meeting.status == Meeting.Status.CANCELLED or not meeting_has_started(meeting):
        fail("plan", "The plan is signed at the meeting, once it has started.", "Not yet.")
    errors: dict[str, list[str]] = {}
    if not plan.outcome:
        errors["outcome"] = ["Record the outcome before signing."]
    activities = list(plan.activities.select_related("responsible_user").order_by("position", "pk"))
    if plan.outcome == ConsensusPlan.Outcome.AGREED:
        if not activities:
            errors["activities"] = ["An agreed plan has at least one activity."]
        if not record.patient_involvement:
            errors["patient_involvement"] = [
                "Record whether the patient and family were or will be involved."
            ]
    if plan.outcome == ConsensusPlan.Outcome.DEFERRED and not record.information_needed.strip():
        errors["information_needed"] = ["Say which information the decision waits for."]
    if case.status not in SIGNABLE_CASE_STATUSES:
        errors["case"] = [
            f"The case is {case.get_status_display().lower()}: only a scheduled or discussed "
            "case gets a signed plan."
        ]
    quorum = meeting_quorum(meeting)
    reason = clean_text(
        quorum_override_reason, field="quorum_override_reason", limit=REASON_MAX, label="Reason"
    )
    if not quorum.met and not reason:
        missing = ", ".join(
            Discipline(d).label if d in Discipline.values else d for d in quorum.missing_disciplines
        )
        errors["quorum_override_reason"] = [
            "Quorum is not met"
            + (f" (missing: {missing})" if missing else " (nobody is recorded as present)")
            + ". Record why the board proceeds without it."
        ]
    if errors:
        raise ApplicationError("The plan cannot be signed yet.", fields=errors)

    plan.status = ConsensusPlan.Status.SIGNED
    plan.signed_by = by
    plan.signed_at = timezone.now()
    plan.quorum_met = quorum.met
    plan.quorum_override_reason = "" if quorum.met else reason
    bump(plan, by=by, reason="Signed")
    _move_case(plan, record, case, by)
    notify_owners(plan, activities, meeting.board, key="plan-activity")
    return plan
