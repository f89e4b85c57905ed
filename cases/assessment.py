"""A case's decision-support assessment: the case's data and its board's settings, handed to the
clinical core.

The rules live in the Django-free core (`clinical.assessment`, `clinical.flags`,
`clinical.regimens`); this module only reads what they need from the database: the board's
settings, the case's (prefetched) lesions and prior treatments, the field labels the board reads,
and the current time. The names other modules import from here are the core's, re-exported.

Computed once per change, read many times: `cases.services` stores each case's assessment
(`StoredAssessment`, built by `stored_assessment_row`) when its data change, and a board's when
its settings change. Pages, lists and the packet read it back with `stored_case_assessment` and
`stored_case_flags`, which compute afresh (and log it, without patient data) only when the stored
copy is missing, was made under other settings or another version of the core, or has passed
`valid_until` (the one time-dependent rule: Patchell's 48 h of paraplegia). Readers must
`select_related("stored_assessment")` (lists: deferring `stored_assessment__assessment`).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from django.db import models
from django.utils import timezone

from cases.models import Case, PriorTreatment, SpinalLesion, StoredAssessment
from clinical.assessment import (
    CASE_INPUTS,
    LESION_INPUTS,
    AssessmentSettings,
    CaseAssessment,
    Labels,
    LesionAssessment,
    Score,
    assess_case,
    assessment_fingerprint,
    context_fingerprint,
    flags_from_dicts,
    valid_until,
)
from clinical.flags import Flag, urgent_flags
from clinical.inputs import SINS_FIELDS
from clinical.regimens import (
    SbrtRegimens,
    regimens_as_settings,
    regimens_from_settings,
    sbrt_regimens_in_force,
)
from clinical.systemic import PROJECT_THRESHOLDS, SystemicThresholds

__all__ = [
    "SINS_FIELDS",
    "AssessmentSettings",
    "CaseAssessment",
    "Flag",
    "LesionAssessment",
    "SbrtRegimens",
    "Score",
    "board_assessment_settings",
    "board_sbrt_regimens",
    "board_systemic_thresholds",
    "case_assessment",
    "stored_assessment_row",
    "stored_case_assessment",
    "stored_case_flags",
    "regimens_as_settings",
    "regimens_from_settings",
    "urgent_flags",
]


def board_sbrt_regimens(board: Any) -> SbrtRegimens:
    """The board's own SBRT list when it has one and it reads, else the project list."""
    return sbrt_regimens_in_force(board.sbrt_regimens)


def board_systemic_thresholds(board: Any) -> SystemicThresholds:
    """When the board counts a patient too ill for local treatment (unconfirmed thresholds);
    ``from_board`` is False while they are the project defaults."""
    values = {
        "kps_at_most": board.too_ill_kps_at_most,
        "ecog_at_least": board.too_ill_ecog_at_least,
        "survival_under_months": board.too_ill_survival_under_months,
    }
    defaults = {name: getattr(PROJECT_THRESHOLDS, name) for name in values}
    return SystemicThresholds(**values, from_board=values != defaults)


def board_assessment_settings(board: Any) -> AssessmentSettings:
    """The board's answers to the disputed points, as the core takes them."""
    return AssessmentSettings(
        grade_1c_high=board.escc_1c_high_grade,
        intermediate_as=board.intermediate_histology,
        sbrt=board_sbrt_regimens(board),
        systemic=board_systemic_thresholds(board),
    )


def _labels(model: type[models.Model], names: tuple[str, ...]) -> dict[str, str]:
    # Read per call, not cached: a verbose name may be translated for the current request.
    return {name: str(model._meta.get_field(name).verbose_name) for name in names}


def _case_labels() -> Labels:
    return Labels(case=_labels(Case, CASE_INPUTS), lesion=_labels(SpinalLesion, LESION_INPUTS))


def case_assessment(case: Case, *, now: dt.datetime | None = None) -> CaseAssessment:
    """Compute every score for a case. Uses prefetched lesions/prior treatments when present."""
    return assess_case(
        case,
        list(case.lesions.all()),
        list(case.prior_treatments.all()),
        settings=board_assessment_settings(case.board),
        labels=_case_labels(),
        now=now or timezone.now(),
    )


