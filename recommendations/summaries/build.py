"""What a pre-meeting summary says: built from an agenda item's case, its assessment and the
opinions given for the meeting, and the versions of those inputs that it was built from.

Everything here reads only objects already loaded and prefetched (see
`selectors.load_agenda_items`): no queries, no writes. `summary_inputs` and its fingerprint say
which versions of the inputs a summary was built from; a summary whose fingerprint differs from
the current inputs' is stale. `summary_build` makes the content; `compare_opinions` finds where
the opinions agree and disagree, and what NOMS says to the same questions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from cases.assessment import board_sbrt_regimens, stored_case_assessment
from clinical.noms import RULES_BY_ID
from clinical.regimens import CEBRT_REGIMENS
from recommendations.models import Opinion
from recommendations.opinions.options import QUESTIONS, option_label
from scheduling.models import AgendaItem, Discipline, SpecialistProfile

# Bump when the content's shape changes: every summary then counts as stale and is rebuilt.
CONTENT_SCHEMA = 1

QUESTION_LABELS = {
    "surgery": "Surgery or not",
    "cement_augmentation": "Cement augmentation",
    "radiation_technique": "cEBRT or SBRT",
    "systemic_therapy": "Systemic therapy",
    "urgency": "How urgently",
}
ANSWER_LABELS = {
    "yes": "yes",
    "no": "no",
    "cebrt": "cEBRT",
    "sbrt": "SBRT",
    "none": "no radiation",
    **{value: value for value in Opinion.Urgency.values},  # routine, urgent, emergency
}
SCORE_LABELS = {
    "radiosensitivity": "Radiosensitivity",
    "tokuhashi_revised": "Revised Tokuhashi",
    "tomita": "Tomita",
    "patchell": "Patchell eligibility",
    "sins": "SINS",
    "escc": "ESCC (Bilsky)",
    "noms": "NOMS",
}
PROCEDURE_LABELS = {
    "separation_surgery": "separation surgery",
    "open_stabilization": "open stabilisation",
    "cement_augmentation": "cement augmentation",
}
RADIATION_LABELS = {"cebrt": "cEBRT", "srs": "SRS/SBRT"}
NOMS_SURGERY = frozenset({"separation_surgery", "open_stabilization"})


# --- reading the prefetched item ---------------------------------------------------------------


def _opinions(item: AgendaItem) -> list[Opinion]:
    """The opinions on this item's case for this item's meeting (from the prefetch)."""
    return [op for op in item.case.meeting_opinions if op.meeting_id == item.meeting_id]


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _json(value: Any) -> Any:
    """Plain JSON (dates as ISO strings, decimals as strings), as the JSONField will store it."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


# --- inputs and their fingerprint ---------------------------------------------------------------


def summary_inputs(item: AgendaItem) -> dict[str, Any]:
    """The versions of everything a summary of `item` is built from (from the prefetch), as plain
    JSON: what a summary stores in `inputs`."""
    case, board = item.case, item.meeting.board
    inputs = {
        "schema": CONTENT_SCHEMA,
        "case": {"id": case.pk, "updated_at": _iso(case.updated_at)},
        "lesions": {str(lesion.pk): _iso(lesion.updated_at) for lesion in case.lesions.all()},
        "prior_treatments": {
            str(treatment.pk): _iso(treatment.updated_at)
            for treatment in case.prior_treatments.all()
        },
        "opinions": {
            str(op.pk): {"revision": op.revision, "updated_at": _iso(op.updated_at)}
            for op in _opinions(item)
        },
        "board": {
            "required_disciplines": sorted(board.required_disciplines or []),
            "escc_1c_high_grade": board.escc_1c_high_grade,
            "intermediate_histology": board.intermediate_histology,
            "sbrt_regimens": board.sbrt_regimens or [],
        },
        "invited_disciplines": sorted(
            {inv.discipline for inv in item.meeting.expected_invitations}
        ),
    }
    return _json(inputs)


