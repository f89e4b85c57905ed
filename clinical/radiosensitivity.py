"""Radiosensitivity of a histology to conventional external-beam radiotherapy (cEBRT).

The "O" of NOMS (Laufer I et al., Oncologist 2013;18(6):744-51; Bilsky MH, Smith M, Hematol Oncol
Clin N Am 2006;20:1307-17). Classes come from ``primaries.PRIMARY_SITES``. Intermediate histologies
(breast, prostate, others) are board-configurable: by default they are *treated as* sensitive for
cEBRT decisions and flagged for discussion - a project default, not a published rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from clinical._common import ScoreResult, choice
from clinical.primaries import primary_site

SOURCE = "Laufer 2013, NOMS"
CLASSES = ("sensitive", "intermediate", "resistant")
_WORDS = {
    "sensitive": "radiosensitive",
    "intermediate": "of intermediate radiosensitivity",
    "resistant": "radioresistant",
}
INTERMEDIATE_AS = ("sensitive", "resistant")


@dataclass(frozen=True, kw_only=True)
class RadiosensitivityResult(ScoreResult):
    primary: str
    treated_as: str  # "sensitive" | "resistant": the class the NOMS rules act on
    unconfirmed: bool  # the histology's class is not confirmed by the reference
    project_default: bool  # an intermediate class was mapped by the board setting


def radiosensitivity(*, primary: str, intermediate_as: str = "sensitive") -> RadiosensitivityResult:
    """Raw radiosensitivity class of ``primary`` and how NOMS treats it (Laufer 2013)."""
    site = primary_site(primary)
    intermediate_as = choice("intermediate_as", intermediate_as, INTERMEDIATE_AS)
    raw = site.radiosensitivity
    treated_as = intermediate_as if raw == "intermediate" else raw
    explanation = [f"{site.label} is {_WORDS[raw]} to conventional radiotherapy ({SOURCE})."]
    if site.radiosensitivity_unconfirmed:
        explanation.append(
            f"This classification of {site.label} is commonly used but unconfirmed in this "
            f"project's reference; the board should confirm it ({SOURCE})."
        )
    if raw == "intermediate":
        explanation.append(
            f"Intermediate radiosensitivity is treated as {intermediate_as} for cEBRT decisions: "
            "a project default (setting intermediate_as), not a published rule - flagged for "
            f"discussion ({SOURCE})."
        )
    ordinal = CLASSES.index(raw)
    return RadiosensitivityResult(
        total=ordinal,
        category=raw,
        components={"radiosensitivity": ordinal},
        explanation=tuple(explanation),
        primary=site.slug,
        treated_as=treated_as,
        unconfirmed=site.radiosensitivity_unconfirmed,
        project_default=raw == "intermediate",
    )
