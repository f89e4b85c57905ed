"""Writes to a board's settings: its name and time zone, how it coordinates (opinion deadline,
agenda circulation, the MRI age limit for readiness, minutes per case, blind opinions), its quorum
rule (required disciplines, members present at least) and its decision-support settings.

The settings decide the points the literature leaves open (docs/scoring.md): whether Bilsky grade
1c counts as high grade, how intermediate histologies are treated, which SBRT regimens the
board offers, and the (unconfirmed) thresholds at which a patient counts as too ill for any local
treatment in NOMS; and the contact numbers every patient summary gives (care team, out of
hours). Coordinators and chairs of the board change them (`scheduling.access`); every change is
kept in the board's history with the user who made it.
"""

from __future__ import annotations

import re

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from cases import tasks as case_tasks
from cases.assessment import BOARD_SETTINGS_READ, regimens_as_settings, regimens_from_settings
from tumorboard.errors import BAD_INPUT, ApplicationError
from tumorboard.queue import enqueue_on_commit
from tumorboard.services import save_validated

from ..access import can_coordinate
from ..models import Board, Discipline, validate_follow_up_days
from ..recurrence import time_zone_problem

COORDINATION_FIELDS = (
    "name",
    "time_zone",
    "opinion_deadline_hours",
    "agenda_circulation_hours",
    "mri_max_age_days",
    "mri_from_attachments",
    "default_case_minutes",
    "opinions_blind",
    "follow_up_days",
)
QUORUM_FIELDS = ("required_disciplines", "quorum_min_present")
# The targets the results page measures against (checked by the model's ranges).
TARGET_FIELDS = (
    "target_referral_to_meeting_days",
    "target_urgent_hours",
    "target_plan_signed_days",
    "target_treatment_days",
)
SETTINGS_FIELDS = (
    *COORDINATION_FIELDS,
    *QUORUM_FIELDS,
    *TARGET_FIELDS,
    "escc_1c_high_grade",
    "intermediate_histology",
    "sbrt_regimens",
    "too_ill_kps_at_most",
    "too_ill_ecog_at_least",
    "too_ill_survival_under_months",
    "care_team_phone",
    "out_of_hours_phone",
)
PHONE_FIELDS = ("care_team_phone", "out_of_hours_phone")
# Digits with the usual separators ("+44 20 7946 0000", "(020) 7946-0000 ext. 12").
_PHONE = re.compile(r"^\+?[0-9 ()./-]{6,30}(?:\s*(?:ext\.?|x)\s*[0-9]{1,6})?$")
PHONE_HELP = "Give a phone number: digits, spaces, + ( ) - . only, e.g. +44 20 7946 0000."


def phone_problem(value: object) -> str | None:
    """Why a phone number setting is unusable (None: fine; empty clears it)."""
    if not isinstance(value, str):
        return PHONE_HELP
    value = value.strip()
    if value and (not _PHONE.match(value) or sum(c.isdigit() for c in value) < 6):
        return PHONE_HELP
    return None


NOT_ALLOWED = "Only the board's coordinators and chair can change its settings."


def _disciplines(value: object) -> tuple[list[str], str | None]:
    """The required disciplines, once each in the order of `Discipline`, or why not."""
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        return [], "Choose disciplines from the list."
    unknown = sorted(set(value) - set(Discipline.values))
    if unknown:
        return [], f"Not a discipline of the board: {', '.join(unknown)}."
    return [d for d in Discipline.values if d in value], None


@transaction.atomic
def board_settings_update(*, board: Board, by: AbstractBaseUser, **fields) -> Board:
    """Change some of the board's settings (SETTINGS_FIELDS); returns the saved board.

    Numbers are checked against the model's ranges (full_clean: opinion deadline and agenda
    circulation 0-336 hours, MRI age 1-365 days, 1-120 minutes per case, 1-50 members present),
    the time zone against the IANA list (`recurrence.time_zone_names`) and the required
    disciplines against `Discipline`; ``follow_up_days`` (when the patients are seen again after
    the main treatment) is a list of whole days 1–1825 in increasing order, at most 8
    (`scheduling.models.validate_follow_up_days`); a change applies to follow-ups scheduled
    from then on.

    ``sbrt_regimens`` is a list of {"total_dose_gy": > 0, "fractions": 1-10}; an empty list means
    the project list (clinical.regimens.SBRT_REGIMENS). Bad input raises an
    ApplicationError with a message per field and changes nothing; a user who is not a
    coordinator or chair of the board gets PermissionDenied. A change to a setting the assessment
    reads queues the refresh of the board's stored assessments on commit
    (`cases.tasks.board_assessments_refresh`).
    """
    unknown = sorted(set(fields) - set(SETTINGS_FIELDS))
    if unknown:
        raise TypeError(f"not a board decision-support setting: {', '.join(unknown)}")
    if not can_coordinate(by, board):
        raise PermissionDenied(NOT_ALLOWED)

    errors: dict[str, list[str]] = {}
    for name in ("escc_1c_high_grade", "opinions_blind"):
        if name in fields and not isinstance(fields[name], bool):
            errors[name] = ["Choose yes or no."]
    if "name" in fields:
        fields["name"] = " ".join(str(fields["name"] or "").split())
    if "time_zone" in fields:
        problem = time_zone_problem(fields["time_zone"])
        if problem:
            errors["time_zone"] = [problem]
    if "required_disciplines" in fields:
        disciplines, problem = _disciplines(fields["required_disciplines"])
        if problem:
            errors["required_disciplines"] = [problem]
        else:
            fields["required_disciplines"] = disciplines
    for name in PHONE_FIELDS:
        if name in fields:
            problem = phone_problem(fields[name])
            if problem:
                errors[name] = [problem]
            else:
                fields[name] = " ".join(fields[name].split())
    if "follow_up_days" in fields:
        try:
            validate_follow_up_days(fields["follow_up_days"])
        except ValidationError as exc:
            errors["follow_up_days"] = exc.messages
    if "sbrt_regimens" in fields:
        regimens, problems = regimens_from_settings(fields["sbrt_regimens"])
        if problems:
            errors["sbrt_regimens"] = problems
        else:
            fields["sbrt_regimens"] = regimens_as_settings(regimens)
    if errors:
        raise ApplicationError(BAD_INPUT, fields=errors)

    # Change the locked row, not the caller's copy: a refusal leaves the caller's board as it was,
    # and a concurrent change to another setting is not overwritten.
    locked = Board.objects.select_for_update().get(pk=board.pk)
    changed = any(
        getattr(locked, name) != value
        for name, value in fields.items()
        if name in BOARD_SETTINGS_READ  # the phone numbers change no assessment
    )
    for name, value in fields.items():
        setattr(locked, name, value)
    save_validated(locked, by=by)
    if changed:
        # The board's cases are assessed under these settings: store them again, in batches,
        # once the change commits (until then, and until the task has run, pages compute them).
        enqueue_on_commit(case_tasks.board_assessments_refresh, args=[locked.pk])
    return locked
