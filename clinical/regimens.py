"""Radiotherapy dose-fractionation lists: configurable data the board picks from, not rules.

* cEBRT: Lutz S et al., Pract Radiat Oncol 2017 (ASTRO bone-metastasis guideline) - 8 Gy x 1,
  20 Gy/5, 24 Gy/6, 30 Gy/10 give similar pain relief; a single fraction means more re-treatment
  and suits limited life expectancy.
* Spine SBRT: 24 Gy/1, 24 Gy/2 (as in the SC.24 trial), 27 Gy/3, 30 Gy/4, 35 Gy/5.

A board may replace the SBRT list with its own (stored as ``[{"total_dose_gy": 24, "fractions":
2}, ...]``): ``regimens_from_settings`` reads and checks such a list, ``sbrt_regimens_in_force``
decides which list applies.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Regimen:
    total_dose_gy: float
    fractions: int
    label: str = field(init=False)  # "8 Gy x 1", "20 Gy/5": stored so it appears in as_dict()/JSON

    def __post_init__(self) -> None:
        single = f"{self.total_dose_gy:g} Gy x 1"
        object.__setattr__(
            self,
            "label",
            single if self.fractions == 1 else f"{self.total_dose_gy:g} Gy/{self.fractions}",
        )

    @property
    def dose_per_fraction_gy(self) -> float:
        return self.total_dose_gy / self.fractions


SINGLE_FRACTION_8GY = Regimen(8, 1)
CEBRT_REGIMENS: tuple[Regimen, ...] = (
    SINGLE_FRACTION_8GY,
    Regimen(20, 5),
    Regimen(24, 6),
    Regimen(30, 10),
)
SBRT_REGIMENS: tuple[Regimen, ...] = (
    Regimen(24, 1),
    Regimen(24, 2),
    Regimen(27, 3),
    Regimen(30, 4),
    Regimen(35, 5),
)

SBRT_MAX_FRACTIONS = 10  # the settings accept 1-10 (the project's spine SBRT list uses 1-5)
SBRT_MAX_REGIMENS = 20
REGIMEN_KEYS = ("total_dose_gy", "fractions")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def regimens_from_settings(items: object) -> tuple[tuple[Regimen, ...], list[str]]:
    """Read a board's SBRT list ([{"total_dose_gy": 24, "fractions": 2}, ...]).

    Returns the regimens and the problems found, each naming its entry (1-based), so the board
    settings service can refuse bad input with these messages and the assessment can say why it
    fell back to the project list. A total dose above 0 Gy, 1 to 10 fractions, no duplicates.
    """
    if not isinstance(items, list):
        return (), ["Give a list of regimens, each with total_dose_gy and fractions."]
    if len(items) > SBRT_MAX_REGIMENS:
        return (), [f"List at most {SBRT_MAX_REGIMENS} regimens."]
    regimens: list[Regimen] = []
    problems: list[str] = []
    for number, item in enumerate(items, 1):
        where = f"Regimen {number}"
        if not isinstance(item, dict):
            problems.append(f"{where}: give total_dose_gy and fractions.")
            continue
        unknown = sorted(set(item) - set(REGIMEN_KEYS))
        missing = [key for key in REGIMEN_KEYS if key not in item]
        if unknown or missing:
            problems += [f"{where}: {key} is required." for key in missing]
            problems += [f"{where}: {key} is not a regimen field." for key in unknown]
            continue
        dose, fractions = item["total_dose_gy"], item["fractions"]
        ok = True
        if not _is_number(dose) or dose <= 0:
            problems.append(
                f"{where}: total_dose_gy must be a number of Gy above 0 (got {dose!r})."
            )
            ok = False
        if (
            not isinstance(fractions, int)
            or isinstance(fractions, bool)
            or not 1 <= fractions <= SBRT_MAX_FRACTIONS
        ):
            problems.append(
                f"{where}: fractions must be a whole number from 1 to {SBRT_MAX_FRACTIONS} "
                f"(got {fractions!r})."
            )
            ok = False
        if not ok:
            continue
        regimen = Regimen(int(dose) if float(dose).is_integer() else float(dose), fractions)
        if regimen in regimens:
            problems.append(f"{where}: {regimen.label} is listed twice.")
            continue
        regimens.append(regimen)
    return (tuple(regimens), problems) if not problems else ((), problems)


def regimens_as_settings(regimens: Iterable[Regimen]) -> list[dict[str, Any]]:
    """The stored form of a regimen list (what ``regimens_from_settings`` reads)."""
    return [{"total_dose_gy": r.total_dose_gy, "fractions": r.fractions} for r in regimens]


@dataclass(frozen=True)
class SbrtRegimens:
    """The SBRT regimens in force for a board: its own list, or the project list."""

    regimens: tuple[Regimen, ...]
    from_board: bool
    problems: tuple[str, ...] = ()


def sbrt_regimens_in_force(stored: object) -> SbrtRegimens:
    """The board's own SBRT list (``stored``) when it has one, else the project list.

    A stored list that cannot be read (only possible outside the settings service) is not used
    silently: the project list applies and the problems found are returned with it.
    """
    if not stored:
        return SbrtRegimens(SBRT_REGIMENS, from_board=False)
    regimens, problems = regimens_from_settings(stored)
    if problems:
        return SbrtRegimens(SBRT_REGIMENS, from_board=False, problems=tuple(problems))
    return SbrtRegimens(regimens, from_board=True)
