"""Fixtures for the patient-summary tests: a case of the cast's board with a signed plan, its
drafted and released summaries, and a second patient whose summaries ours must never see."""

from __future__ import annotations

import pytest

from recommendations.patient_summaries import services
from tests.factories import CaseFactory, LesionFactory, PatientFactory, UserFactory
from tests.plans import signed_plan
from tumorboard import roles


@pytest.fixture
def hard_text() -> str:
    """Text a reader needs years of schooling for: its reading grade is above 8."""
    return (
        "Consequently, multidisciplinary deliberation regarding stereotactic radiotherapeutic "
        "intervention necessitates comprehensive consideration of oncological characteristics."
    )


@pytest.fixture
def make_case(cast):
    """make_case(patient=None, *, language="en", **fields): an urgent case of the cast's board
    with weaker legs over days and one lesion at T10 pressing hard on the cord (ESCC 3)."""

    def make(patient=None, *, language="en", lesion_level="T10", escc_grade="3", **fields):
        patient = patient or cast.patient
        patient.preferred_language = language
        patient.save()
        values = {
            "urgency": "urgent",
            "goals_ranked": ["walking", "independence"],
            "goals_notes": "I want to keep walking.",
            "frankel_grade": "D",
            "neuro_progression": "days",
            **fields,
        }
        case = CaseFactory(board=cast.board, patient=patient, **values)
        LesionFactory(case=case, level=lesion_level, escc_grade=escc_grade)
        return case

    return make


@pytest.fixture
def make_plan(cast, make_case):
    """make_plan(patient=None, *, language="en", number=1, **case_fields): a signed plan (demo
    plan `number`) for a new case of the patient."""

    def make(patient=None, *, language="en", number=1, **fields):
        return signed_plan(
            make_case(patient, language=language, **fields), number, chair=cast.chair
        )

    return make


@pytest.fixture
def plan(make_plan):
    return make_plan()


@pytest.fixture
def draft(plan, cast):
    return services.patient_summary_draft(plan=plan, by=cast.chair)


@pytest.fixture
def release(cast):
    """release(summary): released by the board's chair."""

    def run(summary):
        return services.patient_summary_release(summary=summary, by=cast.chair)

    return run


@pytest.fixture
def other_patient(cast):
    user = UserFactory(username="other-patient", roles=[roles.PATIENT])
    return PatientFactory(user=user)


@pytest.fixture
def summaries(cast, make_plan, release, other_patient):
    """(released, draft, other): our patient's released summary and a newer draft of the same
    plan, and a released summary of another patient."""
    mine = make_plan()
    released = release(services.patient_summary_draft(plan=mine, by=cast.chair))
    draft = services.patient_summary_draft(plan=mine, by=cast.chair)
    theirs = make_plan(other_patient, number=2)
    other = release(services.patient_summary_draft(plan=theirs, by=cast.chair))
    return released, draft, other
