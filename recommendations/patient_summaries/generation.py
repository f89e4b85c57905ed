"""The patient's summary written from the board's plan: deterministic, in plain words.

Facts from the SIGNED plan (its activities), its decision record (the options weighed) and the
case (findings, goals) become short plain phrases (`phrases`, translated with Django's i18n), and
the section templates in templates/patient_summary/ put them in order. No external service is
called: the same plan gives the same text. The reading grade is measured on everything the
patient reads (title, body and the glossary's definitions).

Whether a lesion is high-grade compression, and whether its level is the cord or the cauda
equina, is asked of the clinical core with the board's own 1c setting, so the patient's text says
what the board's assessment says.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.models import Case, SpinalLesion
from clinical.escc import escc
from clinical.levels import CORD_LEVELS
from recommendations.models import ConsensusPlan, PlanActivity
from recommendations.patient_summaries.glossary import glossary_for
from recommendations.patient_summaries.phrases import (
    ADVICE_CODES,
    BENEFITS,
    BLOOD_CANCERS,
    ESCC_CORD,
    ESCC_CORD_WHERE,
    ESCC_NERVES,
    ESCC_NERVES_WHERE,
    GOALS,
    MELANOMA,
    ORGANS,
    RADIATION,
    REGIONS,
    RISK_ASK,
    RISKS,
    ROOT_COMPRESSED,
    SURGICAL,
    SYSTEMIC,
    TREATMENT_EXPLANATIONS,
    WHO,
    activity_codes,
    activity_text,
    capitalised,
    fractions_in,
    join_words,
    treatment_codes,
    treatment_name,
    treatment_names,
    visits_sentence,
)
from recommendations.patient_summaries.readability import Readability, measure
from recommendations.patient_summaries.selectors import (
    case_for_summary,
    coordinator_name,
    plan_with_case,
)
from recommendations.patient_summaries.text import day_date


@dataclass
class Step:
    """One activity of the plan, in plain words."""

    when: str
    what: str
    who: str
    codes: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # one per code
    visits: int | None = None  # a radiotherapy's number of visits, from its regimen


def _step(activity: PlanActivity, language: str) -> Step:
    codes = activity_codes(activity)
    text = activity_text(activity)
    what = join_words(treatment_names(codes, text))
    if activity.responsible_discipline in WHO:
        who = str(WHO[activity.responsible_discipline])
    else:
        who = _("Your care team")
    if activity.due_date:
        when = _("By %(date)s") % {"date": day_date(activity.due_date, language)}
    else:
        when = ""
    names = [treatment_name(code, text) for code in codes]
    visits = fractions_in(text) if set(codes) & set(RADIATION) else None
    return Step(when=when, what=what, who=who, codes=codes, names=names, visits=visits)


@dataclass
class OptionText:
    name: str
    good: str
    bad: str
    recommended: bool = False
    codes: list[str] = field(default_factory=list)
    ask: str = ""  # who can say how big the risks are
    exclusive: bool = False  # "X alone", "X only"
    visits: int | None = None


def _option_name(text: str, codes: list[str]) -> str:
    if not codes:
        return text.strip().rstrip(".?")
    lowered = text.casefold()
    joiner = _(", then ") if re.search(r"\bthen\b|→|->|followed by", lowered) else None
    name = join_words(treatment_names(codes, text), joiner)
    if len(codes) == 1 and re.search(r"\balone\b|\bonly\b", lowered):
        name = _("%(treatment)s on its own") % {"treatment": name}
    return capitalised(name)


def _filled(aspects: Any) -> list[str]:
    if not isinstance(aspects, dict):
        return []
    return [key for key in BENEFITS if str(aspects.get(key) or "").strip()]


def _risk_ask(codes: list[str]) -> str:
    if set(codes) & set(SURGICAL):
        return str(RISK_ASK["surgery"])
    if set(codes) & set(RADIATION):
        return str(RISK_ASK["radiation"])
    return str(RISK_ASK["other"])


def _options(record_options: Any, plan_codes: set[str], plan_visits: set[int]) -> list[OptionText]:
    """The options weighed, each once, each marked when the SIGNED plan carries it out."""
    options: list[OptionText] = []
    for item in record_options if isinstance(record_options, list) else []:
        if not isinstance(item, dict) or not str(item.get("option") or "").strip():
            continue
        text = str(item["option"])
        codes = treatment_codes(text)
        name = _option_name(text, codes)
        if any(option.name == name for option in options):
            continue
        good = join_words([str(BENEFITS[key]) for key in _filled(item.get("benefits"))])
        bad = join_words([str(RISKS[key]) for key in _filled(item.get("risks"))])
        options.append(
            OptionText(
                name,
                good,
                bad,
                codes=codes,
                ask=_risk_ask(codes) if bad else "",
                exclusive=bool(re.search(r"\balone\b|\bonly\b", text.casefold())),
                visits=fractions_in(text) if set(codes) & set(RADIATION) else None,
            )
        )
    for option in options:
        option.recommended = _carried_out(option, plan_codes, plan_visits)
    return options


def _carried_out(option: OptionText, plan_codes: set[str], plan_visits: set[int]) -> bool:
    """Does the signed plan carry out this option? Every treatment it names is in the plan (with
    the same number of radiotherapy visits when it gives one); "X alone" also means no other
    local or supportive treatment (the cancer medicines a patient continues aside). A pre-filled
    option the board did not adopt is therefore never marked as the team's advice."""
    mine = set(option.codes) & ADVICE_CODES
    if not mine or not mine <= plan_codes:
        return False
    if option.visits is not None and option.visits not in plan_visits:
        return False
    if option.exclusive:
        others = (plan_codes & ADVICE_CODES) - mine - set(SYSTEMIC)
        return not others
    return True


