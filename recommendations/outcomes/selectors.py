"""Reads of the outcomes: a case's follow-ups for its board's staff, the missing ones for the
coordinator's worklist, and a patient's own open follow-ups.

Access control lives here: staff see the follow-ups of the cases of the boards they belong to
(`cases.selectors.cases_visible_to`), anything else does not exist for them (404); a patient sees
only the follow-ups of their own cases, through `patient_follow_ups`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from cases.models import Case
from cases.selectors import cases_visible_to
from recommendations.models import ConsensusPlan, FollowUp, PatientReportedOutcome
from scheduling.access import boards_coordinated_by
from scheduling.selectors import WORKLIST_LIMIT, Shortlist

from .services import (
    PATIENT_REPORT_CLOSES_AFTER,
    PATIENT_REPORT_OPENS_BEFORE,
    patient_report_open,
)


def follow_ups_visible_to(user) -> QuerySet[FollowUp]:
    """THE follow-up scope for staff: those of the cases on the user's boards."""
    return FollowUp.objects.filter(case__in=cases_visible_to(user))


def _with_reports(qs: QuerySet[FollowUp]) -> QuerySet[FollowUp]:
    return qs.select_related("case", "plan", "recorded_by", "updated_by").prefetch_related(
        Prefetch("patient_reports", queryset=PatientReportedOutcome.objects.order_by("pk"))
    )


@dataclass(frozen=True)
class CaseFollowUps:
    case: Case
    follow_ups: list[FollowUp]


def case_follow_ups(*, user, case_uuid) -> CaseFollowUps:
    """A case and its follow-ups, earliest first, each with the patient's own report
    (`follow_up.patient_report`, None when none) and `missing` set when it is still due after
    its date. Three queries whatever the number of follow-ups.

    Raises Case.DoesNotExist for a case the user may not see."""
    case = cases_visible_to(user).select_related("patient", "board").get(uuid=case_uuid)
    rows = list(_with_reports(FollowUp.objects.filter(case=case)).order_by("due_on", "pk"))
    today = timezone.localdate()
    for row in rows:
        _annotate(row, today)
    return CaseFollowUps(case=case, follow_ups=rows)


def _annotate(row: FollowUp, today: dt.date) -> None:
    reports = list(row.patient_reports.all())
    row.patient_report = reports[0] if reports else None
    row.missing = row.status == FollowUp.Status.DUE and row.due_on < today


def follow_up_for_user(*, user, uuid) -> FollowUp:
    """One follow-up the user may see, with its case, patient and the patient's report.
    Raises FollowUp.DoesNotExist otherwise."""
    row = _with_reports(follow_ups_visible_to(user).select_related("case__patient", "plan")).get(
        uuid=uuid
    )
    _annotate(row, timezone.localdate())
    return row


def follow_up_for_user_by_pk(pk: int) -> FollowUp:
    """A follow-up just written or found stale (its writer was checked), as the API shows it."""
    row = _with_reports(FollowUp.objects.select_related("case", "plan")).get(pk=pk)
    _annotate(row, timezone.localdate())
    return row


def plan_for_user(*, user, uuid) -> ConsensusPlan:
    """A plan of a case on the user's boards (ConsensusPlan.DoesNotExist otherwise)."""
    return ConsensusPlan.objects.get(
        uuid=uuid, decision__agenda_item__case__in=cases_visible_to(user)
    )


def plan_follow_ups(plan: ConsensusPlan) -> list[FollowUp]:
    """A plan's follow-ups, earliest first, as the API shows them. Three queries."""
    rows = list(_with_reports(FollowUp.objects.filter(plan=plan)).order_by("due_on", "pk"))
    today = timezone.localdate()
    for row in rows:
        _annotate(row, today)
    return rows


def missing_follow_ups(*, user, limit: int = WORKLIST_LIMIT) -> Shortlist:
    """Follow-ups still due after their date on the boards the user coordinates: the
    coordinator's worklist, longest overdue first. Two queries."""
    missing = FollowUp.objects.filter(
        status=FollowUp.Status.DUE,
        due_on__lt=timezone.localdate(),
        case__board__in=boards_coordinated_by(user),
    )
    rows = list(
        missing.select_related("case__patient", "case__board").order_by("due_on", "pk")[:limit]
    )
    return Shortlist(rows=rows, count=missing.count())


def patient_follow_ups(user) -> QuerySet[FollowUp]:
    """The follow-ups of the signed-in patient's own cases (none for anyone else)."""
    if not getattr(user, "is_authenticated", False):
        return FollowUp.objects.none()
    return FollowUp.objects.filter(case__patient__user=user).select_related("case__patient")


def patient_open_follow_ups(user) -> list[FollowUp]:
    """The patient's follow-ups open for their answer now (`services.patient_report_open`),
    earliest first, each with their answer so far (`patient_report`). Two queries."""
    today = timezone.localdate()
    rows = _with_reports(
        patient_follow_ups(user)
        .exclude(status=FollowUp.Status.MISSED)
        .filter(
            due_on__lte=today + PATIENT_REPORT_OPENS_BEFORE,
            due_on__gte=today - PATIENT_REPORT_CLOSES_AFTER,
        )
    )
    rows = [row for row in rows.order_by("due_on", "pk") if patient_report_open(row, today=today)]
    for row in rows:
        _annotate(row, today)
    return rows


def patient_follow_up(*, user, uuid) -> FollowUp:
    """One of the signed-in patient's own follow-ups, with their answer so far.
    Raises FollowUp.DoesNotExist for anyone else's."""
    row = _with_reports(patient_follow_ups(user)).get(uuid=uuid)
    _annotate(row, timezone.localdate())
    return row
