"""A case's decision-support assessment: the case's data and its board's settings, handed to the
clinical core.

The rules live in the Django-free core (`clinical.assessment`, `clinical.flags`,
`clinical.regimens`); this module only reads what they need from the database: the board's
settings, the case's (prefetched) lesions and prior treatments, the field labels the board reads,
and the current time. The names other modules import from here are the core's, re-exported.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from cases.models import Case, SpinalLesion
from clinical.assessment import (
    CASE_INPUTS,
    LESION_INPUTS,
    AssessmentSettings,
    CaseAssessment,
    Labels,
    LesionAssessment,
    Score,
    assess_case,
)
from clinical.flags import Flag, urgent_flags
from clinical.inputs import SINS_FIELDS
from clinical.regimens import (
    SbrtRegimens,
    regimens_as_settings,
    regimens_from_settings,
    sbrt_regimens_in_force,
)
from clinical.systemic import PROJECT_THRESHOLDS, SystemicThresholds

__all__ = [
    "SINS_FIELDS",
    "AssessmentSettings",
    "CaseAssessment",
    "Flag",
    "LesionAssessment",
    "SbrtRegimens",
    "Score",
    "board_assessment_settings",
    "board_sbrt_regimens",
    "board_systemic_thresholds",
    "case_assessment",
    "regimens_as_settings",
    "regimens_from_settings",
    "urgent_flags",
]


def board_sbrt_regimens(board: Any) -> SbrtRegimens:
    """The board's own SBRT list when it has one and it reads, else the project list."""
    return sbrt_regimens_in_force(board.sbrt_regimens)


def board_systemic_thresholds(board: Any) -> SystemicThresholds:
    """When the board counts a patient too ill for local treatment (unconfirmed thresholds);
    ``from_board`` is False while they are the project defaults."""
    values = {
        "kps_at_most": board.too_ill_kps_at_most,
        "ecog_at_least": board.too_ill_ecog_at_least,
        "survival_under_months": board.too_ill_survival_under_months,
    }
    defaults = {name: getattr(PROJECT_THRESHOLDS, name) for name in values}
    return SystemicThresholds(**values, from_board=values != defaults)


def board_assessment_settings(board: Any) -> AssessmentSettings:
    """The board's answers to the disputed points, as the core takes them."""
    return AssessmentSettings(
        grade_1c_high=board.escc_1c_high_grade,
        intermediate_as=board.intermediate_histology,
        sbrt=board_sbrt_regimens(board),
        systemic=board_systemic_thresholds(board),
    )


def _labels(model: type[models.Model], names: tuple[str, ...]) -> dict[str, str]:
    # Read per call, not cached: a verbose name may be translated for the current request.
    return {name: str(model._meta.get_field(name).verbose_name) for name in names}


def case_assessment(case: Case) -> CaseAssessment:
    """Compute every score for a case. Uses prefetched lesions/prior treatments when present."""
    return assess_case(
        case,
        list(case.lesions.all()),
        list(case.prior_treatments.all()),
        settings=board_assessment_settings(case.board),
        labels=Labels(case=_labels(Case, CASE_INPUTS), lesion=_labels(SpinalLesion, LESION_INPUTS)),
        now=timezone.now(),
    )
