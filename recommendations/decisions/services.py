"""Every write of meeting mode: the shared decision record, the consensus plan and its activities,
dissents, the chair's sign-off and later amendments.

Keyword-only, atomic, validated before saving and attributed to `by`; every save leaves a history
row (django-simple-history) so the record and the plan can be read as they were at any time.

Concurrency. Several people type into the same record during the meeting. The decision record and
the plan each carry a `version`: a write names the version it was based on, the row is locked
(`SELECT ... FOR UPDATE`) and compared, and a stale write is refused with `StaleVersionError`
(which carries the current row) instead of overwriting someone else's words. The plan's version
covers its activities and dissents too: adding, changing or removing one bumps it, so whoever
edits the plan next from an older screen is told.

Lock order (no deadlocks with scheduling, which locks meeting → case): meeting → plan → decision
record / activity → case.

Who may write: clinical staff who are members of the meeting's board. Only a chair of the board
signs; only a chair or coordinator of the board amends a signed plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from cases.assessment import case_assessment
from cases.models import Case
from cases.services import case_transition
from recommendations.models import (
    ConsensusPlan,
    DecisionRecord,
    Dissent,
    Opinion,
    PlanActivity,
    PlanAmendment,
    PreMeetingSummary,
)
from recommendations.opinions.options import option_label
from scheduling.models import AgendaItem, Board, BoardMembership, Discipline, Meeting, Notification
from scheduling.notifications import notify
from scheduling.rules import board_coordinators, meeting_has_started, meeting_quorum
from tumorboard.errors import ApplicationError, ConflictError
from tumorboard.roles import is_staff_member
from tumorboard.services import save_validated

# --- the shapes the services accept -----------------------------------------------------------

RECORD_FIELDS = frozenset(
    {
        "options",
        "patient_goals",
        "patient_involvement",
        "involvement_note",
        "uncertainties",
        "information_needed",
    }
)
PLAN_FIELDS = frozenset({"outcome", "summary"})
# A signed plan's own fields that an amendment may change (the outcome moved the case already).
AMENDABLE_PLAN_FIELDS = frozenset({"summary"})
ACTIVITY_FIELDS = frozenset(
    {
        "kind",
        "description",
        "details",
        "responsible_discipline",
        "responsible_user",
        "due_date",
        "position",
    }
)
# What each considered option is weighed on (the four headings).
ASPECTS: tuple[tuple[str, str], ...] = (
    ("neurological", "Neurological"),
    ("local_control", "Local control"),
    ("pain_quality_of_life", "Pain and quality of life"),
    ("recovery_time", "Recovery time"),
)
ASPECT_KEYS = tuple(key for key, _label in ASPECTS)
OPTION_SOURCES: tuple[tuple[str, str], ...] = (
    ("noms", "NOMS suggestion"),
    ("opinion", "Specialist opinion"),
    ("board", "Raised at the board"),
)
OPTION_KEYS = frozenset({"option", "source", "benefits", "risks", "fits_goals"})
MAX_OPTIONS = 20
OPTION_TEXT_MAX = 300
ASPECT_TEXT_MAX = 2000
DETAIL_TEXT_MAX = 200
REASON_MAX = 1000
# Options of the discipline lists that are reviews, not treatments a board weighs.
NOT_TREATMENT_OPTIONS = frozenset({"imaging_review", "pathology_review"})
# Activities that may still change or go in an amendment; done/not done ones are history.
AMENDABLE_STATUSES = frozenset({PlanActivity.Status.PLANNED, PlanActivity.Status.IN_PROGRESS})
REMOVABLE_STATUSES = frozenset({PlanActivity.Status.PLANNED})
REASON_STATUSES = frozenset({PlanActivity.Status.NOT_DONE, PlanActivity.Status.CHANGED_BY_PATIENT})

RADIATION_TIMING: tuple[tuple[str, str], ...] = (
    ("before_surgery", "Before surgery"),
    ("after_surgery", "After surgery (once the wound allows)"),
    ("without_surgery", "No surgery planned"),
)
PAIN_PROCEDURES: tuple[tuple[str, str], ...] = (
    ("none", "No procedure"),
    ("nerve_block", "Nerve block"),
    ("spinal_cord_stimulation", "Spinal cord stimulation"),
    ("intrathecal_pump", "Intrathecal pump"),
)


@dataclass(frozen=True)
class DetailField:
    """One structured detail of an activity, e.g. the radiation regimen, for the kinds it fits."""

    key: str
    label: str
    kinds: frozenset[str]
    choices: tuple[tuple[str, str], ...] = ()


K = PlanActivity.Kind
DETAIL_FIELDS: tuple[DetailField, ...] = (
    DetailField("surgery_type", "Surgery type", frozenset({K.SURGERY})),
    DetailField("regimen", "Radiation regimen", frozenset({K.RADIATION})),
    DetailField("timing", "Timing relative to surgery", frozenset({K.RADIATION}), RADIATION_TIMING),
    DetailField("agent", "Agent or class, line", frozenset({K.SYSTEMIC})),
    DetailField("medication", "Medication", frozenset({K.PAIN, K.PALLIATIVE})),
    DetailField("procedure", "Pain procedure", frozenset({K.PAIN}), PAIN_PROCEDURES),
    DetailField("referral", "Palliative referral", frozenset({K.PALLIATIVE})),
    DetailField("goals", "Rehabilitation goals", frozenset({K.REHABILITATION})),
    DetailField("bracing", "Bracing", frozenset({K.REHABILITATION})),
    DetailField("therapy", "Therapy", frozenset({K.REHABILITATION})),
    DetailField("modality", "Imaging", frozenset({K.IMAGING})),
    DetailField("interval", "When", frozenset({K.IMAGING})),
    DetailField("note", "Note", frozenset(K.values)),
)
DETAIL_FIELDS_BY_KEY = {field.key: field for field in DETAIL_FIELDS}

LOCKED = "The plan is signed and locked: change it with an amendment (reason required)."
NOT_SIGNED = "Only a signed plan is amended; change the draft directly."


class StaleVersionError(ConflictError):
    """The record changed since the client read it; `current` is the row as it is now."""

    def __init__(self, current: DecisionRecord | ConsensusPlan, what: str):
        super().__init__(
            f"Someone else saved this {what} while you were editing (it is now at version "
            f"{current.version}). Nothing was saved: review their change, then save again.",
            fields={"version": [f"The current version is {current.version}."]},
            code="stale",
        )
        self.current = current


class VersionRequiredError(ApplicationError):
    """A change that does not say which version it is based on (the API answers 428)."""

    def __init__(self, what: str):
        super().__init__(
            f"Say which version of the {what} you are changing.",
            fields={"version": ['Send the version you read (or an If-Match: "<version>" header).']},
            code="version_required",
        )


# --- helpers ----------------------------------------------------------------------------------


def _fail(field: str, message: str, summary: str = "Please correct the errors below.") -> None:
    raise ApplicationError(summary, fields={field: [message]})


def _board_roles(board: Board, user: AbstractBaseUser) -> set[str]:
    return set(
        BoardMembership.objects.filter(board=board, user_id=user.pk).values_list("role", flat=True)
    )


def _require_member(board: Board, user: AbstractBaseUser) -> set[str]:
    """The user's roles on the board; PermissionDenied unless clinical staff of it."""
    if not is_staff_member(user):
        raise PermissionDenied("Only clinical staff of the board work on its decisions.")
    if user.is_superuser:
        return {BoardMembership.Role.CHAIR, BoardMembership.Role.COORDINATOR}
    roles = _board_roles(board, user)
    if not roles:
        raise PermissionDenied("Only members of the meeting's board work on its decisions.")
    return roles


