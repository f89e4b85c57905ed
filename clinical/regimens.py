"""Radiotherapy dose-fractionation lists: configurable data the board picks from, not rules.

* cEBRT: Lutz S et al., Pract Radiat Oncol 2017 (ASTRO bone-metastasis guideline) - 8 Gy x 1,
  20 Gy/5, 24 Gy/6, 30 Gy/10 give similar pain relief; a single fraction means more re-treatment
  and suits limited life expectancy.
* Spine SBRT: 24 Gy/1, 24 Gy/2 (as in the SC.24 trial), 27 Gy/3, 30 Gy/4, 35 Gy/5.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
