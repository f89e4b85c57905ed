"""The decision record of an agenda item: opened (pre-filled) once, then changed by the members of
the board from the version they read, until the plan is signed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from recommendations.models import ConsensusPlan, DecisionRecord, PreMeetingSummary
from scheduling.models import AgendaItem, Meeting
from tumorboard.errors import ApplicationError
from tumorboard.services import check_version, save_validated

from .common import (
    bump,
    clean_text,
    fail,
    plan_context,
    refuse_if_blind,
    refuse_if_signed,
    require_member,
)
from .options import clean_options, clean_supportive
from .prefill import patient_goals_text, prefill_from_case, prefill_questions_from_summary

RECORD_FIELDS = frozenset(
    {
        "options",
        "supportive_care",
        "patient_goals",
        "patient_involvement",
        "involvement_note",
        "uncertainties",
        "information_needed",
    }
)


@transaction.atomic
def decision_record_open(*, agenda_item: AgendaItem, by: AbstractBaseUser) -> DecisionRecord:
    """The decision record of an agenda item, created on first use with its draft plan.

    Pre-filled with exactly the options the submitted opinions and NOMS per lesion raised, each
    naming who or which rule raised it, and the supportive measures apart; the uncertainties and
    information still needed from the item's latest pre-meeting summary when it states them, else
    from the opinions; the patient's goals from the case.

    The record carries the opinions' options, so it is opened only by someone the blind-opinion
    rule lets read every opinion on the case (`recommendations.opinions.selectors.
    opinion_visibility`); the meeting screen hides it from the others likewise. Idempotent:
    opening it again returns the existing record (the agenda item row is locked, so two people
    opening it at once get the same record).
    """
    item = (
        AgendaItem.objects.select_for_update(of=("self",))
        .select_related("meeting__board", "case__board")
        .get(pk=agenda_item.pk)
    )
    require_member(item.meeting.board, by)
    refuse_if_blind(by, item, item.case)
    existing = DecisionRecord.objects.filter(agenda_item=item).first()
    if existing is not None:
        return existing
    if item.meeting.status == Meeting.Status.CANCELLED:
        fail("meeting", "This meeting was cancelled.", "A cancelled meeting records no decisions.")
    summary = PreMeetingSummary.objects.filter(agenda_item=item).order_by("-version").first()
    prefill = prefill_from_case(item)
    if summary is not None and not prefill_questions_from_summary(prefill, summary.content):
        summary = None
    record = DecisionRecord(
        agenda_item=item,
        prefilled_from=summary,
        options=prefill.options,
        supportive_care=prefill.supportive_care,
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
        elif name == "supportive_care":
            value = clean_supportive(value)
        elif name == "patient_involvement":
            value = value or ""
            if value not in ("", *DecisionRecord.Involvement.values):
                fail(
                    name,
                    "Choose one of: " + ", ".join(DecisionRecord.Involvement.values) + ".",
                )
        else:
            value = clean_text(
                value, field=name, limit=10_000, label=name.replace("_", " ").capitalize()
            )
        setattr(record, name, value)
    if (
        record.patient_involvement == DecisionRecord.Involvement.NOT_INVOLVED
        and not record.involvement_note
    ):
        fail("involvement_note", "Say why the patient and family are not involved.")


@transaction.atomic
def decision_record_update(
    *, record: DecisionRecord, expected_version: int | None, by: AbstractBaseUser, **fields: Any
) -> DecisionRecord:
    """Change the shared decision record from the version the writer last saw.

    Refused (StaleVersionError, with the current record) when someone saved in between, and
    once the plan is signed; refused to whoever the blind-opinion rule keeps the record from
    (`refuse_if_blind`). A save that changes nothing keeps the version.
    """
    plan = ConsensusPlan.objects.select_for_update().get(decision_id=record.pk)
    current = DecisionRecord.objects.select_for_update().get(pk=record.pk)
    _, item, meeting, case = plan_context(plan)
    require_member(meeting.board, by)
    refuse_if_blind(by, item, case)
    refuse_if_signed(plan)
    check_version(current, expected_version, "decision record")
    before = {name: getattr(current, name) for name in RECORD_FIELDS}
    _apply_record(current, fields)
    if all(getattr(current, name) == before[name] for name in RECORD_FIELDS):
        return current
    bump(current, by=by)
    return current