def _check_version(current, expected: int | None, what: str) -> None:
    if expected is None:
        raise VersionRequiredError(what)
    if current.version != expected:
        raise StaleVersionError(current, what)


def _lock_plan(plan: ConsensusPlan) -> ConsensusPlan:
    return ConsensusPlan.objects.select_for_update().get(pk=plan.pk)


def _plan_context(plan: ConsensusPlan) -> tuple[DecisionRecord, AgendaItem, Meeting, Case]:
    record = DecisionRecord.objects.select_related(
        "agenda_item__meeting__board", "agenda_item__case__board"
    ).get(pk=plan.decision_id)
    item = record.agenda_item
    return record, item, item.meeting, item.case


def _refuse_if_signed(plan: ConsensusPlan) -> None:
    if plan.status == ConsensusPlan.Status.SIGNED:
        raise ConflictError(LOCKED, fields={"plan": [LOCKED]}, code="locked")


def _set_reason(obj, reason: str) -> None:
    """The history row's change reason (its column holds 100 characters)."""
    if reason:
        obj._change_reason = reason if len(reason) <= 100 else reason[:99] + "…"


def _bump(obj, *, by, reason: str = "") -> None:
    obj.version += 1
    _set_reason(obj, reason)
    save_validated(obj, by=by)


def _text(value: Any, *, field: str, limit: int, label: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        _fail(field, f"{label}: give text.")
    value = value.strip()
    if len(value) > limit:
        _fail(field, f"{label}: keep it to {limit} characters.")
    return value


# --- the decision record ----------------------------------------------------------------------


def _aspects(value: Any, *, where: str, errors: list[str]) -> dict[str, str]:
    if value in (None, ""):
        value = {}
    if not isinstance(value, Mapping):
        errors.append(f"{where}: give an object with {', '.join(ASPECT_KEYS)}.")
        return dict.fromkeys(ASPECT_KEYS, "")
    unknown = sorted(set(value) - set(ASPECT_KEYS))
    if unknown:
        errors.append(
            f"{where}: unknown heading(s) {', '.join(unknown)}; use {', '.join(ASPECT_KEYS)}."
        )
    cleaned = {}
    for key in ASPECT_KEYS:
        text = value.get(key) or ""
        if not isinstance(text, str):
            errors.append(f"{where} ({key}): give text.")
            text = ""
        text = text.strip()
        if len(text) > ASPECT_TEXT_MAX:
            errors.append(f"{where} ({key}): keep it to {ASPECT_TEXT_MAX} characters.")
        cleaned[key] = text
    return cleaned


def clean_options(value: Any) -> list[dict[str, Any]]:
    """The considered options in their stored shape, or an ApplicationError naming each problem.

    Each option: {"option": text, "source": noms|opinion|board (default board), "benefits":
    {neurological, local_control, pain_quality_of_life, recovery_time}, "risks": {same},
    "fits_goals": how it serves the patient's goals}. Missing headings are stored empty.
    """
    if value is None:
        value = []
    if not isinstance(value, list):
        _fail("options", "Give a list of options.")
    if len(value) > MAX_OPTIONS:
        _fail("options", f"List at most {MAX_OPTIONS} options.")
    errors: list[str] = []
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    sources = {key for key, _label in OPTION_SOURCES}
    for number, item in enumerate(value, 1):
        where = f"Option {number}"
        if not isinstance(item, Mapping):
            errors.append(f"{where}: give an object with option, benefits, risks and fits_goals.")
            continue
        unknown = sorted(set(item) - OPTION_KEYS)
        if unknown:
            errors.append(f"{where}: {', '.join(unknown)} cannot be set on an option.")
        text = item.get("option")
        text = text.strip() if isinstance(text, str) else ""
        if not text:
            errors.append(f"{where}: name the option.")
        elif len(text) > OPTION_TEXT_MAX:
            errors.append(f"{where}: keep the option to {OPTION_TEXT_MAX} characters.")
        elif text.casefold() in seen:
            errors.append(f"{where}: “{text}” is listed twice.")
        seen.add(text.casefold())
        source = item.get("source") or "board"
        if source not in sources:
            errors.append(f"{where}: source must be one of {', '.join(sorted(sources))}.")
        fits = item.get("fits_goals") or ""
        if not isinstance(fits, str):
            errors.append(f"{where}: fits_goals is text.")
            fits = ""
        elif len(fits.strip()) > ASPECT_TEXT_MAX:
            errors.append(f"{where}: keep fits_goals to {ASPECT_TEXT_MAX} characters.")
        cleaned.append(
            {
                "option": text,
                "source": source,
                "benefits": _aspects(
                    item.get("benefits"), where=f"{where} benefits", errors=errors
                ),
                "risks": _aspects(item.get("risks"), where=f"{where} risks", errors=errors),
                "fits_goals": fits.strip(),
            }
        )
    if errors:
        raise ApplicationError("Please correct the errors below.", fields={"options": errors})
    return cleaned


def new_option(text: str, source: str) -> dict[str, Any]:
    return {
        "option": text,
        "source": source,
        "benefits": dict.fromkeys(ASPECT_KEYS, ""),
        "risks": dict.fromkeys(ASPECT_KEYS, ""),
        "fits_goals": "",
    }


# Pre-fill ---------------------------------------------------------------------------------------

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
            radiation = slug in {"cebrt", "sbrt", "reirradiation"}
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
    """Options computed now: NOMS per lesion (case_assessment) and the submitted opinions'
    options, deduplicated; the specialists' questions and data needs as uncertainties and
    information still needed."""
    prefill = Prefill(options=[], uncertainties=[], information_needed=[])
    assessment = case_assessment(item.case)
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


@transaction.atomic
def decision_record_open(*, agenda_item: AgendaItem, by: AbstractBaseUser) -> DecisionRecord:
    """The decision record of an agenda item, created on first use with its draft plan.

    Pre-filled from the item's latest pre-meeting summary when there is one (and it names
    options), else computed now from NOMS per lesion and the submitted opinions; the patient's
    goals come from the case. Idempotent: opening it again returns the existing record (the
    agenda item row is locked, so two people opening it at once get the same record).
    """
    item = (
        AgendaItem.objects.select_for_update(of=("self",))
        .select_related("meeting__board", "case__board")
        .get(pk=agenda_item.pk)
    )
    _require_member(item.meeting.board, by)
    existing = DecisionRecord.objects.filter(agenda_item=item).first()
    if existing is not None:
        return existing
    if item.meeting.status == Meeting.Status.CANCELLED:
        _fail("meeting", "This meeting was cancelled.", "A cancelled meeting records no decisions.")
    summary = PreMeetingSummary.objects.filter(agenda_item=item).order_by("-version").first()
    prefill = prefill_from_summary(summary.content) if summary is not None else None
    if prefill is None or not prefill.options:
        summary, prefill = None, prefill_from_case(item)
    record = DecisionRecord(
        agenda_item=item,
        prefilled_from=summary,
        options=prefill.options,
        patient_goals=patient_goals_text(item.case),
        uncertainties="\n".join(prefill.uncertainties),
        information_needed="\n".join(prefill.information_needed),
        version=1,
    )
    save_validated(record, by=by, creating=True)
    save_validated(ConsensusPlan(decision=record, version=1), by=by, creating=True)
    return record


def _apply_record(record: DecisionRecord, fields: Mapping[str, Any]) -> None:
    unknown = sorted(set(fields) - RECORD_FIELDS)
    if unknown:
        raise ApplicationError(
            "Please correct the errors below.",
            fields={name: ["This field cannot be set on a decision record."] for name in unknown},
        )
    for name, value in fields.items():
        if name == "options":
            value = clean_options(value)
        elif name == "patient_involvement":
            value = value or ""
            if value not in ("", *DecisionRecord.Involvement.values):
                _fail(
                    name,
                    "Choose one of: " + ", ".join(DecisionRecord.Involvement.values) + ".",
                )
        else:
            value = _text(
                value, field=name, limit=10_000, label=name.replace("_", " ").capitalize()
            )
        setattr(record, name, value)
    if (
        record.patient_involvement == DecisionRecord.Involvement.NOT_INVOLVED
        and not record.involvement_note
    ):
        _fail("involvement_note", "Say why the patient and family are not involved.")


@transaction.atomic
def decision_record_update(
    *, record: DecisionRecord, expected_version: int | None, by: AbstractBaseUser, **fields: Any
) -> DecisionRecord:
    """Change the shared decision record from the version the writer last saw.

    Refused (StaleVersionError, with the current record) when someone saved in between, and
    once the plan is signed. A save that changes nothing keeps the version.
    """
    plan = ConsensusPlan.objects.select_for_update().get(decision_id=record.pk)
    current = DecisionRecord.objects.select_for_update().get(pk=record.pk)
    _, _, meeting, _ = _plan_context(plan)
    _require_member(meeting.board, by)
    _refuse_if_signed(plan)
    _check_version(current, expected_version, "decision record")
    before = {name: getattr(current, name) for name in RECORD_FIELDS}
    _apply_record(current, fields)
    if all(getattr(current, name) == before[name] for name in RECORD_FIELDS):
        return current
    _bump(current, by=by)
    return current


# --- the plan ---------------------------------------------------------------------------------


def _clean_details(kind: str, details: Any) -> dict[str, str]:
    if details in (None, ""):
        return {}
    if not isinstance(details, Mapping):
        _fail("details", 'Give the details as an object, e.g. {"regimen": "8 Gy x 1"}.')
    errors, cleaned = [], {}
    for key, value in details.items():
        field = DETAIL_FIELDS_BY_KEY.get(key)
        if field is None or kind not in field.kinds:
            allowed = [f.key for f in DETAIL_FIELDS if kind in f.kinds]
            errors.append(
                f"“{key}” is not a detail of this kind of activity; use: {', '.join(allowed)}."
            )
            continue
        if value is None:
            continue
        if not isinstance(value, str):
            errors.append(f"{field.label}: give text.")
            continue
        value = value.strip()
        if not value:
            continue
        if len(value) > DETAIL_TEXT_MAX:
            errors.append(f"{field.label}: keep it to {DETAIL_TEXT_MAX} characters.")
        if field.choices and value not in {v for v, _label in field.choices}:
            errors.append(
                f"{field.label}: choose one of {', '.join(v for v, _l in field.choices)}."
            )
        cleaned[key] = value
    if errors:
        raise ApplicationError("Please correct the errors below.", fields={"details": errors})
    return cleaned


def _apply_activity(activity: PlanActivity, fields: Mapping[str, Any], board: Board) -> None:
    unknown = sorted(set(fields) - ACTIVITY_FIELDS)
    if unknown:
        raise ApplicationError(
            "Please correct the errors below.",
            fields={name: ["This field cannot be set on an activity."] for name in unknown},
        )
    for name, value in fields.items():
        if name == "description":
            value = _text(value, field=name, limit=300, label="Description")
        elif name in {"kind", "responsible_discipline"}:
            value = value or ""
        elif name == "responsible_user" and value is not None:
            if not BoardMembership.objects.filter(board=board, user_id=value.pk).exists():
                _fail(name, "The person responsible must be a member of the board.")
        elif name == "due_date" and value is not None and not isinstance(value, dt.date):
            _fail(name, "Give a date.")
        elif name == "position" and value is None:
            continue
        setattr(activity, name, value)
    if activity.kind not in PlanActivity.Kind.values:
        _fail("kind", "Choose one of: " + ", ".join(PlanActivity.Kind.values) + ".")
    if "details" in fields or "kind" in fields:
        activity.details = _clean_details(activity.kind, activity.details)
    if not activity.description:
        _fail("description", "Describe the activity.")
    if not activity.responsible_discipline and activity.responsible_user_id is None:
        _fail("responsible_discipline", "Name the responsible discipline or person.")


@dataclass
class ActivityChange:
    """One activity operation of a plan save or an amendment.

    action "add" (fields), "change" (activity + fields) or "remove" (activity).
    """

    action: str
    activity: PlanActivity | None = None
    fields: Mapping[str, Any] | None = None


def _describe(activity: PlanActivity) -> dict[str, Any]:
    return {
        "kind": activity.kind,
        "description": activity.description,
        "details": dict(activity.details or {}),
        "responsible_discipline": activity.responsible_discipline,
        "responsible_user": activity.responsible_user.get_username()
        if activity.responsible_user_id
        else None,
        "due_date": activity.due_date.isoformat() if activity.due_date else None,
        "status": activity.status,
        "position": activity.position,
    }


def _apply_changes(
    plan: ConsensusPlan,
    changes: Iterable[ActivityChange],
    *,
    board: Board,
    by: AbstractBaseUser,
    amending: bool = False,
    reason: str = "",
) -> tuple[list[dict[str, Any]], list[PlanActivity]]:
    """Apply activity operations to a locked plan. Returns a description of each change (for the
    amendment record) and the activities added or changed (whose owners are told)."""
    log: list[dict[str, Any]] = []
    touched: list[PlanActivity] = []
    next_position = (plan.activities.aggregate(top=Max("position"))["top"] or 0) + 1
    for number, change in enumerate(changes, 1):
        where = f"Activity {number}"
        try:
            if change.action == "add":
                activity = PlanActivity(plan=plan, status=PlanActivity.Status.PLANNED)
                fields = dict(change.fields or {})
                if fields.get("position") is None:
                    fields["position"] = next_position
                next_position = max(next_position, fields["position"]) + 1
                _apply_activity(activity, fields, board)
                _set_reason(activity, reason)
                save_validated(activity, by=by, creating=True)
                log.append(
                    {
                        "action": "added",
                        "activity": str(activity.uuid),
                        "after": _describe(activity),
                    }
                )
                touched.append(activity)
                continue
            if change.activity is None or change.activity.plan_id != plan.pk:
                _fail("activity", "No such activity on this plan.")
            activity = PlanActivity.objects.select_for_update().get(pk=change.activity.pk)
            before = _describe(activity)
            if change.action == "remove":
                if amending and activity.status not in REMOVABLE_STATUSES:
                    _fail(
                        "activity",
                        f"“{activity.description}” is {activity.get_status_display().lower()}: "
                        "record its status instead of removing it.",
                    )
                activity._history_user = by
                _set_reason(activity, reason)
                uuid = str(activity.uuid)
                activity.delete()
                log.append({"action": "removed", "activity": uuid, "before": before})
                continue
            if change.action != "change":
                _fail("action", "Use add, change or remove.")
            if amending and activity.status not in AMENDABLE_STATUSES:
                _fail(
                    "activity",
                    f"“{activity.description}” is {activity.get_status_display().lower()} and "
                    "can no longer change.",
                )
            _apply_activity(activity, change.fields or {}, board)
            after = _describe(activity)
            if after == before:
                continue
            _set_reason(activity, reason)
            save_validated(activity, by=by)
            diff = {k: {"old": before[k], "new": after[k]} for k in after if after[k] != before[k]}
            log.append({"action": "changed", "activity": str(activity.uuid), "changes": diff})
            if set(diff) - {"position"}:
                touched.append(activity)
        except ApplicationError as exc:
            fields = {k: [f"{where}: {m}" for m in v] for k, v in exc.fields.items()}
            raise ApplicationError(exc.message, fields=fields, code=exc.code) from exc
    return log, touched


def _plan_for_write(plan: ConsensusPlan, by, expected_version: int | None, *, required: bool):
    """Lock the plan, check the writer's membership, refuse a signed plan and a stale version."""
    plan = _lock_plan(plan)
    record, item, meeting, case = _plan_context(plan)
    _require_member(meeting.board, by)
    _refuse_if_signed(plan)
    if required or expected_version is not None:
        _check_version(plan, expected_version, "plan")
    return plan, meeting.board


def _apply_plan_fields(plan: ConsensusPlan, fields: Mapping[str, Any], allowed=PLAN_FIELDS) -> dict:
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ApplicationError(
            "Please correct the errors below.",
            fields={name: ["This field cannot be set on the plan here."] for name in unknown},
        )
    diff = {}
    for name, value in fields.items():
        if name == "outcome":
            value = value or ""
            if value not in ("", *ConsensusPlan.Outcome.values):
                _fail(name, "Choose one of: " + ", ".join(ConsensusPlan.Outcome.values) + ".")
        else:
            value = _text(value, field=name, limit=10_000, label="Summary")
        if getattr(plan, name) != value:
            diff[name] = {"old": getattr(plan, name), "new": value}
        setattr(plan, name, value)
    return diff


@transaction.atomic
def plan_update(
    *, plan: ConsensusPlan, expected_version: int | None, by: AbstractBaseUser, **fields: Any
) -> ConsensusPlan:
    """Change the draft plan's outcome or summary from the version the writer last saw."""
    plan, _board = _plan_for_write(plan, by, expected_version, required=True)
    if _apply_plan_fields(plan, fields):
        _bump(plan, by=by)
    return plan


@transaction.atomic
def plan_save(
    *,
    plan: ConsensusPlan,
    expected_version: int | None,
    by: AbstractBaseUser,
    fields: Mapping[str, Any] | None = None,
    activities: Iterable[ActivityChange] = (),
) -> ConsensusPlan:
    """The meeting screen's write: outcome, summary and activity rows in one go, one version."""
    plan, board = _plan_for_write(plan, by, expected_version, required=True)
    diff = _apply_plan_fields(plan, fields or {})
    log, _touched = _apply_changes(plan, list(activities), board=board, by=by)
    if diff or log:
        _bump(plan, by=by)
    return plan


@transaction.atomic
def activity_add(
    *,
    plan: ConsensusPlan,
    by: AbstractBaseUser,
    expected_version: int | None = None,
    **fields: Any,
) -> PlanActivity:
    """Add an activity to the draft plan (the plan's version moves on)."""
    plan, board = _plan_for_write(plan, by, expected_version, required=False)
    _log, touched = _apply_changes(plan, [ActivityChange("add", fields=fields)], board=board, by=by)
    _bump(plan, by=by)
    touched[0].plan = plan
    return touched[0]


@transaction.atomic
def activity_update(
    *,
    activity: PlanActivity,
    expected_version: int | None,
    by: AbstractBaseUser,
    **fields: Any,
) -> PlanActivity:
    """Change an activity of the draft plan; `expected_version` is the plan's version."""
    plan, board = _plan_for_write(activity.plan, by, expected_version, required=True)
    log, _touched = _apply_changes(
        plan, [ActivityChange("change", activity=activity, fields=fields)], board=board, by=by
    )
    if log:
        _bump(plan, by=by)
    activity = PlanActivity.objects.select_related("responsible_user").get(pk=activity.pk)
    activity.plan = plan
    return activity


@transaction.atomic
def activity_remove(
    *, activity: PlanActivity, expected_version: int | None, by: AbstractBaseUser
) -> ConsensusPlan:
    """Remove an activity from the draft plan (kept in its history); returns the plan."""
    plan, board = _plan_for_write(activity.plan, by, expected_version, required=True)
    _apply_changes(plan, [ActivityChange("remove", activity=activity)], board=board, by=by)
    _bump(plan, by=by)
    return plan


@transaction.atomic
def activity_set_status(
    *, activity: PlanActivity, status: str, reason: str = "", by: AbstractBaseUser
) -> PlanActivity:
    """Record how an activity stands: planned → in progress → done, or not done (with a reason),
    or changed at the patient's wish (with a reason). Follow-up: allowed on a signed plan, and
    it leaves the plan's version alone (the plan itself did not change)."""
    current = (
        PlanActivity.objects.select_for_update(of=("self",))
        .select_related("plan__decision__agenda_item__meeting__board")
        .get(pk=activity.pk)
    )
    board = current.plan.decision.agenda_item.meeting.board
    if not (is_staff_member(by) and current.responsible_user_id == by.pk):
        _require_member(board, by)
    if status not in PlanActivity.Status.values:
        _fail("status", "Choose one of: " + ", ".join(PlanActivity.Status.values) + ".")
    allowed = PlanActivity.TRANSITIONS[current.status]
    if status not in allowed:
        names = ", ".join(sorted(allowed)) or "none (final status)"
        raise ApplicationError(
            f"An activity cannot go from {current.get_status_display().lower()} to "
            f"{PlanActivity.Status(status).label.lower()}.",
            fields={"status": [f"Allowed next statuses: {names}."]},
        )
    reason = _text(reason, field="reason", limit=REASON_MAX, label="Reason")
    if status in REASON_STATUSES and not reason:
        _fail("reason", "Give the reason.", "A reason is required for this status.")
    current.status = status
    current.status_reason = reason
    _set_reason(current, reason)
    save_validated(current, by=by)
    return current


@transaction.atomic
def dissent_add(
    *,
    plan: ConsensusPlan,
    member: AbstractBaseUser,
    view: str,
    by: AbstractBaseUser,
    expected_version: int | None = None,
) -> Dissent:
    """Record a dissenting view by name (before sign-off; the plan's version moves on)."""
    plan, board = _plan_for_write(plan, by, expected_version, required=False)
    if not BoardMembership.objects.filter(board=board, user_id=member.pk).exists():
        _fail("member", "Only a member of the board can dissent.")
    view = _text(view, field="view", limit=REASON_MAX * 4, label="View")
    if not view:
        _fail("view", "State the dissenting view.")
    dissent = Dissent(plan=plan, member=member, view=view)
    save_validated(dissent, by=by, creating=True)
    _bump(plan, by=by)
    return dissent


# --- sign-off ---------------------------------------------------------------------------------


def activity_owners(activities: Iterable[PlanActivity], board: Board) -> dict[int, list]:
    """Who each activity reaches: its responsible person, else the board's members of its
    responsible discipline (one query for all)."""
    activities = list(activities)
    disciplines = {a.responsible_discipline for a in activities if not a.responsible_user_id}
    by_discipline: dict[str, list] = {}
    if disciplines:
        members = (
            get_user_model()
            .objects.filter(
                is_active=True,
                board_memberships__board=board,
                specialist_profile__discipline__in=disciplines,
            )
            .select_related("specialist_profile")
            .distinct()
            .order_by("pk")
        )
        for user in members:
            by_discipline.setdefault(user.specialist_profile.discipline, []).append(user)
    owners = {}
    for activity in activities:
        if activity.responsible_user_id:
            owners[activity.pk] = [activity.responsible_user]
        else:
            owners[activity.pk] = by_discipline.get(activity.responsible_discipline, [])
    return owners


def plan_link(plan: ConsensusPlan) -> str:
    return reverse("plan-page", kwargs={"plan_uuid": plan.uuid})


def _notify_owners(
    plan: ConsensusPlan,
    activities: Iterable[PlanActivity],
    board: Board,
    *,
    key: str,
    amended=False,
) -> int:
    """Tell each owner of each activity (deduplicated by `key`, activity and person). The row is
    written with the sign-off or amendment; the e-mail goes out once it commits (`notify`)."""
    activities = list(activities)
    sent = 0
    owners = activity_owners(activities, board)
    for activity in activities:
        due = f" Due {activity.due_date:%d %b %Y}." if activity.due_date else ""
        verb = "changed in an amended" if amended else "assigned in a signed"
        for user in owners.get(activity.pk, []):
            created = notify(
                recipient=user,
                kind=Notification.Kind.PLAN_ACTIVITY,
                dedupe_key=f"{key}:{activity.uuid}:{user.pk}",
                subject=f"{activity.get_kind_display()}: activity {verb} plan",
                body=f"{activity.description}.{due}\n"
                f"Status: {activity.get_status_display().lower()}. Please update it as it "
                "progresses.",
                link=plan_link(plan),
            )
            sent += created is not None
    return sent


def _move_case(plan: ConsensusPlan, record: DecisionRecord, case: Case, by) -> None:
    """The case follows the outcome (Case.TRANSITIONS):
    - agreed: scheduled → discussed → plan signed;
    - deferred pending information: scheduled → discussed → deferred, the reason being the
      information still needed; the coordinators put it back on an agenda when it arrives;
    - re-discuss: scheduled → discussed, then deferred to the board's next planned meeting with
      scheduling's `case_defer` (which places it there, status scheduled, or leaves it deferred
      and says why, and tells the coordinators).
    """
    from scheduling.services import case_defer  # noqa: PLC0415 (scheduling imports this app)

    if case.status == Case.Status.SCHEDULED:
        case = case_transition(case=case, to=Case.Status.DISCUSSED, by=by)
    outcome = plan.outcome
    if outcome == ConsensusPlan.Outcome.AGREED:
        case_transition(case=case, to=Case.Status.PLAN_SIGNED, by=by)
    elif outcome == ConsensusPlan.Outcome.DEFERRED:
        reason = f"Deferred pending information: {record.information_needed}"
        case_transition(case=case, to=Case.Status.DEFERRED, by=by, reason=reason[:300])
        for user in board_coordinators(case.board):
            notify(
                recipient=user,
                kind=Notification.Kind.CASE_DEFERRED,
                dedupe_key=f"plan-deferred:{plan.uuid}:{user.pk}",
                subject=f"{case} deferred pending information",
                body=f"The board deferred {case} pending information:\n"
                f"{record.information_needed}\nPut it back on an agenda when it is available.",
                link=plan_link(plan),
            )
    else:
        case_defer(case=case, reason="Re-discuss at the next meeting (board decision)", by=by)


SIGNABLE_CASE_STATUSES = (Case.Status.SCHEDULED, Case.Status.DISCUSSED)


@transaction.atomic
def plan_sign(
    *,
    plan: ConsensusPlan,
    by: AbstractBaseUser,
    quorum_override_reason: str = "",
    expected_version: int | None = None,
) -> ConsensusPlan:
    """The chair signs the consensus plan; it is locked from then on.

    - Only a chair of the meeting's board signs, once the meeting has started (not cancelled).
    - The outcome is required; an agreed plan has at least one activity and says whether the
      patient and family were or will be involved; a deferral says what information is needed.
    - Quorum comes from the attendance (`scheduling.rules.meeting_quorum`). Without it the chair
      records why the board proceeds (`quorum_override_reason`), or the signing is refused.
    - The case moves with the outcome (see `_move_case`), and each activity's owner is notified.
    - `expected_version`, when given, must be the plan version the chair read.
    """
    plan = _lock_plan(plan)
    record, item, meeting, case = _plan_context(plan)
    # The meeting row only (not its board): scheduling locks board → meeting, never the reverse.
    meeting = (
        Meeting.objects.select_for_update(of=("self",)).select_related("board").get(pk=meeting.pk)
    )
    roles = _require_member(meeting.board, by)
    if BoardMembership.Role.CHAIR not in roles:
        raise PermissionDenied("Only the chair of the board signs the consensus plan.")
    _refuse_if_signed(plan)
    if expected_version is not None:
        _check_version(plan, expected_version, "plan")
    if meeting.status == Meeting.Status.CANCELLED or not meeting_has_started(meeting):
        _fail("plan", "The plan is signed at the meeting, once it has started.", "Not yet.")
    errors: dict[str, list[str]] = {}
    if not plan.outcome:
        errors["outcome"] = ["Record the outcome before signing."]
    activities = list(plan.activities.select_related("responsible_user").order_by("position", "pk"))
    if plan.outcome == ConsensusPlan.Outcome.AGREED:
        if not activities:
            errors["activities"] = ["An agreed plan has at least one activity."]
        if not record.patient_involvement:
            errors["patient_involvement"] = [
                "Record whether the patient and family were or will be involved."
            ]
    if plan.outcome == ConsensusPlan.Outcome.DEFERRED and not record.information_needed.strip():
        errors["information_needed"] = ["Say which information the decision waits for."]
    if case.status not in SIGNABLE_CASE_STATUSES:
        errors["case"] = [
            f"The case is {case.get_status_display().lower()}: only a scheduled or discussed "
            "case gets a signed plan."
        ]
    quorum = meeting_quorum(meeting)
    reason = _text(
        quorum_override_reason, field="quorum_override_reason", limit=REASON_MAX, label="Reason"
    )
    if not quorum.met and not reason:
        missing = ", ".join(
            Discipline(d).label if d in Discipline.values else d for d in quorum.missing_disciplines
        )
        errors["quorum_override_reason"] = [
            "Quorum is not met"
            + (f" (missing: {missing})" if missing else " (nobody is recorded as present)")
            + ". Record why the board proceeds without it."
        ]
    if errors:
        raise ApplicationError("The plan cannot be signed yet.", fields=errors)

    plan.status = ConsensusPlan.Status.SIGNED
    plan.signed_by = by
    plan.signed_at = timezone.now()
    plan.quorum_met = quorum.met
    plan.quorum_override_reason = "" if quorum.met else reason
    _bump(plan, by=by, reason="Signed")
    _move_case(plan, record, case, by)
    _notify_owners(plan, activities, meeting.board, key="plan-activity")
    return plan


# --- amendments -------------------------------------------------------------------------------


@transaction.atomic
def plan_amend(
    *,
    plan: ConsensusPlan,
    reason: str,
    by: AbstractBaseUser,
    changes: Mapping[str, Any] | None = None,
    activities: Iterable[ActivityChange] = (),
    expected_version: int | None = None,
) -> PlanAmendment:
    """Change a signed plan: a PlanAmendment records the reason, author, time, the version it
    amended and what changed; the history tables keep every earlier version readable.

    Only a chair or coordinator of the board amends. `changes` may set the summary; activities
    may be added, changed while planned or in progress, and removed while planned (an activity
    that has started or ended records its status instead). Owners of added or changed activities
    are notified.
    """
    plan = _lock_plan(plan)
    record, item, meeting, case = _plan_context(plan)
    roles = _require_member(meeting.board, by)
    if not roles & {BoardMembership.Role.CHAIR, BoardMembership.Role.COORDINATOR}:
        raise PermissionDenied("Only a chair or coordinator of the board amends a signed plan.")
    if plan.status != ConsensusPlan.Status.SIGNED:
        raise ConflictError(NOT_SIGNED, fields={"plan": [NOT_SIGNED]}, code="not_signed")
    if expected_version is not None:
        _check_version(plan, expected_version, "plan")
    reason = _text(reason, field="reason", limit=REASON_MAX, label="Reason")
    if not reason:
        _fail("reason", "Give the reason for the amendment.", "A reason is required.")
    version_before = plan.version
    diff = _apply_plan_fields(plan, changes or {}, allowed=AMENDABLE_PLAN_FIELDS)
    log, touched = _apply_changes(
        plan, list(activities), board=meeting.board, by=by, amending=True, reason=reason
    )
    if not diff and not log:
        _fail("changes", "The amendment changes nothing.", "Nothing to amend.")
    amendment = PlanAmendment(
        plan=plan,
        reason=reason,
        author=by,
        plan_version_before=version_before,
        changes={"plan": diff, "activities": log},
    )
    amendment.full_clean()
    amendment.save()
    _bump(plan, by=by, reason=f"Amendment: {reason}")
    _notify_owners(plan, touched, meeting.board, key=f"plan-amendment:{amendment.pk}", amended=True)
    return amendment
