"""Reads for the FHIR exchange, scoped like the case detail (the case's board)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from cases.assessment import stored_case_assessment
from cases.models import Case
from cases.selectors import cases_visible_to
from recommendations.decisions.selectors import activities_prefetch
from recommendations.models import ConsensusPlan, FhirMeetingExport, PatientSummary
from recommendations.patient_summaries.pdf import summary_pdf
from scheduling.models import Meeting
from scheduling.selectors import meetings_visible_to

from .export import CaseData, PlanData

CASE_RELATED = ("patient", "board", "stored_assessment")


def _signed_plans() -> QuerySet[ConsensusPlan]:
    released = PatientSummary.objects.filter(status=PatientSummary.Status.RELEASED).order_by(
        "language", "-released_at", "-pk"
    )
    return (
        ConsensusPlan.objects.filter(status=ConsensusPlan.Status.SIGNED)
        .select_related("signed_by", "decision__agenda_item")
        .prefetch_related(
            activities_prefetch(),
            Prefetch("patient_summaries", queryset=released, to_attr="released_summaries"),
        )
    )


def _plan_data(plan: ConsensusPlan) -> PlanData:
    """The plan with the newest released summary in each language, rendered as PDF."""
    newest: dict[str, PatientSummary] = {}
    for summary in plan.released_summaries:
        newest.setdefault(summary.language, summary)
    return PlanData(
        plan=plan,
        activities=list(plan.activities.all()),
        summaries=[(s, summary_pdf(s)) for s in newest.values()],
    )


def _case_data(case: Case, plan: ConsensusPlan | None) -> CaseData:
    return CaseData(
        case=case,
        lesions=list(case.lesions.all()),
        prior_treatments=list(case.prior_treatments.all()),
        assessment=stored_case_assessment(case),
        plan=_plan_data(plan) if plan is not None else None,
    )


def case_for_export(*, user, uuid) -> CaseData:
    """A case of the user's boards with its newest signed plan (if any); DoesNotExist outside."""
    case = (
        cases_visible_to(user)
        .select_related(*CASE_RELATED)
        .prefetch_related("lesions", "prior_treatments")
        .get(uuid=uuid)
    )
    plan = (
        _signed_plans()
        .filter(decision__agenda_item__case=case)
        .order_by("-signed_at", "-pk")
        .first()
    )
    return _case_data(case, plan)


def meeting_for_export(*, user, uuid) -> Meeting:
    return meetings_visible_to(user).select_related("board").get(uuid=uuid)


def meeting_cases_for_export(meeting_id: int) -> list[CaseData]:
    """Every case with a signed plan at the meeting, in agenda order (for the Celery task)."""
    plans = list(
        _signed_plans()
        .filter(decision__agenda_item__meeting_id=meeting_id)
        .select_related(*(f"decision__agenda_item__case__{name}" for name in CASE_RELATED))
        .prefetch_related(
            "decision__agenda_item__case__lesions",
            "decision__agenda_item__case__prior_treatments",
        )
        .order_by("decision__agenda_item__position")
    )
    return [_case_data(plan.decision.agenda_item.case, plan) for plan in plans]


def exports_visible_to(user) -> QuerySet[FhirMeetingExport]:
    return FhirMeetingExport.objects.filter(meeting__in=meetings_visible_to(user))


def meeting_export_patients(meeting_id: int) -> list[tuple]:
    """(patient uuid, case uuid) of each case whose signed plan is in the meeting's Bundle: the
    patients a download of that Bundle is a read of (audit.reads). One query."""
    return list(
        ConsensusPlan.objects.filter(
            status=ConsensusPlan.Status.SIGNED, decision__agenda_item__meeting_id=meeting_id
        ).values_list(
            "decision__agenda_item__case__patient__uuid", "decision__agenda_item__case__uuid"
        )
    )
