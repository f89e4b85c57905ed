"""Pre-meeting summaries: each agenda item's case in brief, scores, opinions and open questions.

A summary is built from the case, its lesions and prior treatments, the opinions given for the
meeting and the board's settings. It is stored as a numbered version together with the versions
of those inputs (`inputs`) and their hash (`inputs_fingerprint`), so:

- the same inputs never make a second version (a task run twice stores one);
- a summary whose fingerprint differs from the current inputs' is stale, and is shown so;
- a change to a case or an opinion calls `summaries_refresh_for_case`, which marks the item's
  preparation queued and enqueues a delayed task; the task does nothing when the summary is already
  fresh, so several changes within the delay make one new version.

`summary_prepare` is the only write of a summary: one transaction, with the item's preparation row
locked, so a worker killed half-way leaves no partial summary and the next run completes the work.
The other writes here record where preparation stands (queued, running, done, failed).

Reads that decide access (which meetings, whose summaries) are here too, next to the rule they
serve: meetings are scoped by `scheduling.selectors.meetings_visible_to`; preparing is for the
board's coordinators and chairs; on a board with blind opinions a specialist reads a case's summary
(which carries every opinion) only once they have given their own, until the meeting starts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import (
    F,
    Max,
    Prefetch,
    QuerySet,
    prefetch_related_objects,
)
from django.utils import timezone

from cases.assessment import board_sbrt_regimens, case_assessment
from clinical.noms import RULES_BY_ID
from clinical.regimens import CEBRT_REGIMENS
from recommendations.models import Opinion, PreMeetingSummary, SummaryPreparation
from recommendations.opinions.options import QUESTIONS, option_label
from recommendations.opinions.selectors import can_give_opinions
from recommendations.summaries.selectors import latest_summaries
from scheduling.models import (
    AgendaItem,
    BoardMembership,
    Discipline,
    Invitation,
    Meeting,
    SpecialistProfile,
)
from scheduling.rules import meeting_has_started
from tumorboard.errors import ApplicationError, ConflictError
from tumorboard.queue import enqueue_on_commit

logger = logging.getLogger(__name__)

# Bump when the content's shape changes: every summary then counts as stale and is rebuilt.
CONTENT_SCHEMA = 1
# Changes within this many seconds of each other make one new version.
DEBOUNCE_SECONDS = 60
# Time limits of the preparation task (tasks.py): one summary takes milliseconds, so a minute
# means something is stuck.
TASK_SOFT_TIME_LIMIT = 60
TASK_TIME_LIMIT = 90
# A preparation still "running" this long after it started was cut off (hard time limit, a killed
# worker whose message is not redelivered): it is shown as failed and can be retried.
INTERRUPTED_AFTER = dt.timedelta(seconds=TASK_TIME_LIMIT + 60)

COORDINATING_ROLES = (BoardMembership.Role.COORDINATOR, BoardMembership.Role.CHAIR)
INACTIVE_MEETING_STATUSES = (Meeting.Status.CLOSED, Meeting.Status.CANCELLED)
# Invitees still expected at the meeting, whose discipline is therefore expected to give a view.
EXPECTED_RESPONSES = (Invitation.Response.ACCEPTED, Invitation.Response.PENDING)

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


# --- loading: a constant number of queries, whatever the number of items or opinions ----------


def _summary_queryset(queryset: QuerySet[AgendaItem], *, with_patient: bool) -> list[AgendaItem]:
    """Agenda items with everything a summary reads, in seven queries for any number of items."""
    related = ["meeting__board", "case__board"]
    if with_patient:
        related.append("case__patient")
    items = list(queryset.select_related(*related).order_by("meeting_id", "position"))
    meeting_ids = {item.meeting_id for item in items}
    opinions = (
        Opinion.objects.filter(meeting_id__in=meeting_ids)
        .select_related("author__specialist_profile")
        .order_by("discipline", "submitted_at", "pk")
    )
    invitations = (
        Invitation.objects.filter(response__in=EXPECTED_RESPONSES, user__is_active=True)
        .exclude(discipline="")
        .order_by("pk")
    )
    prefetch_related_objects(
        items,
        "case__lesions",
        "case__prior_treatments",
        Prefetch("case__opinions", queryset=opinions, to_attr="meeting_opinions"),
        Prefetch("meeting__invitations", queryset=invitations, to_attr="expected_invitations"),
    )
    return items


def load_agenda_items(ids: Iterable[int]) -> list[AgendaItem]:
    """The agenda items with these ids, prefetched for summarising."""
    return _summary_queryset(AgendaItem.objects.filter(pk__in=list(ids)), with_patient=False)


def _opinions(item: AgendaItem) -> list[Opinion]:
    """The opinions on this item's case for this item's meeting (from the prefetch)."""
    return [op for op in item.case.meeting_opinions if op.meeting_id == item.meeting_id]


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _json(value: Any) -> Any:
    """Plain JSON (dates as ISO strings, decimals as strings), as the JSONField will store it."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


