"""Prior radiation at a lesion's level: the NOMS suggestion becomes a re-irradiation question.

A level that was irradiated before is not an untreated level (REFERENCE: prior radiation to the same
level must be recorded, it changes the options). The rule used here - **unconfirmed, a project rule
labelled "SBRT re-irradiation considerations"** - rests on Sahgal A et al., Int J Radiat Oncol Biol
Phys 2012;82(1):107-16 (re-irradiation of the spine with SBRT after conventional radiotherapy):
SBRT given at least 5 months after conventional palliative radiotherapy, with a re-irradiation
thecal-sac Pmax of about 20-25 Gy EQD2 (alpha/beta 2), appeared safe when the cumulative Pmax EQD2
did not exceed about 70 Gy and the SBRT course was no more than about half of it.

What changes in the suggestion (``reirradiation``): it names each prior course (dose, fractions,
date, interval), marks ``reirradiation`` and ``confirmed`` False, drops the conventional regimen
list (a cEBRT dose is not offered as for an untreated level: radiation oncology sets the dose
against the cumulative cord dose) and keeps the SBRT list only as re-irradiation options. The
prior course's EQD2 is an upper bound for the cord (it assumes the cord received the prescribed
dose); the real cord dose comes from the old plan.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from clinical.inputs import PriorTreatmentData
from clinical.levels import SPINAL_LEVELS, parse_level
from clinical.noms import NomsResult

SOURCE = "Sahgal 2012, Int J Radiat Oncol Biol Phys 2012;82(1):107-16"
RULE = "SBRT re-irradiation considerations"
ALPHA_BETA_CORD = 2.0
MIN_INTERVAL_MONTHS = 5
CUMULATIVE_PMAX_EQD2_GY = 70
REIRRADIATION_PMAX_EQD2_GY = (20, 25)
DAYS_PER_MONTH = 30.44


@dataclass(frozen=True)
class PriorCourse:
    """One earlier course of radiation over a range of levels."""

    levels: tuple[str, ...]
    dose_gy: float
    fractions: int
    treated_on: dt.date

    @property
    def eqd2_gy(self) -> float:
        """EQD2 with alpha/beta 2 (late spinal-cord effect) of the prescription: an upper bound
        for the cord dose."""
        per_fraction = self.dose_gy / self.fractions
        return self.dose_gy * (per_fraction + ALPHA_BETA_CORD) / (2 + ALPHA_BETA_CORD)

    def months_before(self, today: dt.date) -> float:
        return (today - self.treated_on).days / DAYS_PER_MONTH

    def describe(self, today: dt.date) -> str:
        where = self.levels[0] if len(self.levels) == 1 else f"{self.levels[0]}-{self.levels[-1]}"
        fractions = "fraction" if self.fractions == 1 else "fractions"
        return (
            f"{self.dose_gy:g} Gy in {self.fractions} {fractions} to {where} on "
            f"{self.treated_on.isoformat()} ({self.months_before(today):.0f} months ago)"
        )


def treated_levels(treatment: PriorTreatmentData) -> tuple[str, ...]:
    """The levels a prior treatment covered, level_from to level_to (either order)."""
    first = SPINAL_LEVELS.index(parse_level(treatment.level_from))
    last = SPINAL_LEVELS.index(parse_level(treatment.level_to)) if treatment.level_to else first
    return tuple(SPINAL_LEVELS[min(first, last) : max(first, last) + 1])


def prior_courses_at(
    level: str, treatments: Iterable[PriorTreatmentData]
) -> tuple[PriorCourse, ...]:
    """The prior radiation courses that covered ``level``, oldest first. A radiation record
    without a dose or fractions is refused by the database, so both are present here."""
    courses = []
    for treatment in treatments:
        if treatment.kind != "radiation":
            continue
        levels = treated_levels(treatment)
        if level in levels and treatment.dose_gy is not None and treatment.fractions:
            courses.append(
                PriorCourse(
                    levels=levels,
                    dose_gy=float(treatment.dose_gy),
                    fractions=treatment.fractions,
                    treated_on=treatment.treated_on,
                )
            )
    return tuple(sorted(courses, key=lambda course: course.treated_on))


def reirradiation(
    result: NomsResult, *, level: str, courses: Sequence[PriorCourse], today: dt.date
) -> NomsResult:
    """The NOMS suggestion for a level irradiated before (``courses``), as re-irradiation.

    Unconfirmed project rule ("SBRT re-irradiation considerations", after Sahgal 2012): see the
    module docstring. Without prior courses the result is returned unchanged.
    """
    if not courses:
        return result
    described = tuple(f"Prior radiation at {level}: {c.describe(today)}." for c in courses)
    prior_eqd2 = sum(course.eqd2_gy for course in courses)
    latest = min(course.months_before(today) for course in courses)
    low, high = REIRRADIATION_PMAX_EQD2_GY
    considerations = [
        f"Rule {RULE} (UNCONFIRMED - the board should confirm or override it): {level} was "
        "irradiated before, so this is re-irradiation, not an untreated level; no conventional "
        "regimen is offered as for an untreated level - radiation oncology sets dose and technique "
        f"against the cumulative spinal-cord dose ({SOURCE}).",
        f"Prior course(s) at most {prior_eqd2:.0f} Gy EQD2 to the cord (alpha/beta 2, if the cord "
        "received the prescribed dose; check the old plan).",
        f"SBRT re-irradiation appeared safe at least {MIN_INTERVAL_MONTHS} months after the first "
        f"course, with a thecal-sac Pmax of about {low}-{high} Gy EQD2 for the new course, a "
        f"cumulative Pmax of at most about {CUMULATIVE_PMAX_EQD2_GY} Gy EQD2 and the SBRT course "
        f"no more than about half of the cumulative dose ({SOURCE}).",
    ]
    if latest < MIN_INTERVAL_MONTHS:
        considerations.append(
            f"The last course was {latest:.0f} months ago, under the {MIN_INTERVAL_MONTHS} months "
            f"of the published series ({SOURCE})."
        )
    regimens = result.regimens if result.radiation == "srs" else ()
    caveats = (*described, *considerations)
    return dataclasses.replace(
        result,
        explanation=(*result.explanation, *caveats),
        caveats=(*result.caveats, *caveats),
        regimens=regimens,
        confirmed=False,
        reirradiation=True,
        prior_radiation=described,
    )
