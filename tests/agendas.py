"""Agendas of complete cases, and opinions on them: the data the summary tests (and the cross-app
fault tests) prepare summaries from."""

from __future__ import annotations

from django.utils import timezone

from recommendations.models import Opinion
from tests.factories import (
    AgendaItemFactory,
    CaseFactory,
    LesionFactory,
    MeetingFactory,
    MembershipFactory,
    SpecialistProfileFactory,
    UserFactory,
)
from tumorboard import roles

WALTER = {
    "primary_site": "renal_cell",
    "histology": "Clear-cell renal cell carcinoma",
    "histology_confirmed": True,
    "kps": 70,
    "extraspinal_bone_mets": 1,
    "vertebral_body_mets": 1,
    "visceral_mets": "removable",
    "frankel_grade": "D",
    "neuro_deficits": "Bilateral leg weakness",
    "neuro_progression": "days",
    "ambulatory": True,
    "pain_score": 7,
    "analgesics": "Oxycodone",
    "fit_for_surgery": True,
    "expected_survival_months": 12,
    "goals_ranked": ["walking", "independence"],
    "goals_notes": "I want to keep walking my dog.",
}


def walter_case(board, **overrides):
    """Demo case 1: renal cell, T10 SINS 9, ESCC 3, KPS 70: NOMS separation surgery + SRS."""
    case = CaseFactory(board=board, **(WALTER | overrides))
    LesionFactory(case=case)
    return case


def agenda(board, n: int = 1, *, meeting=None, **case_fields):
    """A meeting of `board` with n complete cases on its agenda; returns (meeting, items)."""
    meeting = meeting or MeetingFactory(board=board)
    items = [
        AgendaItemFactory(meeting=meeting, case=walter_case(board, **case_fields), position=i + 1)
        for i in range(n)
    ]
    return meeting, items


def give_opinion(item, user, options, *, discipline=None, **fields) -> Opinion:
    defaults = {
        "rationale": "Reasoned from the imaging and the patient's goals.",
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


def extra_specialist(board, discipline, name):
    """Another specialist member of `board` (a second surgeon, a second radiation oncologist)."""
    user = UserFactory(username=name, roles=[roles.SPECIALIST])
    SpecialistProfileFactory(user=user, discipline=discipline, title="Consultant")
    MembershipFactory(board=board, user=user)
    return user
