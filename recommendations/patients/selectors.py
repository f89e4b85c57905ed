"""A patient's record across their referrals, for the board's staff: the patient, each of their
cases on the user's boards (as the case list scopes them, cases.selectors) with its status, the
meetings it was on and what the board decided there.

A patient outside `patients_visible_to(user)` does not exist for the user (404); their cases on
boards the user does not belong to are left out, as they are from the case list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch

from cases.models import Case, Patient
from cases.selectors import cases_visible_to, patients_visible_to
from cases.status import case_meeting
from recommendations.decisions.selectors import record_hidden_from
from scheduling.models import AgendaItem, Meeting

# Oldest referral last: the page reads from the latest case back.
PATIENT_CASES_ORDER = ("-created_at", "-pk")


@dataclass(frozen=True)
class MeetingOutcome:
    """One meeting a case was on, and the board's plan there (None before one was drafted)."""

    item: AgendaItem
    plan: Any | None

    @property
    def meeting(self) -> Meeting:
        return self.item.meeting


@dataclass(frozen=True)
class PatientCase:
    case: Case
    meeting: Meeting | None  # beside the status, as on the case list (cases.status.case_meeting)
    outcomes: list[MeetingOutcome]


@dataclass(frozen=True)
class PatientHistory:
    patient: Patient
    cases: list[PatientCase]


def _plan(user, case: Case, item: AgendaItem) -> Any | None:
    """The item's plan, unless the blind-opinion rule still keeps it from the user (it says
    what the opinions said: `recommendations.decisions.selectors.record_hidden_from`)."""
    decision = getattr(item, "decision", None)
    if decision is None or record_hidden_from(user, item, case):
        return None
    return getattr(decision, "plan", None)


def patient_history(*, user, uuid) -> PatientHistory:
    """The patient and their cases on the user's boards, newest first, each with its meetings
    (cancelled ones left out) and plans, but a plan the blind-opinion rule still keeps from the
    user. Three queries whatever the number of cases, and the user's roles on
    each board with a decision (cached per request).

    Raises Patient.DoesNotExist for a patient the user may not see."""
    patient = patients_visible_to(user).get(uuid=uuid)
    items = (
        AgendaItem.objects.select_related("meeting", "decision__plan__signed_by")
        .exclude(meeting__status=Meeting.Status.CANCELLED)
        .order_by("meeting__starts_at", "pk")
    )
    cases = (
        cases_visible_to(user)
        .filter(patient=patient)
        .select_related("board")
        .prefetch_related(Prefetch("agenda_items", queryset=items))
        .order_by(*PATIENT_CASES_ORDER)
    )
    return PatientHistory(
        patient=patient,
        cases=[
            PatientCase(
                case=case,
                meeting=case_meeting(case),
                outcomes=[
                    MeetingOutcome(item, _plan(user, case, item))
                    for item in case.agenda_items.all()
                ],
            )
            for case in cases
        ],
    )
