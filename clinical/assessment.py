"""A case's decision-support assessment, computed from its recorded data.

Every score is either computed (with its components and sourced explanation) or "not computable"
with the list of what is missing: nothing is silently defaulted. The board's own settings decide
the disputed points (ESCC 1c grouping, intermediate histologies, the SBRT list) and are passed in,
as is the moment "now"; the inputs are any objects with the attributes in ``clinical.inputs``. The
output suggests and explains; the board decides.

How recorded data become score arguments (each step cites the rule it serves; docs/scoring.md):

* Revised Tokuhashi (Tokuhashi 2005) needs a Karnofsky score; with only ECOG recorded, the common
  ECOG -> KPS mapping (Oken 1982, ``performance.ecog_to_kps``) is used and the result says it is
  derived, not measured. The one visceral field maps to Tokuhashi's removable/unremovable and to
  Tomita's treatable/untreatable (a removable metastasis is also treatable).
* Tomita (Tomita 2001): bone metastases are solitary when the vertebral and extraspinal counts add
  up to at most one; a primary outside Tomita's table needs the growth class stated on the case.
* NOMS (Laufer 2013) per lesion: the lesion's SINS total, subluxation as stated gross instability,
  mechanical pain, the case's fitness for surgery and the board's settings; "too ill for local
  treatment" from KPS/ECOG and expected survival against the board's unconfirmed thresholds
  (``clinical.systemic``); SRS suggestions list the board's SBRT regimens.
* Patchell 2005: cord displacement and single area from the lesions' grades and levels
  (``patchell.cord_displacement``, ``areas_of_compression``); cauda-equina-only from where the
  cord itself is compressed (``cauda_equina_or_root_only``); a neurological sign or symptom from
  Frankel A-D or pain (the trial's inclusion counts pain); paraplegia hours from the deficit
  onset when there is no motor function below the level (Frankel A or B), "not computable" when
  that onset is not recorded; prior radiation over a displaced level precludes 30 Gy/10.
  Unrelated neurological disease is not recorded: it is passed as absent and a note says so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from clinical._common import ScoreRange, ScoreResult, from_plain
from clinical.escc import EsccResult, escc
from clinical.flags import Flag, urgent_flags
from clinical.inputs import (
    SINS_FIELDS,
    CaseData,
    LesionData,
    PriorTreatmentData,
    attributes,
    lesion_sins,
    lesion_sins_range,
)
from clinical.noms import NomsResult, noms
from clinical.patchell import (
    MAX_PARAPLEGIA_HOURS,
    NO_MOTOR_FUNCTION,
    PatchellResult,
    areas_of_compression,
    cauda_equina_or_root_only,
    cord_displacement,
    patchell_eligible,
)
from clinical.performance import ecog_to_kps
from clinical.primaries import PRIMARY_SITES
from clinical.radiosensitivity import RadiosensitivityResult, radiosensitivity
from clinical.regimens import Regimen, SbrtRegimens
from clinical.reirradiation import prior_courses_at, reirradiation, treated_levels
from clinical.sins import SinsResult
from clinical.systemic import SystemicResult, SystemicThresholds, too_ill_for_local_treatment
from clinical.tokuhashi import TokuhashiResult, tokuhashi_revised
from clinical.tomita import TomitaResult, tomita

# The case's one visceral-metastases field in each score's words.
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
# The case and lesion attributes the rules may report as missing; the caller names each in the
# board's words (``Labels``).
CASE_INPUTS = (
    "primary_site",
    "primary_growth",
    "histology_confirmed",
    "vertebral_body_mets",
    "extraspinal_bone_mets",
    "visceral_mets",
    "frankel_grade",
    "deficit_onset",
    "ecog",
    "kps",
    "pain_score",
    "fit_for_surgery",
    "expected_survival_months",
)
LESION_INPUTS = (*SINS_FIELDS, "escc_grade")
DISCLAIMER = "Decision support suggests and explains; the board decides."

R = TypeVar("R", bound=ScoreResult)


@dataclass(frozen=True)
class Labels:
    """The words the board reads for each input that may be missing (the form labels)."""

    case: Mapping[str, str]
    lesion: Mapping[str, str]


@dataclass(frozen=True)
class AssessmentSettings:
    """The board's answers to the disputed points (docs/scoring.md), passed in explicitly."""

    grade_1c_high: bool
    intermediate_as: str  # "sensitive" | "resistant"
    sbrt: SbrtRegimens
    systemic: SystemicThresholds  # when NOMS's "too ill for local treatment" row applies

    def as_dict(self) -> dict[str, Any]:
        return {
            "grade_1c_high": self.grade_1c_high,
            "intermediate_as": self.intermediate_as,
            "sbrt_regimens": [dataclasses.asdict(r) for r in self.sbrt.regimens],
            "sbrt_regimens_source": "board" if self.sbrt.from_board else "project",
            "sbrt_regimens_problems": list(self.sbrt.problems),
            "too_ill_kps_at_most": self.systemic.kps_at_most,
            "too_ill_ecog_at_least": self.systemic.ecog_at_least,
            "too_ill_survival_under_months": self.systemic.survival_under_months,
            "too_ill_source": "board" if self.systemic.from_board else "project",
            "too_ill_text": self.systemic.describe(),
        }


