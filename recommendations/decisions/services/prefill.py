"""What a new decision record starts with: exactly the options the submitted opinions and the
decision support raised, each saying where it came from, with the supportive measures (analgesia,
therapy, bracing, palliative care ...) apart; the uncertainties and information still needed from
the latest pre-meeting summary or, without one, computed now; and the patient's goals from the case.

The options are always read now, not from the summary: an opinion revised after the summary was
prepared is what the board weighs. No clinical rule is derived here: NOMS comes as the clinical
core computed it (`cases.assessment.stored_case_assessment` per lesion); this module only words it
as options for the board.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cases.assessment import stored_case_assessment
from cases.models import Case
from recommendations.models import Opinion
from recommendations.opinions.options import SUPPORTIVE_OPTIONS, option_label
from recommendations.opinions.services import RADIATION_OPTIONS
from scheduling.models import AgendaItem, Discipline

from .options import MAX_OPTIONS, MAX_SUPPORTIVE, OPTION_TEXT_MAX, new_option

# Options of the discipline lists that are reviews, not treatments a board weighs.
NOT_TREATMENT_OPTIONS = frozenset({"imaging_review", "pathology_review"})
# NOMS names its procedures and techniques; the option lists name them for the board.
NOMS_PROCEDURE_OPTIONS = {
    "separation_surgery": "separation_surgery",
    "open_stabilization": "stabilisation_open",
    "cement_augmentation": "cement_augmentation",
}
NOMS_RADIATION_OPTIONS = {"cebrt": "cebrt", "srs": "sbrt"}
NOMS_SUPPORTIVE_MEASURE = "Best supportive care with bracing"
UNCONFIRMED_NOTE = " [unconfirmed NOMS row: the board confirms or overrides it]"
DECISION_SUPPORT = "suggested by decision support"


def noms_option_text(result: Mapping[str, Any]) -> str:
    """A NOMS suggestion for one lesion as one treatment option, e.g. "Separation surgery, then
    Stereotactic body radiotherapy (SBRT/SRS)". `result` is `NomsResult.as_dict()`. Best
    supportive care with bracing is a supportive measure (`noms_supportive`), not part of it."""
    parts = []
    if result.get("systemic_only"):
        parts.append("Systemic therapy and palliative care")
    for procedure in result.get("procedures") or ():
        parts.append(option_label(NOMS_PROCEDURE_OPTIONS.get(procedure, procedure)))
    radiation = result.get("radiation")
    if radiation:
        text = option_label(NOMS_RADIATION_OPTIONS.get(radiation, radiation))
        regimens = result.get("regimens") or ()
        if len(regimens) == 1 and isinstance(regimens[0], Mapping):
            dose, fractions = regimens[0].get("total_dose_gy"), regimens[0].get("fractions")
            if dose and fractions:
                text += f" ({dose:g} Gy in {fractions} fraction{'s' if fractions != 1 else ''})"
        parts.append(text)
    text = ", then ".join(parts) or "No local treatment"
    if result.get("confirmed") is False:
        text += UNCONFIRMED_NOTE
    return text


@dataclass
class Prefill:
    options: list[dict[str, Any]]
    uncertainties: list[str]
    information_needed: list[str]
    supportive_care: list[dict[str, str]] = field(default_factory=list)


def _add_option(prefill: Prefill, text: str, source: str, origin: str) -> None:
    text = text.strip()[:OPTION_TEXT_MAX]
    known = {o["option"].casefold() for o in prefill.options}
    if text and text.casefold() not in known and len(prefill.options) < MAX_OPTIONS:
        prefill.options.append(new_option(text, source, origin[:OPTION_TEXT_MAX]))


def _add_supportive(prefill: Prefill, text: str, origin: str) -> None:
    text = text.strip()[:OPTION_TEXT_MAX]
    known = {m["measure"].casefold() for m in prefill.supportive_care}
    if text and text.casefold() not in known and len(prefill.supportive_care) < MAX_SUPPORTIVE:
        prefill.supportive_care.append({"measure": text, "origin": origin[:OPTION_TEXT_MAX]})


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _noms_origin(levels: list[str], rules: list[str]) -> str:
    where = f" at {', '.join(level for level in levels if level)}" if any(levels) else ""
    which = f" (rule{'s' if len(rules) != 1 else ''} {', '.join(rules)})" if rules else ""
    return f"{DECISION_SUPPORT}: NOMS{which}{where}"


def _noms_options(prefill: Prefill, results: Iterable[tuple[str, Mapping[str, Any]]]) -> None:
    """(level, NOMS result) pairs → one option per distinct suggestion, naming its levels and the
    rule rows that gave it; best supportive care as a supportive measure."""
    by_text: dict[str, tuple[list[str], list[str]]] = {}
    supportive: tuple[list[str], list[str]] = ([], [])
    for level, result in results:
        rules = [str(rule) for rule in result.get("rules") or ()]
        levels, seen_rules = by_text.setdefault(noms_option_text(result), ([], []))
        targets = [(levels, seen_rules)]
        if result.get("supportive_care"):
            targets.append(supportive)
        for level_list, rule_list in targets:
            level_list.append(level)
            rule_list.extend(rule for rule in rules if rule not in rule_list)
    for text, (levels, rules) in by_text.items():
        where = ", ".join(level for level in levels if level)
        _add_option(
            prefill,
            f"NOMS at {where}: {text}" if where else f"NOMS: {text}",
            "noms",
            _noms_origin(levels, rules),
        )
    if supportive[0]:
        _add_supportive(prefill, NOMS_SUPPORTIVE_MEASURE, _noms_origin(*supportive))


def _opinion_option_text(slug: str, regimens: list[str]) -> str:
    label = option_label(slug)
    return f"{label}: {' or '.join(regimens)}" if regimens else label


def _discipline_label(value: str) -> str:
    return str(Discipline(value).label) if value in Discipline.values else "a specialist"


def _raised_by(opinion: Opinion) -> str:
    name = opinion.author.get_full_name() or opinion.author.get_username()
    return f"{name} ({_discipline_label(opinion.discipline).lower()})"


def _opinion_options(prefill: Prefill, opinions: Iterable[Opinion]) -> None:
    """The options the specialists recommended, once each, radiation with the regimens named,
    each naming who raised it; supportive measures (analgesia, therapy ...) apart."""
    order: list[str] = []
    regimens: dict[str, list[str]] = {}
    raised_by: dict[str, list[str]] = {}
    for opinion in opinions:
        who = _raised_by(opinion)
        for slug in opinion.options or ():
            if not isinstance(slug, str) or slug in NOT_TREATMENT_OPTIONS:
                continue
            if slug not in regimens:
                order.append(slug)
                regimens[slug], raised_by[slug] = [], []
            if who not in raised_by[slug]:
                raised_by[slug].append(who)
            regimen = opinion.regimen or ""
            if regimen and slug in RADIATION_OPTIONS and regimen not in regimens[slug]:
                regimens[slug].append(regimen)
    for slug in order:
        origin = f"raised by {_and(raised_by[slug])}"
        if slug in SUPPORTIVE_OPTIONS:
            _add_supportive(prefill, option_label(slug), origin)
        else:
            _add_option(prefill, _opinion_option_text(slug, regimens[slug]), "opinion", origin)


def _opinion_notes(prefill: Prefill, opinions: Iterable[Opinion]) -> None:
    """The specialists' questions for the board and the data they need, by discipline."""
    for opinion in opinions:
        label = _discipline_label(opinion.discipline)
        label = label[:1].upper() + label[1:]
        for text, target in (
            (opinion.questions_for_board, prefill.uncertainties),
            (opinion.data_needed, prefill.information_needed),
        ):
            line = f"{label}: {(text or '').strip()}"
            if (text or "").strip() and line not in target:
                target.append(line)