def inputs_fingerprint(inputs: dict[str, Any]) -> str:
    """The hash a summary stores beside its inputs: equal inputs, equal fingerprints."""
    canonical = json.dumps(inputs, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()


def current_fingerprint(item: AgendaItem) -> str:
    """The fingerprint a summary built now from the (prefetched) item would carry."""
    return inputs_fingerprint(summary_inputs(item))


# --- building the content (pure: reads only the prefetched objects) ---------------------------


def _label(choices, value) -> str:
    return str(dict(choices).get(value, value or ""))


def _levels(treatment) -> str:
    if treatment.level_to and treatment.level_to != treatment.level_from:
        return f"{treatment.level_from}–{treatment.level_to}"
    return treatment.level_from


def _case_brief(case, lesions, prior) -> dict[str, Any]:
    Case = type(case)
    return {
        "uuid": str(case.uuid),
        "clinical_question": case.clinical_question,
        "urgency": {"value": case.urgency, "label": case.get_urgency_display()},
        "primary": {
            "site": case.primary_site,
            "label": case.get_primary_site_display(),
            "histology": case.histology,
            "histology_confirmed": case.histology_confirmed,
            "growth": case.get_primary_growth_display() if case.primary_growth else "",
            "diagnosis_date": case.diagnosis_date,
            "molecular_markers": case.molecular_markers,
        },
        "extent": {
            "vertebral_body_mets": case.vertebral_body_mets,
            "extraspinal_bone_mets": case.extraspinal_bone_mets,
            "visceral_mets": _label(Case.VisceralMets.choices, case.visceral_mets),
            "brain_mets": _label(Case.BrainMets.choices, case.brain_mets),
            "lesions": [
                {
                    "level": lesion.level,
                    "escc_grade": lesion.escc_grade,
                    "escc_label": lesion.get_escc_grade_display() if lesion.escc_grade else "",
                    "imaging": lesion.get_imaging_modality_display(),
                    "imaging_date": lesion.imaging_date,
                    "pain": lesion.get_pain_display() if lesion.pain else "",
                    "notes": lesion.notes,
                }
                for lesion in lesions
            ],
        },
        "neuro": {
            "asia_grade": case.asia_grade,
            "frankel_grade": case.frankel_grade,
            "deficits": case.neuro_deficits,
            "progression": case.neuro_progression,
            "progression_label": _label(Case.Progression.choices, case.neuro_progression),
            "deficit_onset": case.deficit_onset,
            "ambulatory": case.ambulatory,
            "exam_date": case.neuro_exam_date,
        },
        "performance": {
            "ecog": case.ecog,
            "kps": case.kps,
            "fit_for_surgery": case.fit_for_surgery,
            "expected_survival_months": case.expected_survival_months,
            "comorbidities": case.comorbidities,
        },
        "pain": {
            "score": case.pain_score,
            "analgesics": case.analgesics,
            "mechanical_levels": [
                lesion.level for lesion in lesions if lesion.pain == "mechanical"
            ],
        },
        "prior_treatments": [
            {
                "kind": treatment.kind,
                "label": treatment.get_kind_display(),
                "levels": _levels(treatment),
                "treated_on": treatment.treated_on,
                "dose_gy": treatment.dose_gy,
                "fractions": treatment.fractions,
                "description": treatment.description,
            }
            for treatment in prior
        ],
        "systemic_therapy_history": case.systemic_therapy_history,
        "goals": {
            "ranked": [_label(Case.Goal.choices, goal) for goal in case.goals_ranked or []],
            "notes": case.goals_notes,
            "reported_by": _label(Case.GoalsReporter.choices, case.goals_reported_by),
            "recorded_at": case.goals_recorded_at,
        },
    }


def _noms_text(result) -> str:
    """E.g. "Separation surgery + cement augmentation, then SRS/SBRT"."""
    lead = []
    if result.systemic_only:
        lead.append("systemic and palliative care")
    if result.supportive_care:
        lead.append("best supportive care, bracing")
    lead.extend(PROCEDURE_LABELS.get(p, p) for p in result.procedures)
    radiation = RADIATION_LABELS.get(result.radiation or "", "no radiation")
    text = f"{' + '.join(lead)}, then {radiation}" if lead else radiation
    return text[:1].upper() + text[1:]


def _score_text(score) -> str:
    """ "9 (potentially unstable)", or "not computable" (what is missing is listed elsewhere)."""
    if not score.computable:
        return "not computable"
    result = score.result
    category = result.category.replace("_", " ")
    if score.name in ("patchell", "radiosensitivity"):  # their totals are not a scale
        return category
    if score.name == "escc":
        return f"grade {result.grade} ({category})"
    return f"{result.total} ({category})"


def _scores(assessment) -> list[dict[str, str]]:
    return [
        {"name": score.name, "label": SCORE_LABELS[score.name], "value": _score_text(score)}
        for score in (
            assessment.radiosensitivity,
            assessment.tokuhashi,
            assessment.tomita,
            assessment.patchell,
        )
    ]


def _noms_rows(assessment) -> list[dict[str, Any]]:
    rows = []
    for lesion in assessment.lesions:
        result = lesion.noms.result
        row = {
            "level": lesion.level,
            "sins": _score_text(lesion.sins),
            "escc": _score_text(lesion.escc),
            "computable": lesion.noms.computable,
            "missing": list(lesion.noms.missing),
        }
        if result is not None:
            row |= {
                "suggestion": _noms_text(result),
                "procedures": list(result.procedures),
                "radiation": result.radiation,
                "confirmed": result.confirmed,
                "rules": list(result.rules),
                "unconfirmed_rules": [
                    rule for rule in result.rules if not RULES_BY_ID[rule].confirmed
                ],
                "caveats": list(result.caveats),
                "regimens": [regimen.label for regimen in result.regimens],
            }
        rows.append(row)
    return rows


def _noms_answers(noms_rows) -> dict[str, set[str]]:
    """What the NOMS suggestions say to the board's questions, over all computable lesions."""
    answers: dict[str, set[str]] = {}
    for row in noms_rows:
        if not row["computable"]:
            continue
        procedures = set(row["procedures"])
        answers.setdefault("surgery", set()).add("yes" if procedures & NOMS_SURGERY else "no")
        if "cement_augmentation" in procedures:
            answers.setdefault("cement_augmentation", set()).add("yes")
        radiation = {"srs": "sbrt", "cebrt": "cebrt"}.get(row["radiation"] or "", "none")
        answers.setdefault("radiation_technique", set()).add(radiation)
    return answers


# What the results page compares with the consensus (recommendations.dashboard).
noms_answers = _noms_answers


def _who(op: Opinion) -> dict[str, str]:
    return {
        "discipline": op.discipline,
        "discipline_label": op.get_discipline_display(),
        "author": op.author.get_full_name() or op.author.get_username(),
    }


def _regimen_technique(regimen: str, sbrt_labels: frozenset[str]) -> str | None:
    """cEBRT or SBRT, from a regimen label on the board's lists (a re-irradiation names one)."""
    if regimen in sbrt_labels:
        return "sbrt"
    if regimen in CEBRT_LABELS:
        return "cebrt"
    return None


CEBRT_LABELS = frozenset(regimen.label for regimen in CEBRT_REGIMENS)


def _opinion_answers(op: Opinion, sbrt_labels: frozenset[str]) -> dict[str, set[str]]:
    """question -> the answers its options give (QUESTIONS says which option means what)."""
    chosen = set(op.options or [])
    answers = {
        question: {answer for answer, slugs in table.items() if chosen & slugs}
        for question, table in QUESTIONS.items()
    }
    technique = _regimen_technique(op.regimen, sbrt_labels)
    if technique and not answers["radiation_technique"]:
        answers["radiation_technique"] = {technique}
    answers["urgency"] = {op.urgency}
    return {question: found for question, found in answers.items() if found}


opinion_answers = _opinion_answers


def compare_opinions(
    opinions: list[Opinion], noms_rows: list[dict], *, sbrt_labels: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """For each question some opinion answers: who says what, and whether they agree.

    status: "disagree" when two or more distinct answers are given, "agree" when two or more
    opinions give the same single answer, "single" when only one opinion answers. `noms` is what
    the NOMS suggestion says to the same question, where it says anything.
    """
    noms = _noms_answers(noms_rows)
    # Two opinions from one discipline are told apart by their authors.
    per_discipline = Counter(op.discipline for op in opinions)
    given = []  # each opinion's author and answers, worked out once for all the questions
    for op in opinions:
        who = _who(op)
        who["label"] = who["discipline_label"]
        if per_discipline[op.discipline] > 1:
            who["label"] += f": {who['author']}"
        given.append((who, _opinion_answers(op, sbrt_labels)))
    comparison = []
    for question in [*QUESTIONS, "urgency"]:
        positions: dict[str, list[dict]] = {}
        answering = 0
        for who, answered in given:
            answers = answered.get(question, set())
            answering += bool(answers)
            for answer in sorted(answers):
                positions.setdefault(answer, []).append(who)
        if not positions:
            continue
        if len(positions) >= 2:
            status = "disagree"
        elif answering >= 2:
            status = "agree"
        else:
            status = "single"
        comparison.append(
            {
                "question": question,
                "label": QUESTION_LABELS[question],
                "status": status,
                "positions": [
                    {"answer": answer, "answer_label": ANSWER_LABELS[answer], "opinions": who}
                    for answer, who in positions.items()
                ],
                "noms": sorted(noms.get(question, set())),
                "noms_labels": [ANSWER_LABELS[a] for a in sorted(noms.get(question, set()))],
            }
        )
    return comparison


def _title(user) -> str:
    try:
        return user.specialist_profile.title  # select_related; absent raises DoesNotExist
    except SpecialistProfile.DoesNotExist:
        return ""


def _opinion(op: Opinion) -> dict[str, Any]:
    return {
        "uuid": str(op.uuid),
        **_who(op),
        "title": _title(op.author),
        "options": [{"value": slug, "label": option_label(slug)} for slug in op.options or []],
        "regimen": op.regimen,
        "systemic_class": op.systemic_class,
        "systemic_line": op.systemic_line,
        "details": op.details,
        "urgency": op.urgency,
        "urgency_label": op.get_urgency_display(),
        "rationale": op.rationale,
        "confidence": op.confidence,
        "confidence_label": op.get_confidence_display(),
        "questions_for_board": op.questions_for_board,
        "data_needed": op.data_needed,
        "submitted_at": op.submitted_at,
        "revision": op.revision,
    }


def _missing_opinions(item: AgendaItem, opinions: list[Opinion]) -> list[dict[str, Any]]:
    required = set(item.meeting.board.required_disciplines or [])
    invited = {inv.discipline for inv in item.meeting.expected_invitations}
    given = {op.discipline for op in opinions}
    return [
        {
            "discipline": value,
            "label": str(label),
            "required": value in required,
            "invited": value in invited,
        }
        for value, label in Discipline.choices
        if value in (required | invited) - given
    ]


def _missing_data(assessment, case, opinions) -> list[dict[str, Any]]:
    missing = []
    for score in (
        assessment.radiosensitivity,
        assessment.tokuhashi,
        assessment.tomita,
        assessment.patchell,
    ):
        if not score.computable:
            missing.append({"item": SCORE_LABELS[score.name], "missing": list(score.missing)})
    for lesion in assessment.lesions:
        for score in (lesion.sins, lesion.escc, lesion.noms):
            if not score.computable:
                missing.append(
                    {
                        "item": f"{lesion.level} {SCORE_LABELS[score.name]}",
                        "missing": list(score.missing),
                    }
                )
    if not assessment.lesions:
        missing.append({"item": "Spinal lesions", "missing": ["no lesion recorded"]})
    if not (case.goals_ranked or case.goals_notes.strip()):
        missing.append({"item": "The patient's goals", "missing": ["not recorded"]})
    for op in opinions:
        if op.data_needed.strip():
            missing.append(
                {
                    "item": f"Asked for by {op.get_discipline_display()}",
                    "missing": [op.data_needed.strip()],
                }
            )
    return missing


def _positions_text(entry) -> str:
    return "; ".join(
        f"{p['answer_label']} ({', '.join(w['label'] for w in p['opinions'])})"
        for p in entry["positions"]
    )


def _questions_to_settle(
    comparison, opinions, noms_rows, missing_opinions, missing_data
) -> list[dict[str, str]]:
    questions = []
    for entry in comparison:
        if entry["status"] == "disagree":
            questions.append(
                {
                    "kind": "disagreement",
                    "text": f"{entry['label']}: {_positions_text(entry)}.",
                }
            )
        given = {p["answer"] for p in entry["positions"]}
        if entry["noms"] and entry["status"] != "disagree" and not given & set(entry["noms"]):
            suggested = ", ".join(ANSWER_LABELS[a] for a in entry["noms"])
            questions.append(
                {
                    "kind": "noms_differs",
                    "text": f"{entry['label']}: the opinions say {_positions_text(entry)}; "
                    f"NOMS suggests {suggested}.",
                }
            )
    for op in opinions:
        if op.questions_for_board.strip():
            questions.append(
                {
                    "kind": "asked",
                    "text": f"{op.get_discipline_display()} asks: {op.questions_for_board.strip()}",
                }
            )
    for row in noms_rows:
        for rule_id in row.get("unconfirmed_rules", []):
            rule = RULES_BY_ID[rule_id]
            questions.append(
                {
                    "kind": "unconfirmed_noms",
                    "text": f"{row['level']}: NOMS row {rule.id} ({rule.condition} → "
                    f"{rule.outcome}) is unconfirmed: confirm or override it.",
                }
            )
    for entry in missing_opinions:
        required = " (a required discipline)" if entry["required"] else ""
        questions.append(
            {"kind": "missing_opinion", "text": f"No opinion yet from {entry['label']}{required}."}
        )
    for entry in missing_data:
        questions.append(
            {"kind": "missing_data", "text": f"{entry['item']}: {'; '.join(entry['missing'])}."}
        )
    return questions


def summary_build(item: AgendaItem) -> dict[str, Any]:
    """The summary's content, from the prefetched item (see `selectors.load_agenda_items`); no
    queries."""
    case = item.case
    lesions = list(case.lesions.all())
    prior = list(case.prior_treatments.all())
    opinions = _opinions(item)
    assessment = stored_case_assessment(case)
    noms_rows = _noms_rows(assessment)
    sbrt_labels = frozenset(r.label for r in board_sbrt_regimens(item.meeting.board).regimens)
    comparison = compare_opinions(opinions, noms_rows, sbrt_labels=sbrt_labels)
    missing_data = _missing_data(assessment, case, opinions)
    missing_opinions = _missing_opinions(item, opinions)
    content = {
        "schema": CONTENT_SCHEMA,
        "case": _case_brief(case, lesions, prior),
        "assessment": assessment.as_dict(),
        "scores": _scores(assessment),
        "flags": [{"code": flag.code, "text": flag.text} for flag in assessment.flags],
        "noms": noms_rows,
        "opinions": [_opinion(op) for op in opinions],
        "comparison": comparison,
        "agreements": [entry for entry in comparison if entry["status"] == "agree"],
        "disagreements": [entry for entry in comparison if entry["status"] == "disagree"],
        "missing_opinions": missing_opinions,
        "missing_data": missing_data,
        "questions_to_settle": _questions_to_settle(
            comparison, opinions, noms_rows, missing_opinions, missing_data
        ),
    }
    return _json(content)
