"""A case's decision-support assessment, computed from its recorded data.

Every score is either computed (with its components and sourced explanation) or "not computable"
with the list of what is missing: nothing is silently defaulted. The board's own settings decide
the disputed points (ESCC 1c grouping, intermediate histologies). The output suggests and explains;
the board decides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from recommendations import scoring
from recommendations.scoring.levels import SPINAL_LEVELS

SINS_FIELDS = ("pain", "bone_lesion", "alignment", "collapse", "posterolateral")
HIGH_GRADE_ORDER = ("0", "1a", "1b", "1c", "2", "3")
PROGRESSING = ("weeks", "days", "hours")
CORD_DISPLACING = ("2", "3")  # Bilsky: the cord itself is compressed (Patchell: cord displacement)
# The cord ends around L1-L2: compression only at L2 or below is cauda equina or root compression.
CAUDA_EQUINA_FROM = SPINAL_LEVELS.index("L2")
TOMITA_VISCERAL = {
    "none": "none",
    "removable": "treatable",
    "treatable": "treatable",
    "untreatable": "untreatable",
}
TOKUHASHI_VISCERAL = {
    "none": "none",
    "removable": "removable",
    "treatable": "unremovable",
    "untreatable": "unremovable",
}
UNSTABLE_FROM = 13


@dataclass(frozen=True)
class Score:
    """One score for the case: a result, or the inputs that are missing."""

    name: str
    result: Any = None
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def computable(self) -> bool:
        return self.result is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "computable": self.computable,
            "missing": list(self.missing),
            "notes": list(self.notes),
            "result": self.result.as_dict() if self.result is not None else None,
        }


@dataclass(frozen=True)
class LesionAssessment:
    level: str
    sins: Score
    escc: Score
    noms: Score

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "sins": self.sins.as_dict(),
            "escc": self.escc.as_dict(),
            "noms": self.noms.as_dict(),
        }


@dataclass(frozen=True)
class Flag:
    code: str
    text: str


@dataclass(frozen=True)
class CaseAssessment:
    radiosensitivity: Score
    tokuhashi: Score
    tomita: Score
    patchell: Score
    lesions: tuple[LesionAssessment, ...]
    flags: tuple[Flag, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def urgent(self) -> bool:
        return bool(self.flags)

    def as_dict(self) -> dict[str, Any]:
        return {
            "settings": self.settings,
            "flags": [{"code": f.code, "text": f.text} for f in self.flags],
            "radiosensitivity": self.radiosensitivity.as_dict(),
            "tokuhashi_revised": self.tokuhashi.as_dict(),
            "tomita": self.tomita.as_dict(),
            "patchell": self.patchell.as_dict(),
            "lesions": [lesion.as_dict() for lesion in self.lesions],
            "disclaimer": "Decision support suggests and explains; the board decides.",
        }


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _missing(obj, names: Iterable[str]) -> list[str]:
    return [_label(type(obj), n) for n in names if getattr(obj, n) in (None, "")]


def _score(name: str, missing: list[str], compute: Callable[[], Any], notes=()) -> Score:
    if missing:
        return Score(name=name, missing=tuple(missing), notes=tuple(notes))
    try:
        return Score(name=name, result=compute(), notes=tuple(notes))
    except ValueError as exc:  # an input the engine refuses (e.g. Tomita growth class unknown)
        return Score(name=name, missing=(str(exc),), notes=tuple(notes))


def _board_settings(case) -> dict[str, Any]:
    board = case.board
    return {
        "grade_1c_high": board.escc_1c_high_grade,
        "intermediate_as": board.intermediate_histology,
    }


def _lesion(case, lesion, settings) -> LesionAssessment:
    sins = _score(
        "sins",
        _missing(lesion, SINS_FIELDS),
        lambda: scoring.sins(location=lesion.level, **{f: getattr(lesion, f) for f in SINS_FIELDS}),
    )
    escc = _score(
        "escc",
        _missing(lesion, ["escc_grade"]),
        lambda: scoring.escc(grade=lesion.escc_grade, grade_1c_high=settings["grade_1c_high"]),
    )
    noms_missing = [*_missing(case, ["primary_site", "fit_for_surgery"])]
    if not sins.computable:
        noms_missing.append("a complete SINS for this level")
    if not escc.computable:
        noms_missing.append(_label(type(lesion), "escc_grade"))
    noms = _score(
        "noms",
        noms_missing,
        lambda: scoring.noms(
            primary=case.primary_site,
            escc_grade=lesion.escc_grade,
            sins_total=sins.result.total,
            gross_instability=lesion.alignment == "subluxation",
            mechanical_pain=lesion.pain == "mechanical",
            fit_for_surgery=bool(case.fit_for_surgery),
            grade_1c_high=settings["grade_1c_high"],
            intermediate_as=settings["intermediate_as"],
        ),
    )
    return LesionAssessment(level=lesion.level, sins=sins, escc=escc, noms=noms)


def _tokuhashi(case) -> Score:
    missing = _missing(
        case, ["extraspinal_bone_mets", "vertebral_body_mets", "visceral_mets", "frankel_grade"]
    )
    kps, notes = case.kps, []
    if kps is None and case.ecog is not None:
        conversion = scoring.ecog_to_kps(case.ecog)
        kps = conversion.total
        notes = [
            f"KPS derived from ECOG {case.ecog} ({conversion.mapping}): the result is derived, "
            "not measured; record the Karnofsky score to confirm it (REFERENCE: never convert "
            "silently)."
        ]
    elif kps is None:
        missing.append(_label(type(case), "kps"))
    return _score(
        "tokuhashi_revised",
        missing,
        lambda: scoring.tokuhashi_revised(
            kps=kps,
            extraspinal_bone_mets=case.extraspinal_bone_mets,
            vertebral_body_mets=case.vertebral_body_mets,
            visceral_mets=TOKUHASHI_VISCERAL[case.visceral_mets],
            primary=case.primary_site,
            frankel=case.frankel_grade,
        ),
        notes,
    )


def _tomita(case) -> Score:
    missing = _missing(case, ["visceral_mets", "vertebral_body_mets", "extraspinal_bone_mets"])
    growth = case.primary_growth or None
    site = scoring.PRIMARY_SITES.get(case.primary_site)
    if growth is None and site is not None and site.tomita_growth is None:
        missing.append(
            f"{_label(type(case), 'primary_growth')}: {site.label} is not in Tomita's table, "
            "so its growth class must be given (never guessed)"
        )

    def compute():
        total_bone = (case.vertebral_body_mets or 0) + (case.extraspinal_bone_mets or 0)
        return scoring.tomita(
            primary=case.primary_site,
            visceral_mets=TOMITA_VISCERAL[case.visceral_mets],
            bone_mets="solitary" if total_bone <= 1 else "multiple",
            growth=growth,
        )

    return _score("tomita", missing, compute)


def _compressed_groups(levels: list[str]) -> int:
    """Areas of compression; contiguous levels count as one (Patchell 2005)."""
    indexes = sorted(SPINAL_LEVELS.index(level) for level in levels)
    return sum(1 for i, idx in enumerate(indexes) if i == 0 or idx != indexes[i - 1] + 1)


def _patchell(case, lesions, prior_treatments) -> Score:
    missing = _missing(
        case,
        ["histology_confirmed", "fit_for_surgery", "expected_survival_months", "frankel_grade"],
    )
    if not lesions or any(not lesion.escc_grade for lesion in lesions):
        missing.append("ESCC grade of every lesion")
    notes = ["Unrelated neurological disease is not recorded here: assumed absent; check it."]

    def compute():
        compressed = [lesion.level for lesion in lesions if lesion.escc_grade in CORD_DISPLACING]
        if case.frankel_grade == "A" and case.deficit_onset:
            hours = (timezone.now() - case.deficit_onset).total_seconds() / 3600
        else:
            hours = 0
        involved = [lesion.level for lesion in lesions if lesion.escc_grade not in ("", "0")]
        radiated = {
            level
            for treatment in prior_treatments
            if treatment.kind == "radiation"
            for level in _treated_levels(treatment)
        }
        return scoring.patchell_eligible(
            primary=case.primary_site,
            tissue_proven=bool(case.histology_confirmed),
            cord_displacement_on_mri=bool(compressed),
            neurological_signs=case.frankel_grade != "E" or bool(case.neuro_deficits.strip()),
            single_area_of_compression=_compressed_groups(compressed) <= 1,
            expected_survival_months=case.expected_survival_months,
            fit_for_surgery=bool(case.fit_for_surgery),
            paraplegia_hours=hours,
            cauda_equina_or_root_only=bool(involved)
            and all(SPINAL_LEVELS.index(level) >= CAUDA_EQUINA_FROM for level in involved),
            prior_radiation_precludes_30gy=bool(radiated & set(compressed)),
        )

    return _score("patchell", missing, compute, notes)


def _treated_levels(treatment) -> list[str]:
    first = SPINAL_LEVELS.index(treatment.level_from)
    last = SPINAL_LEVELS.index(treatment.level_to) if treatment.level_to else first
    return list(SPINAL_LEVELS[min(first, last) : max(first, last) + 1])


def urgent_flags(case, lesions, *, grade_1c_high: bool) -> tuple[Flag, ...]:
    """Flags for the case list: high-grade ESCC with a progressing deficit; SINS 13 or more."""
    flags: list[Flag] = []
    high = {"2", "3", "1c"} if grade_1c_high else {"2", "3"}
    if case.neuro_progression in PROGRESSING and any(les.escc_grade in high for les in lesions):
        flags.append(
            Flag(
                "cord_compression",
                "High-grade cord compression with a progressing deficit "
                "(Bilsky 2010): hours matter.",
            )
        )
    for lesion in lesions:
        if all(getattr(lesion, f) for f in SINS_FIELDS):
            total = scoring.sins(
                location=lesion.level, **{f: getattr(lesion, f) for f in SINS_FIELDS}
            ).total
            if total >= UNSTABLE_FROM:
                flags.append(
                    Flag("unstable", f"{lesion.level}: SINS {total}, unstable (Fisher 2010).")
                )
    return tuple(flags)


def case_assessment(case) -> CaseAssessment:
    """Compute every score for a case. Uses prefetched lesions/prior treatments when present."""
    settings = _board_settings(case)
    lesions = list(case.lesions.all())
    prior = list(case.prior_treatments.all())
    radiosensitivity = _score(
        "radiosensitivity",
        _missing(case, ["primary_site"]),
        lambda: scoring.radiosensitivity(
            primary=case.primary_site, intermediate_as=settings["intermediate_as"]
        ),
    )
    return CaseAssessment(
        radiosensitivity=radiosensitivity,
        tokuhashi=_tokuhashi(case),
        tomita=_tomita(case),
        patchell=_patchell(case, lesions, prior),
        lesions=tuple(_lesion(case, lesion, settings) for lesion in lesions),
        flags=urgent_flags(case, lesions, grade_1c_high=settings["grade_1c_high"]),
        settings=settings,
    )