@dataclass(frozen=True)
class Score(Generic[R]):
    """One score for the case: a result, or the inputs that are missing."""

    name: str
    result: R | None = None
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    # For a partly recorded score: the totals the missing inputs allow (SINS; ``sins_range``).
    range: ScoreRange | None = None

    @property
    def computable(self) -> bool:
        return self.result is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "computable": self.computable,
            "missing": list(self.missing),
            "notes": list(self.notes),
            "range": self.range.as_dict() if self.range is not None else None,
            "result": self.result.as_dict() if self.result is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], result_type: type[R]) -> Score[R]:
        """The score whose ``as_dict()`` is ``data``, its result read back as ``result_type``."""
        result = data["result"]
        return Score(
            name=data["name"],
            result=None if result is None else result_type.from_dict(result),
            missing=tuple(data["missing"]),
            notes=tuple(data["notes"]),
            range=from_plain(ScoreRange | None, data.get("range")),
        )


@dataclass(frozen=True)
class LesionAssessment:
    level: str
    sins: Score[SinsResult]
    escc: Score[EsccResult]
    noms: Score[NomsResult]

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "sins": self.sins.as_dict(),
            "escc": self.escc.as_dict(),
            "noms": self.noms.as_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LesionAssessment:
        return cls(
            level=data["level"],
            sins=Score.from_dict(data["sins"], SinsResult),
            escc=Score.from_dict(data["escc"], EsccResult),
            noms=Score.from_dict(data["noms"], NomsResult),
        )


@dataclass(frozen=True)
class CaseAssessment:
    radiosensitivity: Score[RadiosensitivityResult]
    tokuhashi: Score[TokuhashiResult]
    tomita: Score[TomitaResult]
    patchell: Score[PatchellResult]
    lesions: tuple[LesionAssessment, ...]
    flags: tuple[Flag, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)  # AssessmentSettings.as_dict()

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
            "disclaimer": DISCLAIMER,
        }

    to_dict = as_dict  # what a store keeps; ``from_dict`` reads it back equal

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CaseAssessment:
        """The assessment whose ``as_dict()`` is ``data``: equal to the one that was stored."""
        return cls(
            radiosensitivity=Score.from_dict(data["radiosensitivity"], RadiosensitivityResult),
            tokuhashi=Score.from_dict(data["tokuhashi_revised"], TokuhashiResult),
            tomita=Score.from_dict(data["tomita"], TomitaResult),
            patchell=Score.from_dict(data["patchell"], PatchellResult),
            lesions=tuple(LesionAssessment.from_dict(lesion) for lesion in data["lesions"]),
            flags=flags_from_dicts(data["flags"]),
            settings=dict(data["settings"]),
        )


