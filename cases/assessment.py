"""A case's decision-support assessment, computed from its recorded data.

Every score is either computed (with its components and sourced explanation) or "not computable"
with the list of what is missing: nothing is silently defaulted. The board's own settings decide
the disputed points (ESCC 1c grouping, intermediate histologies). The output suggests and explains;
the board decides.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

import clinical as scoring
from clinical.levels import SPINAL_LEVELS
from clinical.regimens import SBRT_REGIMENS, Regimen

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
SBRT_MAX_FRACTIONS = 10  # the settings accept 1-10 (the project's spine SBRT list uses 1-5)
SBRT_MAX_REGIMENS = 20
REGIMEN_KEYS = ("total_dose_gy", "fractions")


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
    label: str = ""  # short text for a badge, e.g. "Cord compression", "T12 SINS 16 unstable"


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
            "flags": [{"code": f.code, "label": f.label, "text": f.text} for f in self.flags],
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


def board_sbrt_regimens(board) -> SbrtRegimens:
    """The board's own SBRT list when it has one, else the project list (regimens.py).

    A stored list that cannot be read (only possible outside the settings service) is not used
    silently: the project list is shown with the problems found.
    """
    if not board.sbrt_regimens:
        return SbrtRegimens(SBRT_REGIMENS, from_board=False)
    regimens, problems = regimens_from_settings(board.sbrt_regimens)
    if problems:
        return SbrtRegimens(SBRT_REGIMENS, from_board=False, problems=tuple(problems))
    return SbrtRegimens(regimens, from_board=True)


def _board_settings(case) -> dict[str, Any]:
    board = case.board
    sbrt = board_sbrt_regimens(board)
    return {
        "grade_1c_high": board.escc_1c_high_grade,
        "intermediate_as": board.intermediate_histology,
        "sbrt_regimens": [dataclasses.asdict(r) for r in sbrt.regimens],
        "sbrt_regimens_source": "board" if sbrt.from_board else "project",
        "sbrt_regimens_problems": list(sbrt.problems),
    }


def _with_board_regimens(result, board_regimens: tuple[Regimen, ...]):
    """SRS suggestions list the board's SBRT regimens (cEBRT lists stay the project's)."""
    if result.radiation != "srs":
        return result
    return dataclasses.replace(result, regimens=board_regimens)


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
    board_regimens = tuple(
        Regimen(r["total_dose_gy"], r["fractions"]) for r in settings["sbrt_regimens"]
    )
    noms = _score(
        "noms",
        noms_missing,
        lambda: _with_board_regimens(
            scoring.noms(
                primary=case.primary_site,
                escc_grade=lesion.escc_grade,
                sins_total=sins.result.total,
                gross_instability=lesion.alignment == "subluxation",
                mechanical_pain=lesion.pain == "mechanical",
                fit_for_surgery=bool(case.fit_for_surgery),
                grade_1c_high=settings["grade_1c_high"],
                intermediate_as=settings["intermediate_as"],
            ),
            board_regimens,
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
                "Cord compression",
            )
        )
    for lesion in lesions:
        if all(getattr(lesion, f) for f in SINS_FIELDS):
            total = scoring.sins(
                location=lesion.level, **{f: getattr(lesion, f) for f in SINS_FIELDS}
            ).total
            if total >= UNSTABLE_FROM:
                flags.append(
                    Flag(
                        "unstable",
                        f"{lesion.level}: SINS {total}, unstable (Fisher 2010).",
                        f"{lesion.level} SINS {total} unstable",
                    )
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
