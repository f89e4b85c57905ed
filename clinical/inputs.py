"""What the assessment rules read from a case, its lesions and its prior treatments.

Described as Protocols, so any object with these attributes serves: the Django models of `cases`
satisfy them as they are, and the tests pass plain dataclasses. As the models store them, text
that was not recorded is "" and a number or yes/no that was not recorded is None; the rules never
fill such a gap with a default, they report it as missing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Protocol

from clinical._common import ScoreRange
from clinical.sins import FINDINGS, SinsResult, sins, sins_range

# The lesion attributes SINS scores besides the level (Fisher 2010).
SINS_FIELDS: tuple[str, ...] = FINDINGS


class CaseData(Protocol):
    """A referral's recorded data (cases.models.Case)."""

    @property
    def primary_site(self) -> str: ...
    @property
    def primary_growth(self) -> str: ...  # Tomita growth class stated by the board, or ""
    @property
    def histology_confirmed(self) -> bool | None: ...
    @property
    def vertebral_body_mets(self) -> int | None: ...
    @property
    def extraspinal_bone_mets(self) -> int | None: ...
    @property
    def visceral_mets(self) -> str: ...  # none | removable | treatable | untreatable
    @property
    def frankel_grade(self) -> str: ...
    @property
    def neuro_deficits(self) -> str: ...
    @property
    def deficit_onset(self) -> dt.datetime | None: ...
    @property
    def neuro_progression(self) -> str: ...  # none | stable | weeks | days | hours
    @property
    def ecog(self) -> int | None: ...
    @property
    def kps(self) -> int | None: ...
    @property
    def pain_score(self) -> int | None: ...  # 0-10
    @property
    def fit_for_surgery(self) -> bool | None: ...
    @property
    def expected_survival_months(self) -> int | None: ...


class LesionData(Protocol):
    """One involved level with its imaging findings (cases.models.SpinalLesion)."""

    @property
    def level(self) -> str: ...
    @property
    def pain(self) -> str: ...
    @property
    def bone_lesion(self) -> str: ...
    @property
    def alignment(self) -> str: ...
    @property
    def collapse(self) -> str: ...
    @property
    def posterolateral(self) -> str: ...
    @property
    def escc_grade(self) -> str: ...


class PriorTreatmentData(Protocol):
    """An earlier treatment over a range of levels (cases.models.PriorTreatment)."""

    @property
    def kind(self) -> str: ...  # radiation | surgery | cement | systemic | other
    @property
    def level_from(self) -> str: ...  # "" for systemic therapy (no level)
    @property
    def level_to(self) -> str: ...  # "" when a single level
    @property
    def treated_on(self) -> dt.date: ...
    @property
    def dose_gy(self) -> Decimal | float | None: ...  # required for radiation (a DB constraint)
    @property
    def fractions(self) -> int | None: ...


def attributes(protocol: type) -> tuple[str, ...]:
    """The attributes a protocol above describes: what the rules may read from such an object."""
    return tuple(name for name, value in vars(protocol).items() if isinstance(value, property))


def sins_recorded(lesion: LesionData) -> bool:
    """Every SINS finding of the lesion is recorded."""
    return all(getattr(lesion, name) for name in SINS_FIELDS)


def lesion_sins(lesion: LesionData) -> SinsResult:
    """The SINS of a lesion from its level and recorded findings (Fisher 2010)."""
    return sins(
        location=lesion.level,
        pain=lesion.pain,
        bone_lesion=lesion.bone_lesion,
        alignment=lesion.alignment,
        collapse=lesion.collapse,
        posterolateral=lesion.posterolateral,
    )


def lesion_sins_range(lesion: LesionData) -> ScoreRange:
    """The SINS totals a partly recorded lesion can still reach (Fisher 2010; ``sins_range``)."""
    return sins_range(
        location=lesion.level,
        pain=lesion.pain or None,
        bone_lesion=lesion.bone_lesion or None,
        alignment=lesion.alignment or None,
        collapse=lesion.collapse or None,
        posterolateral=lesion.posterolateral or None,
    )
