"""Eligibility for urgent surgery under the Patchell 2005 trial criteria.

Patchell RA et al., Lancet 2005;366:643-8: direct decompressive surgery then 30 Gy/10 versus
radiotherapy alone for metastatic spinal cord compression - walking after treatment 84% vs 57%;
regained walking 10/16 vs 3/16; median ambulation 122 vs 13 days. A patient meeting every
criterion resembles the trial population, so the trial's benefit applies; it is not an
order to operate.

Included: tissue-proven cancer not of CNS/spine origin; MRI cord displacement; at least one
neurological sign or symptom, pain included (the trial's wording); a single area of compression
(contiguous levels count as one); expected survival 3 months or more; fit for surgery. Excluded:
radiosensitive tumours (lymphoma, leukaemia, myeloma, germ-cell); complete (total) paraplegia for
more than 48 h; cauda equina or root compression only; prior radiation preventing 30 Gy/10;
unrelated neurological disease.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from clinical._common import ScoreResult, boolean
from clinical.escc import CORD_COMPRESSED, parse_grade
from clinical.levels import CORD_LEVELS, SPINAL_LEVELS, parse_level
from clinical.primaries import primary_site

SOURCE = "Patchell 2005, Lancet 2005;366:643-8"
MIN_SURVIVAL_MONTHS = 3
MAX_PARAPLEGIA_HOURS = 48
# Frankel grades with no motor function below the level: A (complete) and B (sensory only). The
# trial excluded patients "totally paraplegic" for more than 48 h; a judgement (docs/scoring.md)
# counts B as well as A, since neither has any motor function below the level.
NO_MOTOR_FUNCTION = ("A", "B")


def cord_displacement(escc_grade: str) -> bool:
    """MRI cord displacement as the trial enrolled it (Patchell 2005): the cord itself displaced by
    an epidural mass, i.e. Bilsky grade 2 or 3 (cord compressed).

    A trial-defined concept, not the board's "high grade": it does not follow the board's 1c
    setting, because a grade 1c lesion abuts the cord without compressing or displacing it.
    """
    return parse_grade(escc_grade, argument="escc_grade") in CORD_COMPRESSED


def areas_of_compression(levels: Iterable[str]) -> int:
    """Separate areas of compression; contiguous levels count as one (Patchell 2005)."""
    indexes = sorted(SPINAL_LEVELS.index(parse_level(level)) for level in levels)
    return sum(1 for i, idx in enumerate(indexes) if i == 0 or idx != indexes[i - 1] + 1)


def cauda_equina_or_root_only(lesions: Iterable[tuple[str, str]]) -> bool:
    """Cauda equina or root compression only, a Patchell 2005 exclusion, from (level, ESCC grade)
    pairs: epidural disease (grade 1a or more) at L2 or below, and the cord itself compressed
    (grade 2 or 3, ``cord_displacement``) at no level above the conus (``levels.CORD_LEVELS``).

    Decided from where the cord is compressed, not from any lesion anywhere: a grade-1a lesion at a
    thoracic level does not make a cauda-equina-only compression eligible. False when no lesion
    has epidural disease.
    """
    graded = [
        (parse_level(level), parse_grade(grade, argument="escc_grade")) for level, grade in lesions
    ]
    cord_compressed = any(
        level in CORD_LEVELS and cord_displacement(grade) for level, grade in graded
    )
    below_conus = any(level not in CORD_LEVELS and grade != "0" for level, grade in graded)
    return below_conus and not cord_compressed


# name -> (criterion as met, reason when not met); in the trial's order: inclusions, exclusions.
CRITERIA: dict[str, tuple[str, str]] = {
    "tissue_proven": ("cancer is tissue-proven", "cancer is not tissue-proven"),
    "not_cns_origin": ("primary is not of CNS/spinal origin", "primary is of CNS/spinal origin"),
    "cord_displacement_on_mri": ("MRI shows cord displacement", "MRI shows no cord displacement"),
    "neurological_signs": (
        "at least one neurological sign or symptom (pain included)",
        "no neurological sign or symptom (pain included)",
    ),
    "single_area_of_compression": (
        "a single area of compression (contiguous levels count as one)",
        "more than one area of compression",
    ),
    "expected_survival": (
        f"expected survival {MIN_SURVIVAL_MONTHS} months or more",
        f"expected survival under {MIN_SURVIVAL_MONTHS} months",
    ),
    "fit_for_surgery": ("fit for surgery", "not fit for surgery"),
    "not_radiosensitive": (
        "histology is not an excluded radiosensitive tumour "
        "(lymphoma, leukaemia, myeloma, germ-cell)",
        "radiosensitive histology (lymphoma, leukaemia, myeloma, germ-cell) is excluded",
    ),
    "paraplegia_48h": (
        f"no complete paraplegia for more than {MAX_PARAPLEGIA_HOURS} h",
        f"complete paraplegia for more than {MAX_PARAPLEGIA_HOURS} h",
    ),
    "not_cauda_equina_or_root_only": (
        "compression is not of the cauda equina or roots only",
        "cauda equina or root compression only",
    ),
    "prior_radiation_allows_30gy": (
        "no prior radiation preventing 30 Gy/10",
        "prior radiation prevents 30 Gy/10",
    ),
    "no_unrelated_neuro_disease": (
        "no unrelated neurological disease",
        "unrelated neurological disease",
    ),
}


@dataclass(frozen=True, kw_only=True)
class PatchellResult(ScoreResult):
    eligible: bool
    reasons: tuple[str, ...]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]  # str.capitalize() would lower-case "CNS" and "MRI"


def _non_negative(argument: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(f"{argument}={value!r} is not allowed; allowed values: a number >= 0")
    return float(value)


def patchell_eligible(
    *,
    primary: str,
    tissue_proven: bool,
    cord_displacement_on_mri: bool,
    neurological_signs: bool,
    single_area_of_compression: bool,
    expected_survival_months: float,
    fit_for_surgery: bool,
    paraplegia_hours: float,
    cauda_equina_or_root_only: bool,
    prior_radiation_precludes_30gy: bool,
    unrelated_neuro_disease: bool,
) -> PatchellResult:
    """Whether the patient meets every Patchell 2005 criterion (Lancet 2005;366:643-8).

    Every criterion is a required keyword: none is assumed met. ``neurological_signs`` includes
    pain, as the trial's inclusion did. ``paraplegia_hours`` is how long complete paraplegia (no
    motor function below the level) has lasted, 0 when there is none; when its onset is unknown
    the criterion cannot be decided, so the caller reports it missing rather than passing a guess
    (``clinical.assessment`` does). ``total`` counts the unmet criteria; ``components`` gives 1
    per unmet criterion, 0 otherwise.
    """
    site = primary_site(primary)
    survival = _non_negative("expected_survival_months", expected_survival_months)
    paraplegia = _non_negative("paraplegia_hours", paraplegia_hours)
    met = {
        "tissue_proven": boolean("tissue_proven", tissue_proven),
        "not_cns_origin": not site.cns_origin,
        "cord_displacement_on_mri": boolean("cord_displacement_on_mri", cord_displacement_on_mri),
        "neurological_signs": boolean("neurological_signs", neurological_signs),
        "single_area_of_compression": boolean(
            "single_area_of_compression", single_area_of_compression
        ),
        "expected_survival": survival >= MIN_SURVIVAL_MONTHS,
        "fit_for_surgery": boolean("fit_for_surgery", fit_for_surgery),
        "not_radiosensitive": not site.patchell_radiosensitive,
        "paraplegia_48h": paraplegia <= MAX_PARAPLEGIA_HOURS,
        "not_cauda_equina_or_root_only": not boolean(
            "cauda_equina_or_root_only", cauda_equina_or_root_only
        ),
        "prior_radiation_allows_30gy": not boolean(
            "prior_radiation_precludes_30gy", prior_radiation_precludes_30gy
        ),
        "no_unrelated_neuro_disease": not boolean(
            "unrelated_neuro_disease", unrelated_neuro_disease
        ),
    }
    reasons = tuple(
        f"{_capitalised(CRITERIA[name][1])} ({SOURCE})." for name, ok in met.items() if not ok
    )
    eligible = not reasons
    explanation = [
        f"{'Met' if ok else 'Not met'}: {CRITERIA[name][0]} ({SOURCE})." for name, ok in met.items()
    ]
    explanation.append(
        f"{site.label}: {'meets' if eligible else 'does not meet'} the trial criteria for surgery "
        f"then 30 Gy/10 (walking after treatment 84% vs 57% with radiotherapy alone) ({SOURCE})."
    )
    return PatchellResult(
        total=len(reasons),
        category="eligible" if eligible else "not_eligible",
        components={name: int(not ok) for name, ok in met.items()},
        explanation=tuple(explanation),
        eligible=eligible,
        reasons=reasons,
    )
