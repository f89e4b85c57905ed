"""Test helpers for meeting mode: a started meeting with scheduled cases, opinions, attendance and
a plan ready for the chair to sign. Shared by recommendations/tests/decisions and the cross-app
tests here (all fictional data)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from recommendations.decisions import services
from recommendations.models import Opinion
from scheduling.models import Attendance, Meeting
from tests.factories import AgendaItemFactory, CaseFactory, LesionFactory, MeetingFactory

SCHEDULED_CASE_FIELDS = {
    "status": "scheduled",
    "primary_site": "renal_cell",
    "fit_for_surgery": True,
    "kps": 70,
    "expected_survival_months": 12,  # NOMS needs it to rule out "too ill" (issue 13)
    "goals_ranked": ["walking", "independence"],
    "goals_notes": "I want to keep walking my dog.",
    "goals_reported_by": "patient",
}


def started_meeting(board, **fields) -> Meeting:
    """A meeting of `board` that started ten minutes ago (plans are signed at the meeting)."""
    now = timezone.now()
    defaults = {
        "starts_at": now - dt.timedelta(minutes=10),
        "ends_at": now + dt.timedelta(minutes=50),
        "status": Meeting.Status.IN_PROGRESS,
    }
    return MeetingFactory(board=board, **(defaults | fields))


def scheduled_case(board, **fields):
    """Demo case 1 (renal cell, T10 ESCC 3, fit): NOMS separation surgery + cement, then SRS."""
    case = CaseFactory(board=board, **(SCHEDULED_CASE_FIELDS | fields))
    LesionFactory(case=case, level="T10")
    return case


def started_agenda(board, n: int = 1, *, meeting=None):
    """A started meeting (or the `meeting` given) with n scheduled cases on its agenda; returns
    (meeting, items)."""
    meeting = meeting or started_meeting(board)
    items = [
        AgendaItemFactory(meeting=meeting, case=scheduled_case(board), position=i + 1)
        for i in range(n)
    ]
    return meeting, items


def give_opinion(item, user, options, *, discipline=None, **fields) -> Opinion:
    """A submitted opinion of `user` (in their discipline unless named) on an agenda item."""
    defaults = {
        "rationale": "From the imaging and the patient's goals.",
        "confidence": Opinion.Confidence.MODERATE,
        "submitted_at": timezone.now(),
    }
    return Opinion.objects.create(
        case=item.case,
        meeting=item.meeting,
        author=user,
        discipline=discipline or user.specialist_profile.discipline,
        options=options,
        **(defaults | fields),
    )


def present(meeting, *users) -> None:
    for user in users:
        Attendance.objects.create(meeting=meeting, user=user, mode=Attendance.Mode.IN_PERSON)


def quorum(cast, meeting) -> None:
    """Spine surgery, radiation oncology and medical oncology (the chair) present."""
    present(
        meeting, cast.surgeon, cast.specialists["radiation_oncology"], cast.chair, cast.coordinator
    )


def ready_to_sign(cast, item, *, outcome="agreed"):
    """Open the record, record involvement and an agreed plan with two activities: one owned by
    the surgeon by name, one by the radiation oncology discipline. Returns (record, plan)."""
    record = services.decision_record_open(agenda_item=item, by=cast.coordinator)
    record = services.decision_record_update(
        record=record,
        expected_version=record.version,
        by=cast.coordinator,
        patient_involvement="involved",
        information_needed="Repeat MRI of the whole spine.",
    )
    plan = services.plan_save(
        plan=record.plan,
        expected_version=record.plan.version,
        by=cast.coordinator,
        fields={"outcome": outcome, "summary": "Separation surgery at T10, then SBRT."},
        activities=[
            services.ActivityChange(
                "add",
                fields={
                    "kind": "surgery",
                    "description": "Separation surgery T10",
                    "details": {"surgery_type": "Posterior decompression and fixation T9-T11"},
                    "responsible_discipline": "spine_surgery",
                    "responsible_user": cast.surgeon,
                    "due_date": timezone.localdate() + dt.timedelta(days=7),
                },
            ),
            services.ActivityChange(
                "add",
                fields={
                    "kind": "radiation",
                    "description": "SBRT to T10",
                    "details": {"regimen": "24 Gy/2", "timing": "after_surgery"},
                    "responsible_discipline": "radiation_oncology",
                },
            ),
        ],
    )
    return record, plan