def _findings(case: Case) -> list[list[str]]:
    """Paragraphs of plain sentences about what the board saw."""
    paragraphs: list[list[str]] = []
    first: list[str] = []
    site = case.primary_site
    if site in BLOOD_CANCERS:
        first.append(str(BLOOD_CANCERS[site]))
        first.append(_("It has reached the bones of your spine."))
    else:
        if site == "melanoma":
            first.append(str(MELANOMA))
        elif site in ORGANS:
            first.append(str(ORGANS[site]))
        first.append(_("It has spread to the bones of your spine. This is called a metastasis."))
    paragraphs.append(first)

    lesions = list(case.lesions.all())
    compression = compression_recorded(case)
    for lesion in lesions:
        sentences = [str(REGIONS[lesion.level[0]]).format(level=lesion.level)]
        sentences.extend(_compression_sentences(lesion, case, compression=compression))
        if lesion.collapse == SpinalLesion.Collapse.OVER_50 or lesion.alignment in (
            SpinalLesion.Alignment.DEFORMITY,
            SpinalLesion.Alignment.SUBLUXATION,
        ):
            sentences.append(_("The bone has partly collapsed. This can make your spine unsteady."))
        elif lesion.collapse == SpinalLesion.Collapse.UNDER_50:
            sentences.append(_("The bone has started to collapse a little."))
        elif lesion.collapse == SpinalLesion.Collapse.NONE_OVER_50_INVOLVED:
            sentences.append(_("The cancer has made most of this bone weak."))
        if lesion.pain == SpinalLesion.Pain.MECHANICAL:
            sentences.append(_("It hurts more when you move, because the bone is weak."))
        paragraphs.append(sentences)

    body: list[str] = []
    if neurological_deficit(case):
        if any(lesion.level.startswith("C") for lesion in lesions):
            body.append(_("Your arms or legs have become weaker."))
        else:
            body.append(_("Your legs have become weaker."))
        if case.neuro_progression == Case.Progression.HOURS:
            body.append(_("This has happened over the last day or so."))
        elif case.neuro_progression == Case.Progression.DAYS:
            body.append(_("This has happened over the last few days."))
    if case.ambulatory is False:
        body.append(_("Right now you cannot walk on your own."))
    if any(t.kind == "radiation" for t in case.prior_treatments.all()):
        body.append(_("You had radiotherapy to this part of your spine before."))
    if (case.extraspinal_bone_mets or 0) > 0 or (case.vertebral_body_mets or 0) > len(lesions):
        body.append(_("There is also cancer in some other bones."))
    if case.visceral_mets and case.visceral_mets != Case.VisceralMets.NONE:
        body.append(_("There is also cancer in other parts of your body."))
    if body:
        paragraphs.append(body)
    return paragraphs


