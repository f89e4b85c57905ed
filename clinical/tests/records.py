"""Plain stand-ins for a case, a lesion and a prior treatment (what ``clinical.inputs`` describes),
so the assessment is tested without Django or a database. The defaults are demo case 1 (Walter):
renal cell, T10 SINS 9, ESCC 3, deficit progressing over days, KPS 70, pain 7/10."""

from __future__ import annotations

import dataclasses
import datetime as dt

from clinical.assessment import CASE_INPUTS, LESION_INPUTS, AssessmentSettings, Labels
from clinical.regimens import sbrt_regimens_in_force
from clinical.systemic import PROJECT_THRESHOLDS, SystemicThresholds

NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
# The words a board would read; distinct from the attribute names so a test sees which is used.
LABELS = Labels(
    case={name: name.replace("_", " ").capitalize() for name in CASE_INPUTS} | {"kps": "KPS"},
    lesion={name: name.replace("_", " ") for name in LESION_INPUTS} | {"escc_grade": "ESCC grade"},
)


@dataclasses.dataclass(frozen=True)
class CaseRecord:
    primary_site: str = "renal_cell"
    primary_growth: str = ""
    histology_confirmed: bool | None = True
    vertebral_body_mets: int | None = 1
    extraspinal_bone_mets: int | None = 1
    visceral_mets: str = "removable"
    frankel_grade: str = "D"
    neuro_deficits: str = ""
    deficit_onset: dt.datetime | None = None
    neuro_progression: str = "days"
    ecog: int | None = None
    kps: int | None = 70
    pain_score: int | None = 7
    fit_for_surgery: bool | None = True
    expected_survival_months: int | None = 12


@dataclasses.dataclass(frozen=True)
class LesionRecord:
    level: str = "T10"
    pain: str = "mechanical"
    bone_lesion: str = "lytic"
    alignment: str = "normal"
    collapse: str = "under_50"
    posterolateral: str = "unilateral"
    escc_grade: str = "3"


@dataclasses.dataclass(frozen=True)
class PriorTreatmentRecord:
    kind: str = "radiation"
    level_from: str = "T10"
    level_to: str = ""
    treated_on: dt.date = dt.date(2024, 7, 1)  # eight months before NOW
    dose_gy: float | None = 20.0
    fractions: int | None = 5


def board_settings(
    *,
    grade_1c_high: bool = False,
    intermediate_as: str = "sensitive",
    sbrt: object = None,
    systemic: SystemicThresholds = PROJECT_THRESHOLDS,
) -> AssessmentSettings:
    """A board's settings as the adapter builds them (``sbrt``: the stored SBRT list, if any)."""
    return AssessmentSettings(
        grade_1c_high=grade_1c_high,
        intermediate_as=intermediate_as,
        sbrt=sbrt_regimens_in_force(sbrt),
        systemic=systemic,
    )