def flags_from_dicts(data: Iterable[Mapping[str, str]]) -> tuple[Flag, ...]:
    """Flags as ``CaseAssessment.as_dict()`` lists them, read back."""
    return tuple(Flag(code=f["code"], text=f["text"], label=f["label"]) for f in data)


def _missing(obj: object, names: Iterable[str], labels: Mapping[str, str]) -> list[str]:
    return [labels[n] for n in names if getattr(obj, n) in (None, "")]


def _score(
    name: str, missing: list[str], compute: Callable[[], R], notes: Sequence[str] = ()
) -> Score[R]:
    if missing:
        return Score(name=name, missing=tuple(missing), notes=tuple(notes))
    try:
        return Score(name=name, result=compute(), notes=tuple(notes))
    except ValueError as exc:  # an input the engine refuses (e.g. Tomita growth class unknown)
        return Score(name=name, missing=(str(exc),), notes=tuple(notes))


def radiosensitivity_score(
    case: CaseData, *, settings: AssessmentSettings, labels: Labels
) -> Score[RadiosensitivityResult]:
    """Radiosensitivity of the case's primary (Laufer 2013), intermediate per the setting."""
    return _score(
        "radiosensitivity",
        _missing(case, ["primary_site"], labels.case),
        lambda: radiosensitivity(
            primary=case.primary_site, intermediate_as=settings.intermediate_as
        ),
    )


def _with_board_regimens(result: NomsResult, board_regimens: tuple[Regimen, ...]) -> NomsResult:
    """SRS suggestions list the board's SBRT regimens (cEBRT lists stay the project's)."""
    if result.radiation != "srs":
        return result
    return dataclasses.replace(result, regimens=board_regimens)


def systemic_assessment(case: CaseData, *, settings: AssessmentSettings) -> SystemicResult:
    """Too ill for any local treatment? The board's unconfirmed thresholds (``clinical.systemic``)
    applied to the recorded KPS, ECOG and expected survival (the S of NOMS, Laufer 2013)."""
    return too_ill_for_local_treatment(
        kps=case.kps,
        ecog=case.ecog,
        expected_survival_months=case.expected_survival_months,
        thresholds=settings.systemic,
    )


def sins_score(lesion: LesionData, *, labels: Labels) -> Score[SinsResult]:
    """SINS (Fisher 2010) of a lesion; partly recorded, the range of totals the missing findings
    allow, and the band when that whole range lies in one (``sins.sins_range``)."""
    missing = _missing(lesion, SINS_FIELDS, labels.lesion)
    score = _score("sins", missing, lambda: lesion_sins(lesion))
    if not missing:
        return score
    partial = lesion_sins_range(lesion)
    return dataclasses.replace(score, range=partial)


def lesion_assessment(
    case: CaseData,
    lesion: LesionData,
    prior_treatments: Sequence[PriorTreatmentData],
    *,
    settings: AssessmentSettings,
    labels: Labels,
    now: dt.datetime,
) -> LesionAssessment:
    """SINS (Fisher 2010), ESCC (Bilsky 2010) and the NOMS suggestion (Laufer 2013) of a lesion;
    a level irradiated before gets the re-irradiation considerations (``reirradiation``)."""
    sins = sins_score(lesion, labels=labels)
    grade = _score(
        "escc",
        _missing(lesion, ["escc_grade"], labels.lesion),
        lambda: escc(grade=lesion.escc_grade, grade_1c_high=settings.grade_1c_high),
    )
    systemic = systemic_assessment(case, settings=settings)
    noms_missing = _missing(case, ["primary_site"], labels.case)
    if "performance_status" in systemic.missing:
        noms_missing.append(f"{labels.case['kps']} or {labels.case['ecog']}")
    if "expected_survival_months" in systemic.missing:
        noms_missing.append(labels.case["expected_survival_months"])
    if not systemic.too_ill:  # fitness is not consulted for a patient too ill for local treatment
        noms_missing.extend(_missing(case, ["fit_for_surgery"], labels.case))
    if not sins.computable:
        noms_missing.append("a complete SINS for this level")
    if not grade.computable:
        noms_missing.append(labels.lesion["escc_grade"])

    def suggestion() -> NomsResult:
        assert sins.result is not None  # computed: noms_missing would list it otherwise
        assert systemic.too_ill is not None  # else noms_missing lists what decides it
        result = noms(
            primary=case.primary_site,
            escc_grade=lesion.escc_grade,
            sins_total=sins.result.total,
            gross_instability=lesion.alignment == "subluxation",
            mechanical_pain=lesion.pain == "mechanical",
            fit_for_surgery=case.fit_for_surgery,
            grade_1c_high=settings.grade_1c_high,
            intermediate_as=settings.intermediate_as,
            too_ill_for_local_treatment=systemic.too_ill,
        )
        return reirradiation(
            _with_board_regimens(result, settings.sbrt.regimens),
            level=lesion.level,
            courses=prior_courses_at(lesion.level, prior_treatments),
            today=now.date(),
        )

    return LesionAssessment(
        level=lesion.level,
        sins=sins,
        escc=grade,
        noms=_score("noms", noms_missing, suggestion, systemic.explanation),
    )


