"""Is a case ready for the board? The one readiness rule, for the status change to "ready"
(cases.services.case_transition), the agenda and the worklists (scheduling re-exports it).

It lives with the cases because a case's status depends on it; the board is reached through the
case (its `mri_max_age_days` and `time_zone`), so cases import nothing of scheduling.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from .assessment import stored_case_assessment
from .models import Case, CaseAttachment, SpinalLesion

# --- readiness --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Readiness:
    """Whether a case can be discussed: `missing` data and `stale` data, in words for the UI."""

    ready: bool
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [*self.missing, *self.stale]


def board_today(board: Any) -> dt.date:
    return timezone.localdate(timezone=ZoneInfo(board.time_zone))


def _lesions(case: Case) -> list[SpinalLesion]:
    return list(case.lesions.all())  # uses a prefetch when the caller made one


def attached_mri_dates(case: Case) -> list[dt.date]:
    """The study dates of the case's MRI attachments (the date given, else the DICOM header's):
    a prefetch of `attachments` is used when the caller made one."""
    return [
        row.effective_study_date
        for row in case.attachments.all()
        if (row.kind == CaseAttachment.Kind.MRI or row.dicom_modality.upper() == "MR")
        and row.effective_study_date
    ]


def latest_spine_mri(case: Case, board: Any | None = None) -> dt.date | None:
    """The most recent dated MRI among the case's lesions (one MRI usually covers the spine),
    and among its attached MRI studies when the board counts them (`mri_from_attachments`;
    only then are the attachments read)."""
    dates = [
        lesion.imaging_date
        for lesion in _lesions(case)
        if lesion.imaging_modality == SpinalLesion.Modality.MRI and lesion.imaging_date
    ]
    board = board or case.board
    if getattr(board, "mri_from_attachments", False):
        dates.extend(attached_mri_dates(case))
    return max(dates, default=None)


def case_readiness(case: Case, board: Any | None = None, today: dt.date | None = None) -> Readiness:
    """Is the case ready for the board? Lists what is missing and what is out of date.

    Required, as the board's coordinators check before circulating an agenda:
    - the clinical question, stated;
    - a spine MRI no older than `board.mri_max_age_days` (the most recent MRI among the lesions,
      and the attached MRI studies when `board.mri_from_attachments`; older → `stale`; none →
      `missing`);
    - histology: whether the diagnosis is tissue-proven (`histology_confirmed`) and, if it is,
      the histological type. A case recorded as *not* tissue-proven is ready in this respect:
      whether to biopsy is then one of the board's questions;
    - performance status: KPS or ECOG;
    - neurological examination: a Frankel or ASIA grade and the examination date. Only the MRI has
      a configurable recency window; an examination date in the future is reported as stale;
    - the inputs the prognostic and decision scores need: revised Tokuhashi, Tomita and NOMS (per
      lesion), as stored (`cases.assessment.stored_case_assessment`). None of the scores
      implemented here (SINS, ESCC, revised Tokuhashi, Tomita, NOMS, Patchell) needs laboratory
      values and the case model records none, so readiness checks these score inputs instead of
      labs.

    `board` defaults to the case's board; `today` to the current date in the board's time zone.
    Pass cases with `lesions` prefetched and `stored_assessment` joined to avoid queries per case.
    """
    board = board or case.board
    today = today or board_today(board)
    missing: list[str] = []
    stale: list[str] = []

    if not (case.clinical_question or "").strip():
        missing.append("Clinical question for the board")

    mri = latest_spine_mri(case, board)
    if mri is None:
        missing.append(
            "Spine MRI (no dated MRI on any lesion or attachment)"
            if board.mri_from_attachments
            else "Spine MRI (no dated MRI on any lesion)"
        )
    elif (today - mri).days > board.mri_max_age_days:
        stale.append(
            f"Spine MRI of {mri:%d %b %Y} is {(today - mri).days} days old; "
            f"this board accepts up to {board.mri_max_age_days} days"
        )

    if case.histology_confirmed is None:
        missing.append("Histology: whether the diagnosis is tissue-proven")
    elif case.histology_confirmed and not (case.histology or "").strip():
        missing.append("Histology: the tissue-proven type")

    if case.kps is None and case.ecog is None:
        missing.append("Performance status (KPS or ECOG)")

    if not (case.frankel_grade or case.asia_grade):
        missing.append("Neurological examination: Frankel or ASIA grade")
    if case.neuro_exam_date is None:
        missing.append("Neurological examination: date")
    elif case.neuro_exam_date > today:
        stale.append(f"Neurological examination dated in the future ({case.neuro_exam_date})")

    missing.extend(score_inputs_missing(case))
    return Readiness(ready=not (missing or stale), missing=missing, stale=stale)


def score_inputs_missing(case: Case) -> list[str]:
    """What the revised Tokuhashi, Tomita and per-lesion NOMS still need, e.g.
    "Tokuhashi (revised): Karnofsky (KPS)". Empty when every one of them is computable."""
    assessment = stored_case_assessment(case)
    missing = [
        f"{label}: {item}"
        for label, score in (
            ("Tokuhashi (revised)", assessment.tokuhashi),
            ("Tomita", assessment.tomita),
        )
        if not score.computable
        for item in score.missing
    ]
    for lesion in assessment.lesions:
        if not lesion.noms.computable:
            missing.extend(f"NOMS at {lesion.level}: {item}" for item in lesion.noms.missing)
    if not assessment.lesions:
        missing.append("NOMS: no spinal lesion recorded")
    return missing