def _submitted_opinions(item: AgendaItem) -> list[Opinion]:
    return list(
        Opinion.objects.filter(meeting_id=item.meeting_id, case_id=item.case_id)
        .select_related("author")
        .order_by("discipline", "submitted_at", "pk")
    )


def prefill_from_case(item: AgendaItem) -> Prefill:
    """Exactly the options raised: NOMS per lesion (the stored assessment) and the submitted
    opinions' options, deduplicated, each with its origin; supportive measures apart; the
    specialists' questions and data needs as uncertainties and information still needed."""
    prefill = Prefill(options=[], uncertainties=[], information_needed=[])
    assessment = stored_case_assessment(item.case)
    results = []
    for lesion in assessment.lesions:
        if lesion.noms.computable:
            results.append((lesion.level, lesion.noms.result.as_dict()))
        else:
            missing = "; ".join(lesion.noms.missing)
            prefill.information_needed.append(f"NOMS at {lesion.level} needs: {missing}")
    _noms_options(prefill, results)
    opinions = _submitted_opinions(item)
    _opinion_options(prefill, opinions)
    _opinion_notes(prefill, opinions)
    return prefill


def _rows(content: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = content.get(key)
    return [row for row in value if isinstance(row, Mapping)] if isinstance(value, list) else []


def prefill_questions_from_summary(prefill: Prefill, content: Any) -> bool:
    """Replace the uncertainties and information still needed with what the pre-meeting summary
    (`recommendations.summaries.build.summary_build`) states: its `questions_to_settle`
    (disagreements, NOMS differing, questions asked, unconfirmed NOMS rows) and its
    `missing_data`. False (nothing replaced) when the summary states neither."""
    if not isinstance(content, Mapping):
        return False
    settle = _rows(content, "questions_to_settle")
    missing_rows = _rows(content, "missing_data")
    if not settle and not missing_rows:
        return False
    uncertainties: list[str] = []
    information: list[str] = []
    for question in settle:
        text = str(question.get("text") or "").strip()
        if text and question.get("kind") != "missing_data" and text not in uncertainties:
            uncertainties.append(text)
    for entry in missing_rows:
        missing = [str(m) for m in entry.get("missing") or [] if m]
        text = f"{entry.get('item') or 'Data'}: {'; '.join(missing)}" if missing else ""
        if text and text not in information:
            information.append(text)
    prefill.uncertainties = uncertainties or prefill.uncertainties
    prefill.information_needed = information or prefill.information_needed
    return True


def patient_goals_text(case: Case) -> str:
    """The patient's goals as recorded on the case, most important first, in their words."""
    lines = []
    goals = [Case.Goal(goal).label for goal in case.goals_ranked or [] if goal in Case.Goal.values]
    if goals:
        lines.append(
            "Goals, most important first: "
            + "; ".join(f"{n}. {goal}" for n, goal in enumerate(goals, 1))
            + "."
        )
    if (case.goals_notes or "").strip():
        lines.append(f"In the patient's words: {case.goals_notes.strip()}")
    if case.goals_reported_by:
        lines.append(f"Reported by: {case.get_goals_reported_by_display().lower()}.")
    return "\n".join(lines)