def vertebral_body_count(
    *, stated: int | None, recorded_levels: Sequence[str]
) -> tuple[int | None, str | None]:
    """The number of involved vertebral bodies Tokuhashi (2005) and Tomita (2001) count, and a
    note when the case's stated count and its recorded lesions disagree.

    Each recorded lesion is one involved vertebral body, so the count is at least the number of
    lesions; when the stated count differs, the larger is used and the note says so (issue 13).
    Not stated: None (missing; the recorded lesions alone may not be every involved level).
    """
    if stated is None:
        return None, None
    recorded = len(recorded_levels)
    if recorded == stated or not recorded_levels:
        return stated, None
    levels = ", ".join(recorded_levels)
    if recorded > stated:
        return recorded, (
            f"Vertebral bodies involved: the case states {stated}, but {recorded} vertebral "
            f"lesions are recorded ({levels}); the larger, {recorded}, is used - correct the "
            "stated count or the lesions."
        )
    return stated, (
        f"Vertebral bodies involved: the case states {stated} and {recorded} recorded as "
        f"lesions ({levels}); the larger, {stated}, is used (record the other levels as lesions "
        "to score them)."
    )


def tokuhashi_score(
    case: CaseData, lesions: Sequence[LesionData], *, labels: Labels
) -> Score[TokuhashiResult]:
    """Revised Tokuhashi (Tokuhashi 2005); a KPS derived from ECOG is used and said to be so; the
    vertebral count is at least the recorded lesions (``vertebral_body_count``)."""
    missing = _missing(
        case,
        ["extraspinal_bone_mets", "vertebral_body_mets", "visceral_mets", "frankel_grade"],
        labels.case,
    )
    vertebral, count_note = vertebral_body_count(
        stated=case.vertebral_body_mets, recorded_levels=[lesion.level for lesion in lesions]
    )
    kps, notes = case.kps, [count_note] if count_note else []
    if kps is None and case.ecog is not None:
        conversion = ecog_to_kps(case.ecog)
        kps = conversion.total
        notes.append(
            f"KPS derived from ECOG {case.ecog} ({conversion.mapping}): the result is derived, "
            "not measured; record the Karnofsky score to confirm it (REFERENCE: never convert "
            "silently)."
        )
    elif kps is None:
        missing.append(labels.case["kps"])

    def compute() -> TokuhashiResult:
        assert kps is not None and case.extraspinal_bone_mets is not None  # else missing
        assert vertebral is not None
        return tokuhashi_revised(
            kps=kps,
            extraspinal_bone_mets=case.extraspinal_bone_mets,
            vertebral_body_mets=vertebral,
            visceral_mets=TOKUHASHI_VISCERAL[case.visceral_mets],
            primary=case.primary_site,
            frankel=case.frankel_grade,
        )

    return _score("tokuhashi_revised", missing, compute, notes)