def neurological_deficit(case: Case) -> bool:
    """Weakness or sensory loss recorded as a grade: Frankel or ASIA A-D (E is normal)."""
    return case.frankel_grade in ("A", "B", "C", "D") or case.asia_grade in ("A", "B", "C", "D")


def compression_recorded(case: Case) -> bool:
    """Does the case record compression of the cord or of a nerve root anywhere: high-grade ESCC
    (with the board's 1c setting), a compressed root (`SpinalLesion.radiculopathy`), or a
    neurological deficit? Then no sentence of the summary says the cancer is "not pressing on"
    the cord or the nerves (issue 13; judgement: the deficit is not tied to one level)."""
    return (
        high_grade_compression(case)
        or any(lesion.radiculopathy for lesion in case.lesions.all())
        or neurological_deficit(case)
    )


def _compression_sentences(lesion: SpinalLesion, case: Case, *, compression: bool) -> list[str]:
    """What the cancer does to the cord or the nerves at one level, from the structured grade and
    root findings only (never the free-text notes)."""
    cord = lesion.level in CORD_LEVELS
    grade = lesion.escc_grade
    high = bool(grade) and escc(grade=grade, grade_1c_high=case.board.escc_1c_high_grade).high_grade
    sentences: list[str] = []
    if grade and (high or grade in ("2", "3")):
        table = ESCC_CORD if cord else ESCC_NERVES
        sentences.append(str(table[grade]))
    elif grade:
        where = ESCC_CORD_WHERE if cord else ESCC_NERVES_WHERE
        full = ESCC_CORD if cord else ESCC_NERVES
        sentences.append(str(where[grade] if compression else full[grade]))
    if lesion.radiculopathy:
        sentences.append(str(ROOT_COMPRESSED))
    return sentences


def high_grade_compression(case: Case) -> bool:
    """Does any lesion of the case compress the cord at high grade, as the board counts it?

    The clinical core decides, with the board's setting for the disputed grade 1c (Bilsky 2010;
    `clinical.escc`), exactly as the case's assessment does.
    """
    grade_1c_high = case.board.escc_1c_high_grade
    return any(
        escc(grade=lesion.escc_grade, grade_1c_high=grade_1c_high).high_grade
        for lesion in case.lesions.all()
        if lesion.escc_grade
    )


def _goal_fit(goal: str, codes: set[str], *, high_grade: bool) -> str:
    """One sentence on how the plan serves one of the patient's goals."""
    local = codes & {*SURGICAL, *RADIATION}
    if goal == Case.Goal.WALKING:
        if high_grade and local:
            return _(
                "Taking the pressure off your spinal cord gives you the best chance to keep "
                "walking."
            )
        if "rehab" in codes:
            return _("Physiotherapy will help you stay on your feet.")
        return _("The plan aims to keep your spine strong, so you can stay on your feet.")
    if goal == Case.Goal.PAIN_RELIEF:
        if codes & {"cement", "stabilisation"}:
            return _("Making the bone stronger should ease the pain when you move.")
        if codes & set(RADIATION):
            return _("Radiotherapy often eases bone pain within a few weeks.")
        if codes & {"nerve_block", "pain_plan"}:
            return _("The pain team will help you find the right pain relief.")
        if "palliative" in codes:
            return _("The palliative care team is expert at easing pain.")
        return _("The team will keep working on your pain.")
    if goal == Case.Goal.INDEPENDENCE:
        return _("The plan aims to keep you able to do things for yourself.")
    if goal == Case.Goal.TIME_AT_HOME:
        if "palliative" in codes:
            return _("The palliative care team can help you stay at home.")
        if codes & set(SURGICAL):
            return _("The team will keep your stay in hospital as short as they can.")
        return _("Most of this care is given as day visits, so you can sleep at home.")
    if goal == Case.Goal.LENGTH_OF_LIFE:
        return _("The plan aims to control the cancer for as long as possible.")
    return ""


# What "the team advises" names: treatments, not the scans and check-ups that follow them.
def _advice(steps: list[Step]) -> list[str]:
    """What the team advises: the SIGNED plan's treatments, one plain sentence each, in the
    order of the plan; a radiotherapy keeps its schedule. Nothing comes from the options."""
    items: list[str] = []
    for step in steps:
        radiation = [code for code in step.codes if code in RADIATION]
        for code, name in zip(step.codes, step.names, strict=True):
            if code not in ADVICE_CODES:
                continue
            if code in TREATMENT_EXPLANATIONS:
                sentence = str(TREATMENT_EXPLANATIONS[code])
            else:
                sentence = f"{capitalised(name)}."
            if step.visits and radiation and code == radiation[-1]:
                sentence = f"{sentence} {visits_sentence(step.visits)}"
            if sentence not in items:
                items.append(sentence)
    return items


