"""What a new decision record starts with: the options, uncertainties and information still
needed, from the latest pre-meeting summary or, without one, computed now; and the patient's
goals from the case.

No clinical rule is derived here: NOMS comes as the clinical core computed it (the summary's
`noms` rows, or `cases.assessment.stored_case_assessment` per lesion); this module only words it as
options for the board.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cases.assessment import stored_case_assessment
from cases.models import Case
from recommendations.models import Opinion
from recommendations.opinions.options import option_label
from recommendations.opinions.services import RADIATION_OPTIONS
from scheduling.models import AgendaItem, Discipline

from .options import MAX_OPTIONS, OPTION_TEXT_MAX, new_option

# Options of the discipline lists that are reviews, not treatments a board weighs.
NOT_TREATMENT_OPTIONS = frozenset({"imaging_review", "pathology_review"})
# NOMS names its procedures and techniques; the option lists name them for the board.
NOMS_PROCEDURE_OPTIONS = {
    "separation_surgery": "separation_surgery",
    "open_stabilization": "stabilisation_open",
    "cement_augmentation": "cement_augmentation",
}
NOMS_RADIATION_OPTIONS = {"cebrt": "cebrt", "srs": "sbrt"}
UNCONFIRMED_NOTE = " [unconfirmed NOMS row: the board confirms or overrides it]"


def noms_option_text(result: Mapping[str, Any]) -> str:
    """A NOMS suggestion for one lesion as one option, e.g. "Separation surgery, then
    Stereotactic body radiotherapy (SBRT/SRS)". `result` is `NomsResult.as_dict()`."""
    parts = []
    if result.get("systemic_only"):
        parts.append("Systemic therapy and palliative care")
    if result.get("supportive_care"):
        parts.append("Best supportive care with bracing")
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


def _add_option(prefill: Prefill, text: str, source: str) -> None:
    text = text.strip()[:OPTION_TEXT_MAX]
    known = {o["option"].casefold() for o in prefill.options}
    if text and text.casefold() not in known and len(prefill.options) < MAX_OPTIONS:
        prefill.options.append(new_option(text, source))


def _noms_options(prefill: Prefill, per_lesion: Iterable[tuple[str, str]]) -> None:
    """(level, suggestion) pairs → one option per distinct suggestion, naming its levels."""
    levels_by_text: dict[str, list[str]] = {}
    for level, text in per_lesion:
        if text:
            levels_by_text.setdefault(text, []).append(level)
    for text, levels in levels_by_text.items():
        where = ", ".join(level for level in levels if level)
        _add_option(prefill, f"NOMS at {where}: {text}" if where else f"NOMS: {text}", "noms")


def _opinion_option_text(slug: str, regimens: list[str]) -> str:
    label = option_label(slug)
    return f"{label}: {' or '.join(regimens)}" if regimens else label


def _slug(entry: Any) -> str | None:
    """An option slug as an opinion stores it ("sbrt") or a summary shows it ({"value": ...})."""
    if isinstance(entry, Mapping):
        entry = entry.get("value")
    return entry if isinstance(entry, str) else None


def _opinion_options(
    prefill: Prefill, opinions: Iterable[Mapping[str, Any]], *, with_notes: bool = True
) -> None:
    """The options the specialists recommended, once each, radiation with the regimens named;
    with `with_notes`, their questions for the board and the data they need, by discipline."""
    order: list[str] = []
    regimens: dict[str, list[str]] = {}
    for opinion in opinions:
        for slug in map(_slug, opinion.get("options") or ()):
            if slug is None or slug in NOT_TREATMENT_OPTIONS:
                continue
            if slug not in regimens:
                order.append(slug)
                regimens[slug] = []
            regimen = opinion.get("regimen") or ""
            radiation = slug in RADIATION_OPTIONS
            if regimen and radiation and regimen not in regimens[slug]:
                regimens[slug].append(regimen)
        if not with_notes:
            continue
        discipline = opinion.get("discipline") or ""
        label = Discipline(discipline).label if discipline in Discipline.values else "A specialist"
        for source_key, target in (
            ("questions_for_board", prefill.uncertainties),
            ("data_needed", prefill.information_needed),
        ):
            text = (opinion.get(source_key) or "").strip()
            line = f"{label}: {text}"
            if text and line not in target:
                target.append(line)
    for slug in order:
        _add_option(prefill, _opinion_option_text(slug, regimens[slug]), "opinion")


def prefill_from_case(item: AgendaItem) -> Prefill:
    """Options computed now: NOMS per lesion (the stored assessment) and the submitted opinions'
    options, deduplicated; the specialists' questions and data needs as uncertainties and
    information still needed."""
    prefill = Prefill(options=[], uncertainties=[], information_needed=[])
    assessment = stored_case_assessment(item.case)
    per_lesion = []
    for lesion in assessment.lesions:
        if lesion.noms.computable:
            per_lesion.append((lesion.level, noms_option_text(lesion.noms.result.as_dict())))
        else:
            missing = "; ".join(lesion.noms.missing)
            prefill.information_needed.append(f"NOMS at {lesion.level} needs: {missing}")
    _noms_options(prefill, per_lesion)
    opinions = Opinion.objects.filter(meeting_id=item.meeting_id, case_id=item.case_id).order_by(
        "discipline", "submitted_at", "pk"
    )
    _opinion_options(
        prefill,
        opinions.values("discipline", "options", "regimen", "questions_for_board", "data_needed"),
    )
    return prefill


def _rows(content: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = content.get(key)
    return [row for row in value if isinstance(row, Mapping)] if isinstance(value, list) else []


def _summary_noms(content: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(level, suggestion) for each lesion whose NOMS the summary could compute."""
    pairs = []
    for row in _rows(content, "noms"):
        if row.get("computable") is False:
            continue
        text = str(row.get("suggestion") or "").strip()
        regimens = row.get("regimens") or []
        if text and len(regimens) == 1 and isinstance(regimens[0], str):
            text += f" ({regimens[0]})"
        if text and row.get("confirmed") is False:
            text += UNCONFIRMED_NOTE
        if text:
            pairs.append((str(row.get("level") or ""), text))
    return pairs


def prefill_from_summary(content: Any) -> Prefill:
    """Options, uncertainties and information needed, as the pre-meeting summary states them
    (`recommendations.summaries.build.summary_build`): its `noms` rows per lesion, its
    `opinions` (with their options as {"value", "label"}), its `questions_to_settle`
    (disagreements, NOMS differing, questions asked, unconfirmed NOMS rows) as uncertainties and
    its `missing_data` as information still needed."""
    prefill = Prefill(options=[], uncertainties=[], information_needed=[])
    if not isinstance(content, Mapping):
        return prefill
    _noms_options(prefill, _summary_noms(content))
    settle = _rows(content, "questions_to_settle")
    _opinion_options(prefill, _rows(content, "opinions"), with_notes=not settle)
    for question in settle:
        text = str(question.get("text") or "").strip()
        if text and question.get("kind") != "missing_data" and text not in prefill.uncertainties:
            prefill.uncertainties.append(text)
    for entry in _rows(content, "missing_data"):
        missing = [str(m) for m in entry.get("missing") or [] if m]
        text = f"{entry.get('item') or 'Data'}: {'; '.join(missing)}" if missing else ""
        if text and text not in prefill.information_needed:
            prefill.information_needed.append(text)
    return prefill


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
