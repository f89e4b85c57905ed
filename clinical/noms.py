"""NOMS decision framework: Neurologic, Oncologic, Mechanical, Systemic.

Laufer I et al., Oncologist 2013;18(6):744-51; Bilsky MH, Smith M, Hematol Oncol Clin N Am
2006;20:1307-17; Newman WC et al., Neurosurg Clin N Am 2020;31:151-66. N is the Bilsky ESCC grade
(``escc``), O the radiosensitivity of the histology (``radiosensitivity``), M the instability
(SINS, Fisher 2010; mechanical pain), S what the patient can tolerate (``clinical.systemic``: the
board's unconfirmed performance-status and survival thresholds). The output is a suggestion
for the board, never an order: every row marked unconfirmed is labelled so and can be overridden.

Rule table (``RULES``; checked top to bottom, every matching row applies, a *final* row ends the
evaluation). "Gross instability" = the SINS unstable band (13-18, ``sins.BANDS``) or subluxation
stated (``gross_instability``).

id                       confirmed  condition -> outcome
s_too_ill                no         too ill for any local treatment / very limited survival
                                    -> systemic and palliative care, single-fraction 8 Gy for pain
                                    (radiation cebrt, systemic_only); final
m_unstable_fit           yes        gross instability, fit for surgery
                                    -> open stabilisation, then radiation per the N/O rows
m_unstable_unfit         no         gross instability, not fit for surgery
                                    -> best supportive care, bracing, cEBRT for pain; final
m_mechanical_pain        yes        mechanical pain without gross instability
                                    -> percutaneous cement augmentation, then radiation per N/O
no_sensitive             yes        radiosensitive histology (any ESCC grade) -> cEBRT
no_resistant_low         yes        radioresistant, low-grade ESCC -> SRS/SBRT
no_resistant_high_fit    yes        radioresistant, high-grade ESCC, fit for surgery
                                    -> separation surgery, then SRS
no_resistant_high_unfit  no         radioresistant, high-grade ESCC, not fit for surgery
                                    -> cEBRT (palliative)

Project choices (docs/scoring.md): intermediate histologies follow ``intermediate_as`` (default
sensitive, a project default flagged for discussion); ESCC 1c follows ``grade_1c_high``; cement
augmentation is percutaneous, so it is not withheld when the patient is unfit for open surgery.
Result: ``total`` is the SINS total, ``category`` joins the plan's parts ("separation_surgery+srs",
"supportive_care+cebrt", ...), ``procedure`` is the lead procedure of ``procedures`` (separation
surgery, then open stabilisation, then cement augmentation) and ``confirmed`` is False when any
unconfirmed row applied. Doubts about the inputs (unconfirmed radiosensitivity, the intermediate
default, the 1c grouping, SINS 7 or more) are listed in ``caveats``; they leave ``confirmed`` as is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from clinical._common import ScoreResult, boolean, integer
from clinical.escc import EsccResult, escc, parse_grade
from clinical.radiosensitivity import RadiosensitivityResult, radiosensitivity
from clinical.regimens import (
    CEBRT_REGIMENS,
    SBRT_REGIMENS,
    SINGLE_FRACTION_8GY,
    Regimen,
)
from clinical.sins import MAX_TOTAL, UNSTABLE, band_range, is_unstable, warrants_surgical_consult

# Gross instability is the SINS unstable band (Fisher 2010; defined once in ``sins.BANDS``) or a
# stated subluxation.
_GROSS_INSTABILITY = f"gross instability (SINS {band_range(UNSTABLE)} or subluxation)"
PROCEDURE_ORDER = ("separation_surgery", "open_stabilization", "cement_augmentation")
_NOMS = "Laufer 2013; Bilsky & Smith 2006; Newman 2020"
_UNCONFIRMED = "unconfirmed project row within the NOMS framework (Laufer 2013)"


@dataclass(frozen=True)
class Facts:
    """The four NOMS assessments reduced to what the rule rows test."""

    radiosensitive: bool  # after the intermediate_as setting
    high_grade: bool  # after the grade_1c_high setting
    unstable: bool
    mechanical_pain: bool
    fit_for_surgery: bool
    too_ill: bool


@dataclass(frozen=True)
class NomsRule:
    id: str
    condition: str
    outcome: str
    confirmed: bool
    citation: str
    applies: Callable[[Facts], bool]
    radiation: str | None = None  # "cebrt" | "srs"
    procedure: str | None = None
    systemic_only: bool = False
    supportive_care: bool = False
    regimens: tuple[Regimen, ...] | None = None  # None: the configured list for ``radiation``
    final: bool = False

    def markdown_row(self) -> str:
        confirmed = "yes" if self.confirmed else "no"
        return (
            f"| `{self.id}` | {self.condition} | {self.outcome} | {confirmed} | {self.citation} |"
        )


RULES: tuple[NomsRule, ...] = (
    NomsRule(
        "s_too_ill",
        "too ill for any local treatment / very limited survival",
        "systemic and palliative care; single-fraction 8 Gy for pain",
        False,
        _UNCONFIRMED,
        lambda f: f.too_ill,
        radiation="cebrt",
        systemic_only=True,
        regimens=(SINGLE_FRACTION_8GY,),
        final=True,
    ),
    NomsRule(
        "m_unstable_fit",
        f"{_GROSS_INSTABILITY}, fit for surgery",
        "open stabilisation surgery, then radiation as the N/O rows say",
        True,
        f"{_NOMS}; Fisher 2010",
        lambda f: f.unstable and f.fit_for_surgery,
        procedure="open_stabilization",
    ),
    NomsRule(
        "m_unstable_unfit",
        f"{_GROSS_INSTABILITY}, not fit for surgery",
        "best supportive care, bracing, cEBRT for pain",
        False,
        _UNCONFIRMED,
        lambda f: f.unstable and not f.fit_for_surgery,
        radiation="cebrt",
        supportive_care=True,
        final=True,
    ),
    NomsRule(
        "m_mechanical_pain",
        "mechanical (axial-load) pain without gross instability",
        "percutaneous cement augmentation (vertebroplasty/kyphoplasty), "
        "then radiation as the N/O rows say",
        True,
        _NOMS,
        lambda f: f.mechanical_pain and not f.unstable,
        procedure="cement_augmentation",
    ),
    NomsRule(
        "no_sensitive",
        "radiosensitive histology, any ESCC grade",
        "conventional external-beam radiotherapy (cEBRT)",
        True,
        _NOMS,
        lambda f: f.radiosensitive,
        radiation="cebrt",
    ),
    NomsRule(
        "no_resistant_low",
        "radioresistant histology, low-grade ESCC",
        "stereotactic radiosurgery / SBRT (SRS)",
        True,
        _NOMS,
        lambda f: not f.radiosensitive and not f.high_grade,
        radiation="srs",
    ),
    NomsRule(
        "no_resistant_high_fit",
        "radioresistant histology, high-grade ESCC, fit for surgery",
        "separation surgery, then SRS",
        True,
        _NOMS,
        lambda f: not f.radiosensitive and f.high_grade and f.fit_for_surgery,
        radiation="srs",
        procedure="separation_surgery",
    ),
    NomsRule(
        "no_resistant_high_unfit",
        "radioresistant histology, high-grade ESCC, not fit for surgery",
        "cEBRT (palliative)",
        False,
        _UNCONFIRMED,
        lambda f: not f.radiosensitive and f.high_grade and not f.fit_for_surgery,
        radiation="cebrt",
    ),
)
RULES_BY_ID: dict[str, NomsRule] = {rule.id: rule for rule in RULES}
_DEFAULT_REGIMENS = {"cebrt": CEBRT_REGIMENS, "srs": SBRT_REGIMENS}


def rule_table_markdown() -> str:
    """The rule table as markdown, as printed in docs/scoring.md (a test keeps them equal)."""
    header = "| id | condition | outcome | confirmed | citation |\n|---|---|---|---|---|\n"
    return header + "\n".join(rule.markdown_row() for rule in RULES)


@dataclass(frozen=True, kw_only=True)
class NomsResult(ScoreResult):
    radiation: str | None
    procedure: str | None
    procedures: tuple[str, ...]
    systemic_only: bool
    supportive_care: bool
    confirmed: bool
    rules: tuple[str, ...]
    caveats: tuple[str, ...]
    regimens: tuple[Regimen, ...]
    escc: EsccResult
    radiosensitivity: RadiosensitivityResult
    # Set by ``reirradiation.reirradiation`` when the level was irradiated before.
    reirradiation: bool = False
    prior_radiation: tuple[str, ...] = ()


def _caveats(
    sins_total: int, unstable: bool, grade: EsccResult, radio: RadiosensitivityResult
) -> list[str]:
    """Points the board must judge that the rule rows cannot settle."""
    # The sub-results' own sentences, after the first, are exactly their doubts: the unconfirmed
    # class and/or the intermediate default; for 1c, the disputed grouping.
    caveats = list(radio.explanation[1:])
    if grade.grade == "1c":
        caveats.append(grade.explanation[-1])
    if warrants_surgical_consult(sins_total) and not unstable:
        caveats.append(
            f"SINS {sins_total} is potentially unstable: a spine-surgery consultation is "
            "warranted, ideally before radiation (Fisher 2010, SINS)."
        )
    return caveats


def noms(
    *,
    primary: str,
    escc_grade: str,
    sins_total: int,
    gross_instability: bool,
    mechanical_pain: bool,
    fit_for_surgery: bool | None,
    grade_1c_high: bool,
    intermediate_as: str,
    too_ill_for_local_treatment: bool,
) -> NomsResult:
    """Apply the NOMS rule table (Laufer 2013) to one lesion; see the module docstring.

    Every input is required: nothing clinical is assumed. ``gross_instability`` states
    subluxation/gross instability directly (SINS 13-18 implies it); ``mechanical_pain`` is
    movement-related (axial-load) pain; ``too_ill_for_local_treatment`` means no local treatment
    can be tolerated or survival is very limited (``clinical.systemic`` decides it from the board's
    thresholds). ``fit_for_surgery`` may be None (not recorded) only when the patient is too ill
    for local treatment: the final ``s_too_ill`` row then decides and fitness is never consulted.
    """
    too_ill = boolean("too_ill_for_local_treatment", too_ill_for_local_treatment)
    if fit_for_surgery is None and too_ill:
        fit = False  # not consulted: s_too_ill is the first row and final
    else:
        fit = boolean("fit_for_surgery", fit_for_surgery)
    grade = escc(grade=parse_grade(escc_grade, argument="escc_grade"), grade_1c_high=grade_1c_high)
    radio = radiosensitivity(primary=primary, intermediate_as=intermediate_as)
    sins_total = integer("sins_total", sins_total, maximum=MAX_TOTAL)  # the SINS maximum, 18
    gross = boolean("gross_instability", gross_instability)
    facts = Facts(
        radiosensitive=radio.treated_as == "sensitive",
        high_grade=grade.high_grade,
        unstable=gross or is_unstable(sins_total),
        mechanical_pain=boolean("mechanical_pain", mechanical_pain),
        fit_for_surgery=fit,
        too_ill=too_ill,
    )

    applied: list[NomsRule] = []
    for rule in RULES:
        if rule.applies(facts):
            applied.append(rule)
            if rule.final:
                break
    # Final rows end the loop and the N/O rows exclude each other: exactly one applied row
    # sets the radiation.
    deciding = next(rule for rule in applied if rule.radiation)
    procedures = tuple(p for p in PROCEDURE_ORDER if any(rule.procedure == p for rule in applied))
    systemic_only = any(rule.systemic_only for rule in applied)
    supportive_care = any(rule.supportive_care for rule in applied)
    confirmed = all(rule.confirmed for rule in applied)

    explanation = [*grade.explanation[:2], radio.explanation[0]]
    if gross and not is_unstable(sins_total):
        explanation.append(
            f"Gross instability/subluxation is stated, so SINS {sins_total} is not relied on "
            f"({_NOMS})."
        )
    elif facts.unstable:
        explanation.append(
            f"SINS {sins_total} is in the unstable band ({band_range(UNSTABLE)}): gross "
            "instability (Fisher 2010, SINS)."
        )
    for rule in applied:
        status = (
            "confirmed"
            if rule.confirmed
            else "UNCONFIRMED - the board should confirm or override it"
        )
        explanation.append(
            f"Rule {rule.id} ({status}): {rule.condition} -> {rule.outcome} ({rule.citation})."
        )
    if "separation_surgery" in procedures and len(procedures) > 1:
        explanation.append(
            f"Several procedures apply ({', '.join(procedures)}); the surgeons decide whether one "
            f"operation covers them ({_NOMS})."
        )
    caveats = _caveats(sins_total, facts.unstable, grade, radio)
    explanation.extend(caveats)
    explanation.append(
        f"Every option depends on what the patient can tolerate systemically ({_NOMS})."
    )

    radiation = deciding.radiation
    care = [
        name
        for name, flag in (("systemic_only", systemic_only), ("supportive_care", supportive_care))
        if flag
    ]
    return NomsResult(
        total=sins_total,
        category="+".join([*care, *procedures, radiation or "no_radiation"]),
        components={"sins_total": sins_total, "escc_grade": grade.total},
        explanation=tuple(explanation),
        radiation=radiation,
        procedure=procedures[0] if procedures else None,
        procedures=procedures,
        systemic_only=systemic_only,
        supportive_care=supportive_care,
        confirmed=confirmed,
        rules=tuple(rule.id for rule in applied),
        caveats=tuple(caveats),
        regimens=deciding.regimens or _DEFAULT_REGIMENS.get(radiation or "", ()),
        escc=grade,
        radiosensitivity=radio,
    )