def summary_context(plan: ConsensusPlan, language: str) -> dict[str, Any]:
    """Everything the section templates need, already in plain words in `language`.

    Call inside `translation.override(language)`.
    """
    plan = plan_with_case(plan)
    record = plan.decision
    item = record.agenda_item
    case = case_for_summary(item.case_id)
    meeting = item.meeting
    zone = ZoneInfo(meeting.board.time_zone or settings.TIME_ZONE)

    activities = [
        a
        for a in plan.activities.all().order_by("position", "id")
        if a.status in (PlanActivity.Status.PLANNED, PlanActivity.Status.IN_PROGRESS)
    ]
    activities.sort(key=lambda a: (a.due_date is None, a.due_date or dt.date.max, a.position))
    steps = [_step(a, language) for a in activities]
    plan_codes: list[str] = []
    for step in steps:
        plan_codes.extend(c for c in step.codes if c not in plan_codes)
    codes = set(plan_codes)
    plan_visits = {step.visits for step in steps if step.visits}
    options = _options(record.options, codes, plan_visits)
    high_grade = high_grade_compression(case)
    goals = [g for g in case.goals_ranked if g in GOALS]
    fits = []
    for goal in goals[:2]:
        sentence = _goal_fit(goal, codes, high_grade=high_grade)
        if sentence and sentence not in fits:
            fits.append(sentence)
    board = meeting.board
    return {
        "language": language,
        "meeting_date": day_date(timezone.localtime(meeting.starts_at, zone).date(), language),
        "urgent": case.urgency in (Case.Urgency.URGENT, Case.Urgency.EMERGENCY),
        "outcome": plan.outcome,
        "agreed": plan.outcome == ConsensusPlan.Outcome.AGREED,
        "deferred": plan.outcome == ConsensusPlan.Outcome.DEFERRED,
        "rediscuss": plan.outcome == ConsensusPlan.Outcome.REDISCUSS,
        "findings": _findings(case),
        "options": options,
        "advice": _advice(steps),
        "goals": [str(GOALS[g]) for g in goals],
        "goals_notes": " ".join(case.goals_notes.split()),
        "fits": fits,
        "steps": steps,
        "coordinator": coordinator_name(meeting.board),
        "phone": board.care_team_phone.strip(),
        "out_of_hours": board.out_of_hours_phone.strip(),
        # Judgement (issue 13): a plan with palliative care → call that team first.
        "palliative": any(a.kind == PlanActivity.Kind.PALLIATIVE for a in activities),
    }


_BLANKS = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip() + "\n"


@dataclass(frozen=True)
class GeneratedSummary:
    title: str
    body: str
    glossary: list[dict[str, str]]
    reading_grade: float


def generate(plan: ConsensusPlan, language: str) -> GeneratedSummary:
    """The summary's title, body, glossary and reading grade: the same plan gives the same text."""
    with translation.override(language):
        context = summary_context(plan, language)
        title = _tidy(render_to_string("patient_summary/title.txt", context)).strip()
        body = _tidy(render_to_string("patient_summary/body.txt", context))
    glossary = glossary_for(f"{title}\n{body}", language)
    return GeneratedSummary(title, body, glossary, summary_grade(title, body, glossary, language))


def patient_text(title: str, body: str, glossary: list[dict[str, str]]) -> str:
    """Everything the patient reads: title, body and the glossary's definitions."""
    words = "\n".join(f"{entry['term']}: {entry['definition']}" for entry in glossary)
    return f"{title}\n{body}\n{words}"


def summary_readability(
    title: str, body: str, glossary: list[dict[str, str]], language: str
) -> Readability:
    """How hard everything the patient reads is (FK and SMOG, or Fernández-Huerta)."""
    return measure(patient_text(title, body, glossary), language)


def summary_grade(title: str, body: str, glossary: list[dict[str, str]], language: str) -> float:
    """The grade of everything the patient reads: title, body and the glossary's definitions."""
    return summary_readability(title, body, glossary, language).grade
