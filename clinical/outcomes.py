"""The board's results, computed from plain numbers: medians, shares within a target, the
Kaplan–Meier survival estimate, pain response, ambulation kept, and the treatment category a plan
falls in. No Django here: the dashboard's selectors fetch aggregated rows and call these.

Definitions and where they come from:

* Median: the middle value, or the mean of the two middle values (what PostgreSQL's
  ``percentile_cont(0.5)`` returns, so both databases agree).
* Share within target: values at or under the target over all values (None when there are none).
  The targets are the board's own settings (scheduling.Board.target_*), not published rules;
  the one published comparison is a median 16 days from meeting to treatment (REFERENCE.md,
  "Tumour-board quality measures", PMC3817328).
* Kaplan–Meier: Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
  J Am Stat Assoc 1958;53:457–81. At each time with deaths d among n at risk, S(t) is multiplied
  by (1 − d/n); patients censored at a time count as at risk at that time (deaths first).
* Pain response: Chow E, Hoskin P, Mitera G, et al. Update of the international consensus on
  palliative radiotherapy endpoints for future clinical trials in bone metastases. Int J Radiat
  Oncol Biol Phys 2012;82:1730–7. Complete response: pain 0 at the treated site with no increase
  in analgesics. Partial response: pain down by at least 2 points (0–10) without an analgesic
  increase (the consensus also counts an analgesic reduction of 25 % or more without more pain:
  the referral records analgesics as free text, so neither an increase nor that arm can be read
  against it and only the pain scores are compared).
  Pain progression: up by 2 or more, or an analgesic increase. Anything else is indeterminate.
* Ambulation kept: ambulatory at referral (walking independently or with an aid) and still
  ambulatory at the 3-month follow-up (the end point of Patchell 2005, REFERENCE.md).
* Treatment category, by the plan as signed (intention to treat): surgery and radiotherapy;
  radiotherapy alone as SBRT or cEBRT (the regimen says which, clinical.regimens); systemic
  therapy with no local treatment; anything else "other".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from clinical.regimens import CEBRT_REGIMENS, SBRT_REGIMENS, Regimen

# --- medians and targets ---


def median(values: Iterable[float]) -> float | None:
    """The median (mean of the two middle values for an even count); None for no values."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    middle = n // 2
    if n % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def share_within(values: Iterable[float], target: float) -> float | None:
    """The share (0–1) of values at or under `target`; None for no values."""
    values = list(values)
    if not values:
        return None
    return sum(1 for v in values if v <= target) / len(values)