def tomita_score(
    case: CaseData, lesions: Sequence[LesionData], *, labels: Labels
) -> Score[TomitaResult]:
    """Tomita (Tomita 2001); the growth class is the table's unless stated on the case; the
    vertebral count is at least the recorded lesions (``vertebral_body_count``)."""
    missing = _missing(
        case, ["visceral_mets", "vertebral_body_mets", "extraspinal_bone_mets"], labels.case
    )
    vertebral, count_note = vertebral_body_count(
        stated=case.vertebral_body_mets, recorded_levels=[lesion.level for lesion in lesions]
    )
    growth = case.primary_growth or None
    site = PRIMARY_SITES.get(case.primary_site)
    if growth is None and site is not None and site.tomita_growth is None:
        missing.append(
            f"{labels.case['primary_growth']}: {site.label} is not in Tomita's table, "
            "so its growth class must be given (never guessed)"
        )

    def compute() -> TomitaResult:
        total_bone = (vertebral or 0) + (case.extraspinal_bone_mets or 0)
        return tomita(
            primary=case.primary_site,
            visceral_mets=TOMITA_VISCERAL[case.visceral_mets],
            bone_mets="solitary" if total_bone <= 1 else "multiple",
            growth=growth,
        )

    return _score("tomita", missing, compute, [count_note] if count_note else [])


def _pain_recorded(case: CaseData, lesions: Sequence[LesionData]) -> bool | None:
    """Pain as the case records it: the 0-10 score or any lesion's SINS pain; None when neither
    is recorded. Pain anywhere in the spine counts (a judgement, docs/scoring.md)."""
    if (case.pain_score or 0) >= 1 or any(
        lesion.pain in ("mechanical", "occasional") for lesion in lesions
    ):
        return True
    if case.pain_score is None and not any(lesion.pain for lesion in lesions):
        return None
    return False


def patchell_score(
    case: CaseData,
    lesions: Sequence[LesionData],
    prior_treatments: Iterable[PriorTreatmentData],
    *,
    labels: Labels,
    now: dt.datetime,
) -> Score[PatchellResult]:
    """Patchell 2005 eligibility (Lancet 2005;366:643-8) from the case, its lesions and prior
    radiation; ``now`` dates a complete paraplegia. No criterion is assumed met: what is not
    recorded is reported missing."""
    missing = _missing(
        case,
        ["histology_confirmed", "fit_for_surgery", "expected_survival_months", "frankel_grade"],
        labels.case,
    )
    if not lesions or any(not lesion.escc_grade for lesion in lesions):
        missing.append("ESCC grade of every lesion")
    paraplegic = case.frankel_grade in NO_MOTOR_FUNCTION
    if paraplegic and case.deficit_onset is None:
        missing.append(f"time since complete paraplegia ({labels.case['deficit_onset']})")
    # A deficit (Frankel A-D) is a sign; with none, the trial counts pain as a symptom.
    pain = _pain_recorded(case, lesions)
    intact = case.frankel_grade == "E"
    if intact and pain is None:
        missing.append(f"pain ({labels.case['pain_score']} or the pain at each level)")
    notes = ["Unrelated neurological disease is not recorded here: assumed absent; check it."]
    if intact and pain is False and case.neuro_deficits.strip():
        notes.append(
            "Neurological deficits are recorded as text, which the rules do not read: if they "
            "describe a sign or symptom, the Patchell criterion is met (Patchell 2005)."
        )

    def compute() -> PatchellResult:
        assert case.expected_survival_months is not None  # else missing
        assert case.histology_confirmed is not None and case.fit_for_surgery is not None
        displaced = [lesion.level for lesion in lesions if cord_displacement(lesion.escc_grade)]
        if paraplegic:
            assert case.deficit_onset is not None  # else missing
            hours = (now - case.deficit_onset).total_seconds() / 3600
        else:
            hours = 0
        radiated = {
            level
            for treatment in prior_treatments
            if treatment.kind == "radiation"
            for level in treated_levels(treatment)
        }
        return patchell_eligible(
            primary=case.primary_site,
            tissue_proven=case.histology_confirmed,
            cord_displacement_on_mri=bool(displaced),
            neurological_signs=not intact or bool(pain),
            single_area_of_compression=areas_of_compression(displaced) <= 1,
            expected_survival_months=case.expected_survival_months,
            fit_for_surgery=case.fit_for_surgery,
            paraplegia_hours=hours,
            cauda_equina_or_root_only=cauda_equina_or_root_only(
                (lesion.level, lesion.escc_grade) for lesion in lesions
            ),
            prior_radiation_precludes_30gy=bool(radiated & set(displaced)),
            unrelated_neuro_disease=False,  # not recorded; the note above says so
        )

    return _score("patchell", missing, compute, notes)


