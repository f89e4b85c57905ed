"""Reads of patient summaries, and who may read or release them (access control lives here).

- Clinical staff of the meeting's board see every version of every summary of the board's plans
  (the plans themselves are `recommendations.decisions.selectors.plans_visible_to`).
- A patient sees only their own RELEASED summaries.
- Releasing is a clinical sign-off: the board's chair, or a specialist who is a member of it.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet

from cases.models import Case, Patient
from recommendations.decisions.selectors import plans_visible_to
from recommendations.models import ConsensusPlan, PatientSummary
from scheduling.access import board_roles, boards_visible_to
from scheduling.models import Board, BoardMembership
from tumorboard.roles import CHAIR, PATIENT, SPECIALIST, has_role


def plan_for_staff(*, user, uuid) -> ConsensusPlan:
    """One plan of the user's boards, with its case, patient and board; or DoesNotExist."""
    return (
        plans_visible_to(user)
        .select_related(
            "decision__agenda_item__case__patient", "decision__agenda_item__meeting__board"
        )
        .get(uuid=uuid)
    )


def summaries_for_staff(user) -> QuerySet[PatientSummary]:
    """Every version of every summary of the plans the user may see."""
    return PatientSummary.objects.filter(
        plan__decision__agenda_item__meeting__board__in=boards_visible_to(user)
    )


def released_summaries_for_patient(user) -> QuerySet[PatientSummary]:
    """The signed-in patient's own released summaries, newest first; nothing for anyone else."""
    if not (user.is_authenticated and has_role(user, PATIENT)):
        return PatientSummary.objects.none()
    return (
        PatientSummary.objects.filter(
            status=PatientSummary.Status.RELEASED,
            plan__decision__agenda_item__case__patient__user=user,
        )
        .select_related("released_by", "plan__decision__agenda_item__case__patient")
        .order_by("-released_at", "-id")
    )


def released_summary(uuid) -> PatientSummary | None:
    """A released summary by uuid, for a browser session its single-use link has opened."""
    return (
        PatientSummary.objects.select_related(
            "released_by", "plan__decision__agenda_item__case__patient"
        )
        .filter(uuid=uuid, status=PatientSummary.Status.RELEASED)
        .first()
    )


def staff_summary(*, user, uuid) -> PatientSummary:
    """One summary for the staff review screens, or PatientSummary.DoesNotExist."""
    return (
        summaries_for_staff(user)
        .select_related(
            "plan__decision__agenda_item__case__patient",
            "plan__decision__agenda_item__meeting__board",
            "released_by",
            "created_by",
            "updated_by",
        )
        .get(uuid=uuid)
    )


def plan_summaries(plan: ConsensusPlan) -> QuerySet[PatientSummary]:
    """Every version of a plan's patient summaries, newest first."""
    return plan.patient_summaries.select_related("plan", "released_by", "updated_by").order_by(
        "-created_at", "-id"
    )


def summary_history(summary: PatientSummary) -> list:
    """Every saved version of the summary, newest first, with who saved it."""
    return list(
        summary.history.select_related("history_user").order_by("-history_date", "-history_id")
    )


def supersedes(newer: PatientSummary, older: PatientSummary) -> bool:
    """Whether a later released summary of the same case makes `older` out of date.

    The English and Spanish versions of one plan's summary are siblings, not replacements: a newer
    release replaces an older one in its own language, or any summary of an earlier plan (the
    board decided again). Releasing the Spanish version never dates the English one.
    """
    return newer.language == older.language or newer.plan_id != older.plan_id


def is_newest_released(summary: PatientSummary) -> bool:
    """No later released summary of the case replaces this one (see `supersedes`)."""
    return not (
        PatientSummary.objects.filter(
            plan__decision__agenda_item__case_id=summary.plan.decision.agenda_item.case_id,
            status=PatientSummary.Status.RELEASED,
            released_at__gt=summary.released_at,
        )
        .filter(Q(language=summary.language) | ~Q(plan_id=summary.plan_id))
        .exists()
    )


def language_versions(summary: PatientSummary) -> list[PatientSummary]:
    """The released versions of this summary, one per language (the newest of each language of
    the same plan, this one in its own language), in the order of `LANGUAGES` in settings."""
    newest: dict[str, PatientSummary] = {summary.language: summary}
    siblings = (
        PatientSummary.objects.filter(
            plan_id=summary.plan_id, status=PatientSummary.Status.RELEASED
        )
        .exclude(language=summary.language)
        .order_by("-released_at", "-id")
    )
    for sibling in siblings:
        newest.setdefault(sibling.language, sibling)
    order = [code for code, _name in settings.LANGUAGES]
    return sorted(
        newest.values(),
        key=lambda s: order.index(s.language) if s.language in order else len(order),
    )


def plan_with_case(plan: ConsensusPlan) -> ConsensusPlan:
    """The plan with its record, meeting, board, case and patient loaded (one query)."""
    return ConsensusPlan.objects.select_related(
        "decision__agenda_item__meeting__board",
        "decision__agenda_item__case__patient",
        "decision__agenda_item__case__board",
    ).get(pk=plan.pk)


def case_for_summary(case_id: int) -> Case:
    """The case with its board, lesions and prior treatments, as the summary's findings read it."""
    return (
        Case.objects.select_related("board")
        .prefetch_related("lesions", "prior_treatments")
        .get(pk=case_id)
    )


def patient_of(summary: PatientSummary) -> Patient:
    return plan_with_case(summary.plan).decision.agenda_item.case.patient


def coordinator_name(board: Board) -> str:
    """The full name of the board's first active coordinator ("" if none): the patient's contact."""
    membership = (
        BoardMembership.objects.filter(
            board=board, role=BoardMembership.Role.COORDINATOR, user__is_active=True
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is None:
        return ""
    return membership.user.get_full_name() or ""


def can_release(user, summary: PatientSummary) -> bool:
    """A clinician of the board: its chair, or a specialist member (coordinators prepare only)."""
    if not (user.is_authenticated and has_role(user, CHAIR, SPECIALIST)):
        return False
    roles = board_roles(user, summary.plan.decision.agenda_item.meeting.board_id)
    return roles.chair or (
        has_role(user, SPECIALIST) and BoardMembership.Role.MEMBER in roles.roles
    )