def share(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by."""
    return numerator / denominator if denominator else None


# --- Kaplan–Meier ---


@dataclass(frozen=True)
class SurvivalStep:
    """The estimate just after `time`: S(t), with the deaths, censorings and number at risk."""

    time: float
    at_risk: int
    deaths: int
    censored: int
    survival: float


def kaplan_meier(observations: Iterable[tuple[float, bool]]) -> list[SurvivalStep]:
    """The Kaplan–Meier estimate from (time, died) pairs; died False means censored at `time`.

    One step per distinct time (ascending), starting from S = 1. Deaths and censorings at the
    same time: the censored patients are still at risk at that time (Kaplan and Meier 1958).
    """
    counts: dict[float, list[int]] = {}
    for time, died in observations:
        if time < 0:
            raise ValueError("A survival time cannot be negative.")
        pair = counts.setdefault(time, [0, 0])
        pair[0 if died else 1] += 1
    return kaplan_meier_counts((t, d, c) for t, (d, c) in counts.items())


def kaplan_meier_counts(rows: Iterable[tuple[float, int, int]]) -> list[SurvivalStep]:
    """The same estimate from (time, deaths, censored) counts, as a GROUP BY returns them."""
    merged: dict[float, list[int]] = {}
    for time, deaths, censored in rows:
        pair = merged.setdefault(time, [0, 0])
        pair[0] += deaths
        pair[1] += censored
    at_risk = sum(d + c for d, c in merged.values())
    survival = 1.0
    steps = []
    for time in sorted(merged):
        deaths, censored = merged[time]
        if deaths:
            survival *= 1 - deaths / at_risk
        steps.append(SurvivalStep(time, at_risk, deaths, censored, survival))
        at_risk -= deaths + censored
    return steps


def median_survival(steps: Sequence[SurvivalStep]) -> float | None:
    """The first time the estimate falls to 0.5 or below; None when it never does."""
    for step in steps:
        if step.survival <= 0.5:
            return step.time
    return None


def survival_at(steps: Sequence[SurvivalStep], time: float) -> float:
    """S(time): the estimate of the last step at or before `time` (1 before the first)."""
    value = 1.0
    for step in steps:
        if step.time > time:
            break
        value = step.survival
    return value


# --- pain and ambulation ---

PAIN_COMPLETE = "complete"
PAIN_PARTIAL = "partial"
PAIN_PROGRESSION = "progression"
PAIN_INDETERMINATE = "indeterminate"
PAIN_RESPONSES = (PAIN_COMPLETE, PAIN_PARTIAL, PAIN_INDETERMINATE, PAIN_PROGRESSION)


def pain_response(baseline: int, follow_up: int, *, analgesics_increased: bool = False) -> str:
    """Chow 2012 response of the treated site's pain (0–10 scores), see the module docstring."""
    for score in (baseline, follow_up):
        if not 0 <= score <= 10:
            raise ValueError("Pain scores are 0–10.")
    if analgesics_increased:
        return PAIN_PROGRESSION
    if follow_up == 0 and baseline > 0:
        return PAIN_COMPLETE
    if baseline - follow_up >= 2:
        return PAIN_PARTIAL
    if follow_up - baseline >= 2:
        return PAIN_PROGRESSION
    return PAIN_INDETERMINATE


def responded(response: str) -> bool:
    """Overall response: complete or partial (Chow 2012)."""
    return response in (PAIN_COMPLETE, PAIN_PARTIAL)


AMBULATORY = frozenset({"independent", "with_aid"})


def ambulation_kept(ambulatory_at_referral: bool | None, status_at_follow_up: str) -> bool | None:
    """True/False for a patient who walked at referral; None when they did not (not counted)."""
    if not ambulatory_at_referral:
        return None
    return status_at_follow_up in AMBULATORY


# --- treatment category ---

SURGERY_AND_RADIOTHERAPY = "surgery_rt"
SBRT = "sbrt"
CEBRT = "cebrt"
SYSTEMIC_ONLY = "systemic_only"
OTHER = "other"
TREATMENT_CATEGORIES: tuple[tuple[str, str], ...] = (
    (SURGERY_AND_RADIOTHERAPY, "Surgery + radiotherapy"),
    (SBRT, "SBRT"),
    (CEBRT, "cEBRT"),
    (SYSTEMIC_ONLY, "Systemic only"),
    (OTHER, "Other"),
)

_REGIMEN = re.compile(
    r"(?P<dose>\d+(?:\.\d+)?)\s*Gy\s*(?:x|×|/|in)\s*(?P<fractions>\d+)", re.IGNORECASE
)


@functools.lru_cache(maxsize=1024)  # a board uses a handful of regimen labels
def _technique(regimen: str, sbrt_regimens: tuple[Regimen, ...]) -> str | None:
    return _read_technique(regimen, sbrt_regimens)


def radiation_technique(
    regimen: str, sbrt_regimens: Sequence[Regimen] = SBRT_REGIMENS
) -> str | None:
    """ "sbrt" or "cebrt" from a regimen label ("24 Gy/2", "8 Gy x 1", "SBRT 27 Gy/3"), by the
    board's SBRT list and the cEBRT list (clinical.regimens); None when it cannot tell."""
    return _technique(regimen or "", tuple(sbrt_regimens))


def _read_technique(regimen: str, sbrt_regimens: Sequence[Regimen]) -> str | None:
    text = regimen
    lowered = text.lower()
    if "sbrt" in lowered or "srs" in lowered:
        return SBRT
    if "cebrt" in lowered:
        return CEBRT
    match = _REGIMEN.search(text)
    if match is None:
        return None
    dose, fractions = float(match["dose"]), int(match["fractions"])
    if fractions < 1:
        return None
    if any(r.total_dose_gy == dose and r.fractions == fractions for r in sbrt_regimens):
        return SBRT
    if any(r.total_dose_gy == dose and r.fractions == fractions for r in CEBRT_REGIMENS):
        return CEBRT
    return None


def treatment_category(
    activities: Iterable[tuple[str, str]], sbrt_regimens: Sequence[Regimen] = SBRT_REGIMENS
) -> str:
    """The category of a plan from its (kind, radiation regimen) activities, see the docstring.

    Radiotherapy whose technique cannot be read from the regimen counts as cEBRT only when no
    activity says SBRT: conventional radiotherapy is the default course (Lutz 2017)."""
    kinds = set()
    techniques = set()
    for kind, regimen in activities:
        kinds.add(kind)
        if kind == "radiation":
            techniques.add(radiation_technique(regimen, sbrt_regimens))
    if "surgery" in kinds and "radiation" in kinds:
        return SURGERY_AND_RADIOTHERAPY
    if "surgery" in kinds:
        return OTHER
    if "radiation" in kinds:
        return SBRT if SBRT in techniques else CEBRT
    if "systemic" in kinds:
        return SYSTEMIC_ONLY
    return OTHER


# --- agreement ---


def plan_answers(
    activities: Iterable[tuple[str, str]], sbrt_regimens: Sequence[Regimen] = SBRT_REGIMENS
) -> dict[str, str]:
    """What a plan's (kind, regimen) activities answer to the board's questions (the opinions'
    questions, recommendations.opinions.options.QUESTIONS): surgery yes/no, the radiation
    technique (sbrt, cebrt or none; left out when radiotherapy is planned with an unreadable
    regimen) and systemic therapy yes/no."""
    kinds: set[str] = set()
    techniques: set[str | None] = set()
    for kind, regimen in activities:
        kinds.add(kind)
        if kind == "radiation":
            techniques.add(radiation_technique(regimen, sbrt_regimens))
    answers = {
        "surgery": "yes" if "surgery" in kinds else "no",
        "systemic_therapy": "yes" if "systemic" in kinds else "no",
    }
    if "radiation" not in kinds:
        answers["radiation_technique"] = "none"
    elif SBRT in techniques:
        answers["radiation_technique"] = SBRT
    elif CEBRT in techniques:
        answers["radiation_technique"] = CEBRT
    return answers


def agrees(given: dict[str, set[str]], consensus: dict[str, str]) -> bool | None:
    """Whether an opinion (or the decision-support suggestion) agrees with the consensus.

    `given`: question -> the answers it gives; `consensus`: question -> the plan's answer. It
    agrees when, on every question both answer, the plan's answer is among its answers; None
    when they share no question (nothing to compare)."""
    shared = [q for q in given if q in consensus and given[q]]
    if not shared:
        return None
    return all(consensus[q] in given[q] for q in shared)


# --- follow-up time points -------------------------------------------------------------------

THREE_MONTHS_DAYS = 91
THREE_MONTH_WINDOW = (77, 105)  # 11 to 15 weeks: the follow-up a board schedules "at 3 months"


def is_three_month(timepoint_days: int) -> bool:
    """Whether a follow-up time point is the 3-month one (a board sets its own days)."""
    return THREE_MONTH_WINDOW[0] <= timepoint_days <= THREE_MONTH_WINDOW[1]