# --- inputs and staleness ----------------------------------------------------------------------


def summary_inputs(item: AgendaItem) -> dict[str, Any]:
    """The versions of everything a summary of `item` is built from (from the prefetch)."""
    case, board = item.case, item.meeting.board
    return {
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


def inputs_fingerprint(inputs: dict[str, Any]) -> str:
    canonical = json.dumps(inputs, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()


def current_fingerprint(item: AgendaItem) -> str:
    """The fingerprint a summary built now from the (prefetched) item would carry."""
    return inputs_fingerprint(_json(summary_inputs(item)))


def summary_is_stale(item: AgendaItem) -> bool:
    """True when the item has a summary and its inputs have changed since it was built."""
    (loaded,) = load_agenda_items([item.pk])
    latest = latest_summaries([item.pk], content=False).get(item.pk)
    return latest is not None and latest.inputs_fingerprint != current_fingerprint(loaded)


def _needs_preparing(agenda_item_id: int) -> bool:
    """No summary yet, or a stale one."""
    loaded = load_agenda_items([agenda_item_id])
    if not loaded:
        return False
    latest = latest_summaries([agenda_item_id], content=False).get(agenda_item_id)
    return latest is None or latest.inputs_fingerprint != current_fingerprint(loaded[0])


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
    comparison = []
    for question in [*QUESTIONS, "urgency"]:
        positions: dict[str, list[dict]] = {}
        answering = 0
        for op in opinions:
            answers = _opinion_answers(op, sbrt_labels).get(question, set())
            answering += bool(answers)
            who = _who(op)
            who["label"] = who["discipline_label"]
            if per_discipline[op.discipline] > 1:
                who["label"] += f": {who['author']}"
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
    """The summary's content, from the prefetched item (see `load_agenda_items`); no queries."""
    case = item.case
    lesions = list(case.lesions.all())
    prior = list(case.prior_treatments.all())
    opinions = _opinions(item)
    assessment = case_assessment(case)
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


# --- writing a summary -------------------------------------------------------------------------


def _preparation_finish(preparation_id: int) -> None:
    SummaryPreparation.objects.filter(pk=preparation_id).update(
        status=SummaryPreparation.Status.DONE, error="", finished_at=timezone.now()
    )


def summary_prepare(agenda_item_id: int) -> PreMeetingSummary:
    """Build and store the item's summary; return the existing version when inputs are unchanged.

    One transaction with the item's preparation row locked: concurrent runs for one item take
    turns, a failure anywhere leaves nothing written, and the version numbers stay consecutive.
    Raises AgendaItem.DoesNotExist when the item has gone.
    """
    with transaction.atomic():
        # Lock first, then read the inputs: a run that waited for another reads what that run
        # read or newer, so it never stores an older state as a newer version.
        preparation, _ = SummaryPreparation.objects.select_for_update().get_or_create(
            agenda_item_id=agenda_item_id
        )
        loaded = load_agenda_items([agenda_item_id])
        if not loaded:  # the row just created (if any) goes with the rollback
            raise AgendaItem.DoesNotExist(f"agenda item {agenda_item_id} does not exist")
        item = loaded[0]
        inputs = _json(summary_inputs(item))
        fingerprint = inputs_fingerprint(inputs)
        summary = PreMeetingSummary.objects.filter(
            agenda_item_id=agenda_item_id, inputs_fingerprint=fingerprint
        ).first()
        if summary is None:
            content = summary_build(item)
            last = PreMeetingSummary.objects.filter(agenda_item_id=agenda_item_id).aggregate(
                last=Max("version")
            )["last"]
            summary = PreMeetingSummary.objects.create(
                agenda_item_id=agenda_item_id,
                version=(last or 0) + 1,
                content=content,
                inputs=inputs,
                inputs_fingerprint=fingerprint,
            )
        _preparation_finish(preparation.pk)
    return summary


# --- where preparation stands ------------------------------------------------------------------


def preparation_start(agenda_item_id: int) -> bool:
    """Claim the item's preparation for this run (status -> running); False: nothing to do.

    A done item is claimed only when its summary is stale; queued, failed and running items
    (a redelivered message after a killed worker) are claimed as they are.
    """
    if not AgendaItem.objects.filter(pk=agenda_item_id).exists():
        return False
    SummaryPreparation.objects.get_or_create(agenda_item_id=agenda_item_id)
    claim = {
        "status": SummaryPreparation.Status.RUNNING,
        "started_at": timezone.now(),
        "attempts": F("attempts") + 1,
    }
    claimed = (
        SummaryPreparation.objects.filter(agenda_item_id=agenda_item_id)
        .exclude(status=SummaryPreparation.Status.DONE)
        .update(**claim)
    )
    if claimed:
        return True
    if not _needs_preparing(agenda_item_id):
        return False
    return bool(
        SummaryPreparation.objects.filter(
            agenda_item_id=agenda_item_id, status=SummaryPreparation.Status.DONE
        ).update(**claim)
    )


def preparation_fail(agenda_item_id: int, reason: str) -> None:
    """Record why preparing failed; `reason` is for coordinators and must not carry patient data."""
    SummaryPreparation.objects.filter(agenda_item_id=agenda_item_id).update(
        status=SummaryPreparation.Status.FAILED,
        error=reason[:500],
        finished_at=timezone.now(),
    )


def preparation_requeue(agenda_item_id: int, reason: str) -> None:
    """Back to queued (a retry is coming), keeping the reason visible meanwhile."""
    SummaryPreparation.objects.filter(agenda_item_id=agenda_item_id).update(
        status=SummaryPreparation.Status.QUEUED, error=reason[:500]
    )


def _enqueue(agenda_item_ids: list[int], *, countdown: int | None = None, queue=None) -> None:
    """Send one task per item once the transaction commits (ids only)."""
    from recommendations.summaries.tasks import prepare_agenda_item_summary

    options: dict[str, Any] = {}
    if countdown:
        options["countdown"] = countdown
    if queue:
        options["queue"] = queue
    for agenda_item_id in agenda_item_ids:
        enqueue_on_commit(
            prepare_agenda_item_summary,
            args=[agenda_item_id],
            on_failure=partial(_record_not_queued, agenda_item_id),
            **options,
        )


def _record_not_queued(agenda_item_id: int) -> None:
    """The broker refused the task: show the item as failed, so a coordinator can retry it."""
    SummaryPreparation.objects.filter(
        agenda_item_id=agenda_item_id, status=SummaryPreparation.Status.QUEUED
    ).update(
        status=SummaryPreparation.Status.FAILED,
        error="Could not be queued: the task service was unavailable. Retry when it is back.",
        finished_at=timezone.now(),
    )


def _request(items: list[AgendaItem], *, now: dt.datetime) -> None:
    """Create or reset the items' preparation rows to queued, in one statement."""
    SummaryPreparation.objects.bulk_create(
        [
            SummaryPreparation(
                agenda_item=item,
                status=SummaryPreparation.Status.QUEUED,
                error="",
                attempts=0,
                requested_at=now,
                started_at=None,
                finished_at=None,
            )
            for item in items
        ],
        update_conflicts=True,
        unique_fields=["agenda_item"],
        update_fields=["status", "error", "attempts", "requested_at", "started_at", "finished_at"],
    )


def _check_open(meeting: Meeting) -> None:
    if meeting.status in INACTIVE_MEETING_STATUSES:
        raise ApplicationError(
            f"This meeting is {meeting.get_status_display().lower()}; "
            "its summaries can no longer be prepared."
        )


@transaction.atomic
def meeting_prepare_request(
    *,
    meeting: Meeting,
    by: AbstractBaseUser | None,
    items: list[AgendaItem] | None = None,
    queue: str | None = None,
) -> PreparationProgress:
    """Queue the preparation of every item on the meeting's agenda (or of `items`).

    `by` is who asked (None: the opinion-deadline schedule). Items already prepared are queued
    again: their task stores no new version unless the inputs changed.
    """
    meeting = Meeting.objects.select_for_update().select_related("board").get(pk=meeting.pk)
    _check_open(meeting)
    if items is None:
        items = list(meeting.agenda_items.order_by("position"))
    if not items:
        raise ApplicationError("The agenda is empty: there is nothing to prepare.")
    _request(items, now=timezone.now())
    _enqueue([item.pk for item in items], queue=queue)
    logger.info(
        "summary preparation requested for meeting %s: %d items (by user %s)",
        meeting.uuid,
        len(items),
        getattr(by, "pk", None),
    )
    return meeting_preparation_progress(meeting)


@transaction.atomic
def preparation_retry(
    *, agenda_item: AgendaItem, by: AbstractBaseUser | None, queue: str | None = None
) -> SummaryPreparation:
    """Queue a failed (or interrupted, or never requested) item's preparation again."""
    _check_open(agenda_item.meeting)
    preparation, created = SummaryPreparation.objects.select_for_update().get_or_create(
        agenda_item=agenda_item
    )
    if not (
        created
        or preparation.status == SummaryPreparation.Status.FAILED
        or _interrupted(preparation, timezone.now())
    ):
        raise ConflictError(
            f"This item's preparation is {preparation.get_status_display().lower()}; "
            "only a failed preparation can be retried."
        )
    preparation.status = SummaryPreparation.Status.QUEUED
    preparation.error = ""
    preparation.requested_at = timezone.now()
    preparation.started_at = None
    preparation.finished_at = None
    preparation.save(update_fields=["status", "error", "requested_at", "started_at", "finished_at"])
    _enqueue([agenda_item.pk], queue=queue)
    logger.info(
        "summary preparation retried for agenda item %s (by user %s)",
        agenda_item.pk,
        getattr(by, "pk", None),
    )
    return preparation


@transaction.atomic
def summary_mark_stale_and_schedule(
    *, case_id: int | None = None, agenda_item_id: int | None = None
) -> list[int]:
    """After a change: queue regeneration of the affected items' summaries, after a delay.

    Only items whose preparation was already requested are touched (the others are prepared at
    the opinion deadline anyway), and only on meetings still planned or in progress. The delayed
    task skips an item whose summary is fresh by then, so a burst of changes makes one version.
    Returns the ids of the items scheduled.
    """
    if (case_id is None) == (agenda_item_id is None):
        raise ValueError("Give exactly one of case_id and agenda_item_id.")
    items = AgendaItem.objects.filter(preparation__isnull=False).exclude(
        meeting__status__in=INACTIVE_MEETING_STATUSES
    )
    if case_id is not None:
        items = items.filter(case_id=case_id, is_open=True)
    else:
        items = items.filter(pk=agenda_item_id)
    ids = list(items.values_list("pk", flat=True))
    if ids:
        SummaryPreparation.objects.filter(agenda_item_id__in=ids).exclude(
            status=SummaryPreparation.Status.RUNNING
        ).update(status=SummaryPreparation.Status.QUEUED, error="", requested_at=timezone.now())
        _enqueue(ids, countdown=DEBOUNCE_SECONDS)
    return ids


def summaries_refresh_for_case(case_id: int) -> list[int]:
    """Call after any change to a case, its lesions or prior treatments, or an opinion on it."""
    return summary_mark_stale_and_schedule(case_id=case_id)


def meetings_due_for_preparation(now: dt.datetime | None = None) -> list[tuple[Meeting, list]]:
    """Planned meetings whose opinion deadline has passed, with the items not prepared since.

    An item counts as prepared since the deadline when its preparation was requested at or after
    the deadline: so each meeting is prepared once when its deadline passes, and items added to
    the agenda later are picked up on the next run.
    """
    now = now or timezone.now()
    longest = Meeting.objects.aggregate(hours=Max("board__opinion_deadline_hours"))["hours"] or 0
    meetings = list(
        Meeting.objects.filter(
            status=Meeting.Status.PLANNED,
            starts_at__gt=now,
            starts_at__lte=now + dt.timedelta(hours=longest),
        )
        .select_related("board")
        .prefetch_related(
            Prefetch(
                "agenda_items",
                queryset=AgendaItem.objects.select_related("preparation").order_by("position"),
            )
        )
        .order_by("starts_at", "pk")
    )
    due = []
    for meeting in meetings:
        deadline = meeting.starts_at - dt.timedelta(hours=meeting.board.opinion_deadline_hours)
        if now < deadline:
            continue
        items = [
            item
            for item in meeting.agenda_items.all()
            if _preparation_of(item) is None
            or _preparation_of(item).requested_at is None
            or _preparation_of(item).requested_at < deadline
        ]
        if items:
            due.append((meeting, items))
    return due


def _preparation_of(item: AgendaItem) -> SummaryPreparation | None:
    try:
        return item.preparation
    except SummaryPreparation.DoesNotExist:
        return None


# --- progress ----------------------------------------------------------------------------------


def _interrupted(preparation: SummaryPreparation, now: dt.datetime) -> bool:
    return (
        preparation.status == SummaryPreparation.Status.RUNNING
        and preparation.started_at is not None
        and now - preparation.started_at > INTERRUPTED_AFTER
    )


NOT_REQUESTED = "not_requested"
STATUS_LABELS = {**dict(SummaryPreparation.Status.choices), NOT_REQUESTED: "Not requested"}


@dataclass(frozen=True)
class ItemProgress:
    item: AgendaItem
    status: str  # a SummaryPreparation.Status, or "not_requested"
    error: str
    attempts: int
    requested_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    version: int | None
    stale: bool

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def can_retry(self) -> bool:
        return self.status in (SummaryPreparation.Status.FAILED, NOT_REQUESTED)


@dataclass(frozen=True)
class PreparationProgress:
    meeting: Meeting
    items: list[ItemProgress]

    def _count(self, status: str) -> int:
        return sum(1 for entry in self.items if entry.status == status)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def prepared(self) -> int:
        """Items with a summary built from their current inputs."""
        return sum(
            1
            for entry in self.items
            if entry.status == SummaryPreparation.Status.DONE and not entry.stale
        )

    @property
    def queued(self) -> int:
        return self._count(SummaryPreparation.Status.QUEUED)

    @property
    def running(self) -> int:
        return self._count(SummaryPreparation.Status.RUNNING)

    @property
    def failed(self) -> int:
        return self._count(SummaryPreparation.Status.FAILED)

    @property
    def not_requested(self) -> int:
        return self._count(NOT_REQUESTED)

    @property
    def stale(self) -> int:
        return sum(1 for entry in self.items if entry.stale)

    @property
    def failures(self) -> list[ItemProgress]:
        return [entry for entry in self.items if entry.status == SummaryPreparation.Status.FAILED]

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.prepared == self.total

    @property
    def in_progress(self) -> bool:
        return bool(self.queued or self.running)


def _item_progress(item, preparation, summary, fingerprint, now) -> ItemProgress:
    stale = summary is not None and summary.inputs_fingerprint != fingerprint
    if preparation is None:
        return ItemProgress(item, NOT_REQUESTED, "", 0, None, None, None, None, stale)
    status, error = preparation.status, preparation.error
    if _interrupted(preparation, now):
        status = SummaryPreparation.Status.FAILED
        error = "Interrupted: the worker stopped before finishing. Retry to prepare it again."
    return ItemProgress(
        item=item,
        status=status,
        error=error,
        attempts=preparation.attempts,
        requested_at=preparation.requested_at,
        started_at=preparation.started_at,
        finished_at=preparation.finished_at,
        version=summary.version if summary is not None else None,
        stale=stale,
    )


def _meeting_items(meeting: Meeting, *, with_patient: bool) -> list[AgendaItem]:
    return _summary_queryset(meeting.agenda_items.all(), with_patient=with_patient)


def meeting_preparation_progress(meeting: Meeting) -> PreparationProgress:
    """n of m prepared, what is queued or running, failures with their reason; constant queries."""
    items = _meeting_items(meeting, with_patient=True)
    ids = [item.pk for item in items]
    preparations = {
        p.agenda_item_id: p for p in SummaryPreparation.objects.filter(agenda_item_id__in=ids)
    }
    summaries = latest_summaries(ids, content=False)
    now = timezone.now()
    return PreparationProgress(
        meeting=meeting,
        items=[
            _item_progress(
                item,
                preparations.get(item.pk),
                summaries.get(item.pk),
                current_fingerprint(item),
                now,
            )
            for item in items
        ],
    )


# --- reading: access and the packet ------------------------------------------------------------


def can_coordinate(*, user, meeting: Meeting) -> bool:
    """The board's coordinators and chairs prepare summaries and see how preparation stands."""
    if user.is_superuser:
        return True
    return BoardMembership.objects.filter(
        board_id=meeting.board_id, user=user, role__in=COORDINATING_ROLES
    ).exists()


def agenda_item_for(*, meeting: Meeting, case_uuid) -> AgendaItem:
    """The meeting's agenda item for that case, or AgendaItem.DoesNotExist."""
    return meeting.agenda_items.select_related("meeting__board", "case__patient").get(
        case__uuid=case_uuid
    )


def summaries_withheld(*, user, meeting: Meeting, coordinator: bool) -> set[int] | None:
    """Case ids whose summaries the user may not read yet; None: every summary is readable.

    Summaries carry every opinion, so they follow the opinions' rule (selectors.opinion_visibility):
    on a board with blind opinions, until the meeting starts, a specialist who is not a coordinator
    or chair reads a case's summary only once they have given their own opinion on it.
    """
    if (
        coordinator
        or not meeting.board.opinions_blind
        or meeting_has_started(meeting)
        or not can_give_opinions(user)
    ):
        return None
    given = set(
        Opinion.objects.filter(meeting=meeting, author=user).values_list("case_id", flat=True)
    )
    all_cases = set(meeting.agenda_items.values_list("case_id", flat=True))
    return all_cases - given


@dataclass(frozen=True)
class PacketEntry:
    item: AgendaItem
    summary: PreMeetingSummary | None
    stale: bool
    withheld: bool

    @property
    def case(self):
        return self.item.case


def meeting_packet(meeting: Meeting, *, withheld: set[int] | None = None) -> list[PacketEntry]:
    """Every agenda item in agenda order with its latest summary and whether it is stale.

    A constant number of queries whatever the number of items and opinions.
    """
    items = _meeting_items(meeting, with_patient=True)
    summaries = latest_summaries([item.pk for item in items])
    entries = []
    for item in items:
        summary = summaries.get(item.pk)
        hidden = withheld is not None and item.case_id in withheld
        stale = summary is not None and summary.inputs_fingerprint != current_fingerprint(item)
        entries.append(
            PacketEntry(
                item=item,
                summary=None if hidden else summary,
                stale=stale,
                withheld=hidden,
            )
        )
    return entries


def summary_versions(item: AgendaItem) -> list[PreMeetingSummary]:
    """Every version of the item's summary, newest first, without their content."""
    return list(
        PreMeetingSummary.objects.filter(agenda_item=item)
        .defer("content", "inputs")
        .order_by("-version")
    )


def summary_detail(item: AgendaItem, *, version: int | None = None) -> PacketEntry:
    """The item's latest summary (or the given version) and whether the inputs changed since."""
    (loaded,) = _summary_queryset(AgendaItem.objects.filter(pk=item.pk), with_patient=True)
    qs = PreMeetingSummary.objects.filter(agenda_item=item)
    summary = (qs.filter(version=version) if version else qs.order_by("-version")).first()
    current = current_fingerprint(loaded)
    return PacketEntry(
        item=loaded,
        summary=summary,
        stale=summary is not None and summary.inputs_fingerprint != current,
        withheld=False,
    )
