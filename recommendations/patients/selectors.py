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


def _plan(item: AgendaItem) -> Any | None:
    decision = getattr(item, "decision", None)
    return getattr(decision, "plan", None) if decision is not None else None


def patient_history(*, user, uuid) -> PatientHistory:
    """The patient and their cases on the user's boards, newest first, each with its meetings
    (cancelled ones left out) and plans. Three queries whatever the number of cases.

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
                outcomes=[MeetingOutcome(item, _plan(item)) for item in case.agenda_items.all()],
            )
            for case in cases
        ],
    )