def assess_case(
    case: CaseData,
    lesions: Iterable[LesionData],
    prior_treatments: Iterable[PriorTreatmentData],
    *,
    settings: AssessmentSettings,
    labels: Labels,
    now: dt.datetime,
) -> CaseAssessment:
    """Every score for a case, its lesions' scores and its urgent flags."""
    lesions = tuple(lesions)
    prior_treatments = tuple(prior_treatments)
    return CaseAssessment(
        radiosensitivity=radiosensitivity_score(case, settings=settings, labels=labels),
        tokuhashi=tokuhashi_score(case, lesions, labels=labels),
        tomita=tomita_score(case, lesions, labels=labels),
        patchell=patchell_score(case, lesions, prior_treatments, labels=labels, now=now),
        lesions=tuple(
            lesion_assessment(
                case, lesion, prior_treatments, settings=settings, labels=labels, now=now
            )
            for lesion in lesions
        ),
        flags=urgent_flags(case, lesions, grade_1c_high=settings.grade_1c_high),
        settings=settings.as_dict(),
    )


# --- storing an assessment ---------------------------------------------------------------------
# An assessment depends only on the core's code, the board's settings, the labels, the recorded
# data and (for Patchell's paraplegia duration) the time. A store keeps it with fingerprints of
# these, so a stale copy is detectable, and with the moment the time could change the answer.


def _core_version() -> str:
    """A hash of the clinical core's source: any change to the rules makes stored copies stale."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


CORE_VERSION = _core_version()


def _digest(value: object) -> str:
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def context_fingerprint(*, settings: AssessmentSettings, labels: Labels) -> str:
    """The core's version, the board's settings and the labels: what is the same for all of a
    board's cases. A reader that has the board can check it without loading the case's data."""
    return _digest(
        {
            "core": CORE_VERSION,
            "settings": settings.as_dict(),
            "labels": {"case": dict(labels.case), "lesion": dict(labels.lesion)},
        }
    )


def assessment_fingerprint(
    case: CaseData,
    lesions: Iterable[LesionData],
    prior_treatments: Iterable[PriorTreatmentData],
    *,
    settings: AssessmentSettings,
    labels: Labels,
) -> str:
    """Every input of ``assess_case`` but the time: equal fingerprints, equal assessments (up to
    ``valid_until``)."""
    return _digest(
        {
            "context": context_fingerprint(settings=settings, labels=labels),
            "case": {name: getattr(case, name) for name in attributes(CaseData)},
            "lesions": [
                {name: getattr(lesion, name) for name in attributes(LesionData)}
                for lesion in lesions
            ],
            "prior_treatments": [
                {name: getattr(treatment, name) for name in attributes(PriorTreatmentData)}
                for treatment in prior_treatments
            ],
        }
    )


def valid_until(case: CaseData, *, now: dt.datetime) -> dt.datetime | None:
    """Until when an assessment computed at ``now`` holds: the only part that depends on the time
    is Patchell's paraplegia duration (Patchell 2005: complete paraplegia for at most 48 h), for
    a case without motor function below the level (Frankel A or B) with a recorded onset.
    None: the answer does not change with time."""
    if case.frankel_grade not in NO_MOTOR_FUNCTION or not case.deficit_onset:
        return None
    if now < case.deficit_onset:  # an onset in the future is refused until it is reached
        return case.deficit_onset
    limit = case.deficit_onset + dt.timedelta(hours=MAX_PARAPLEGIA_HOURS)
    return limit if now <= limit else None  # past the limit the answer no longer changes