# --- stored assessments --------------------------------------------------------------------

logger = logging.getLogger(__name__)


def stored_assessment_row(
    case: Case,
    lesions: Sequence[SpinalLesion],
    prior_treatments: Sequence[PriorTreatment],
    *,
    now: dt.datetime,
) -> StoredAssessment:
    """The (unsaved) stored assessment of a case with these lesions and prior treatments."""
    settings, labels = board_assessment_settings(case.board), _case_labels()
    assessment = assess_case(
        case, lesions, prior_treatments, settings=settings, labels=labels, now=now
    )
    data = assessment.to_dict()
    return StoredAssessment(
        case=case,
        assessment=data,
        flags=data["flags"],
        fingerprint=assessment_fingerprint(
            case, lesions, prior_treatments, settings=settings, labels=labels
        ),
        context_fingerprint=context_fingerprint(settings=settings, labels=labels),
        computed_at=now,
        valid_until=valid_until(case, now=now),
    )


def current_fingerprint(
    case: Case, lesions: Sequence[SpinalLesion], prior_treatments: Sequence[PriorTreatment]
) -> str:
    """The fingerprint an assessment of these data computed now would carry (no scoring)."""
    return assessment_fingerprint(
        case,
        lesions,
        prior_treatments,
        settings=board_assessment_settings(case.board),
        labels=_case_labels(),
    )


# Every board field the assessment reads (``board_assessment_settings``); the cache key of the
# context fingerprint. scheduling's SETTINGS_FIELDS must list the same (a test keeps them equal).
BOARD_SETTINGS_READ = (
    "escc_1c_high_grade",
    "intermediate_histology",
    "sbrt_regimens",
    "too_ill_kps_at_most",
    "too_ill_ecog_at_least",
    "too_ill_survival_under_months",
)


@functools.lru_cache(maxsize=256)
def _context_fingerprint(settings_json: str) -> str:
    board = SimpleNamespace(**json.loads(settings_json))
    return context_fingerprint(settings=board_assessment_settings(board), labels=_case_labels())


def board_context_fingerprint(board: Any) -> str:
    """The context fingerprint of the board's cases, cached per settings: every row of a list
    checks it. (The labels are plain verbose names, the same for every request.)"""
    values = {name: getattr(board, name) for name in BOARD_SETTINGS_READ}
    return _context_fingerprint(json.dumps(values, sort_keys=True))


def _fresh_stored(case: Case, now: dt.datetime | None) -> StoredAssessment | None:
    """The case's stored assessment if it still holds: made under the board's current settings
    and this core, and not past its `valid_until` (unless `now` is None: the flags do not depend
    on the time). Its data are kept current by every write."""
    try:
        stored = case.stored_assessment
    except StoredAssessment.DoesNotExist:
        reason = "missing"
    else:
        if stored.context_fingerprint != board_context_fingerprint(case.board):
            reason = "made under other settings or another core version"
        elif now is not None and stored.valid_until is not None and now >= stored.valid_until:
            reason = "past its valid_until"
        else:
            return stored
    # The reason only: no case or patient identifiers in the log. Count these lines to see how
    # many reads paid for a computation (e.g. before `cases_refresh_assessments` has run).
    logger.warning("Stored assessment %s: computed on read", reason)
    return None


def stored_case_assessment(case: Case, *, now: dt.datetime | None = None) -> CaseAssessment:
    """The case's assessment: the stored one while it holds, else computed now (the clinical
    core's answer either way)."""
    now = now or timezone.now()
    stored = _fresh_stored(case, now)
    if stored is None:
        return case_assessment(case, now=now)
    return CaseAssessment.from_dict(stored.assessment)


def stored_case_flags(case: Case) -> tuple[Flag, ...]:
    """The case's urgent flags: stored while they hold, else computed from the (prefetched)
    lesions. Reads only the stored `flags`, so lists may defer the full assessment."""
    stored = _fresh_stored(case, None)
    if stored is None:
        return urgent_flags(case, case.lesions.all(), grade_1c_high=case.board.escc_1c_high_grade)
    return flags_from_dicts(stored.flags)
