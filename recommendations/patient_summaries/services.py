"""Writes of the patient's plain-language summary: draft, edit, release, and single-use links.

Life cycle (every write below is keyword-only, atomic, attributed, and checks its own actor; the
history table keeps each version):

- draft: from a SIGNED plan only, by staff of the plan's board, in the patient's preferred
  language unless another is asked (the text itself is written by `generation`). A released
  summary is never changed: drafting again makes a new version that supersedes it once released.
- edit: draft or edited → edited; the reading grade and the glossary are measured again.
- release: by a clinician of the board: its chair, or a specialist member (`selectors.can_release`),
  once the board's settings give the care team's and the out-of-hours phone numbers and the text
  carries them (a patient must know whom to call; 400 otherwise).
  A coordinator may draft and edit (prepare) but not release: releasing is a clinical sign-off on
  what the patient reads. The patient is notified without any clinical detail or name.
- access links: single-use and expiring; only a SHA-256 of the token is stored. Redeeming is one
  conditional UPDATE (unused and unexpired → exactly one row), so two clicks race safely.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.models import Patient
from recommendations.models import ConsensusPlan, PatientAccessLink, PatientSummary
from recommendations.patient_summaries.generation import generate, summary_grade
from recommendations.patient_summaries.glossary import glossary_for
from recommendations.patient_summaries.selectors import can_release, patient_of, plan_with_case
from scheduling.access import is_board_member
from scheduling.models import Notification
from scheduling.notifications import notify
from tumorboard import bounds
from tumorboard.errors import ApplicationError, ConflictError
from tumorboard.services import check_version, save_validated

LANGUAGES = ("en", "es")
TITLE_MAX = 200
BODY_MAX = bounds.DOCUMENT_TEXT  # the model's limit (tumorboard.bounds)
LINK_HOURS_DEFAULT = 72
LINK_HOURS_MAX = 24 * 14
# After a link is redeemed, the browser session may keep reading that one summary for this long.
LINK_SESSION_SECONDS = 60 * 60


def _require_board_staff(user, plan: ConsensusPlan) -> None:
    if not is_board_member(user, plan.decision.agenda_item.meeting.board_id):
        raise PermissionDenied("Only staff of the plan's board work on its patient summaries.")


def _language(value: str | None, patient: Patient) -> str:
    language = value or patient.preferred_language or "en"
    if language not in LANGUAGES:
        raise ApplicationError(
            "Please correct the errors below.",
            fields={"language": [f"Choose one of: {', '.join(LANGUAGES)}."]},
        )
    return language


@transaction.atomic
def patient_summary_draft(
    *, plan: ConsensusPlan, by: AbstractBaseUser, language: str | None = None
) -> PatientSummary:
    """A new draft generated from a signed plan, in the patient's language unless told."""
    plan = plan_with_case(plan)
    _require_board_staff(by, plan)
    if plan.status != ConsensusPlan.Status.SIGNED:
        message = "A patient summary is drafted only from a signed plan."
        raise ApplicationError(message, fields={"plan": [message]}, code="plan_not_signed")
    language = _language(language, plan.decision.agenda_item.case.patient)
    generated = generate(plan, language)
    summary = PatientSummary(
        plan=plan,
        language=language,
        title=generated.title[:TITLE_MAX],
        body=generated.body,
        glossary=generated.glossary,
        reading_grade=generated.reading_grade,
        status=PatientSummary.Status.DRAFT,
    )
    summary._change_reason = "drafted from the signed plan"
    save_validated(summary, by=by, creating=True)
    return summary


def _clean_text(value: Any, *, field: str, limit: int, label: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ApplicationError(
            "Please correct the errors below.", fields={field: [f"{label} cannot be empty."]}
        )
    value = value.replace("\r\n", "\n").strip()
    if len(value) > limit:
        raise ApplicationError(
            "Please correct the errors below.",
            fields={field: [f"{label}: keep it to {limit} characters."]},
        )
    return value


RELEASED_IS_FINAL = (
    "A released summary is not changed: draft a new one from the plan, which replaces it "
    "once released."
)


@transaction.atomic
def patient_summary_edit(
    *,
    summary: PatientSummary,
    expected_version: int | None,
    by: AbstractBaseUser,
    title: str,
    body: str,
) -> PatientSummary:
    """The clinician's wording, from the version they read (a stale one is refused, so two
    clinicians never overwrite each other); the glossary and reading grade follow the text."""
    title = _clean_text(title, field="title", limit=TITLE_MAX, label="Title")
    body = _clean_text(body, field="body", limit=BODY_MAX, label="Text") + "\n"
    summary = PatientSummary.objects.select_for_update().get(pk=summary.pk)
    _require_board_staff(by, summary.plan)
    if summary.status == PatientSummary.Status.RELEASED:
        raise ConflictError(RELEASED_IS_FINAL, fields={"status": [RELEASED_IS_FINAL]})
    check_version(summary, expected_version, "patient summary")
    if summary.title == title and summary.body == body:
        return summary
    summary.title = title
    summary.body = body
    summary.glossary = glossary_for(f"{title}\n{body}", summary.language)
    summary.reading_grade = summary_grade(title, body, summary.glossary, summary.language)
    summary.status = PatientSummary.Status.EDITED
    summary._change_reason = "edited"
    summary.version += 1
    save_validated(summary, by=by)
    return summary


CONTACT_MISSING = (
    "Set the care team's phone number and the out-of-hours number in the board's settings, "
    "then draft the summary again: a patient must know whom to call."
)
CONTACT_NOT_IN_TEXT = (
    "The summary does not give the board's current phone numbers (%(numbers)s): draft it again "
    "or put them back in the text."
)


def _require_contact_numbers(summary: PatientSummary) -> None:
    """The board's care-team and out-of-hours numbers are set, and the text gives them."""
    board = summary.plan.decision.agenda_item.meeting.board
    numbers = [board.care_team_phone.strip(), board.out_of_hours_phone.strip()]
    if not all(numbers):
        raise ApplicationError(
            CONTACT_MISSING, fields={"contact": [CONTACT_MISSING]}, code="contact_missing"
        )
    missing = [number for number in numbers if number not in summary.body]
    if missing:
        message = CONTACT_NOT_IN_TEXT % {"numbers": ", ".join(missing)}
        raise ApplicationError(message, fields={"body": [message]}, code="contact_not_in_text")


@transaction.atomic
def patient_summary_release(*, summary: PatientSummary, by: AbstractBaseUser) -> PatientSummary:
    """Release to the patient (a clinician of the board only); the patient is told it is there."""
    summary = (
        PatientSummary.objects.select_for_update()
        .select_related("plan__decision__agenda_item__meeting__board")
        .get(pk=summary.pk)
    )
    _require_board_staff(by, summary.plan)
    if not can_release(by, summary):
        raise PermissionDenied(
            "Only a clinician of the board (its chair or a specialist member) releases a "
            "summary to the patient."
        )
    if summary.status == PatientSummary.Status.RELEASED:
        raise ConflictError("This summary is already released.", code="released")
    if summary.plan.status != ConsensusPlan.Status.SIGNED:
        raise ApplicationError("The plan is no longer signed; draft again from the signed plan.")
    _require_contact_numbers(summary)
    summary.status = PatientSummary.Status.RELEASED
    summary.released_by = by
    summary.released_at = timezone.now()
    summary._change_reason = "released to the patient"
    save_validated(summary, by=by)
    _notify_patient(summary)
    return summary


def _notify_patient(summary: PatientSummary) -> None:
    """Tell the patient a summary is waiting: no clinical detail, no name, a link by uuid."""
    patient = patient_of(summary)
    user = patient.user
    if user is None or not user.is_active:
        return
    with translation.override(_language(None, patient)):
        notify(
            recipient=user,
            kind=Notification.Kind.GENERAL,
            dedupe_key=f"patient-summary-released:{summary.uuid}",
            subject=_("A new summary from your care team"),
            body=_("Your care team has shared a new summary with you. Sign in to read it."),
            link=f"/my/summaries/{summary.uuid}/",
        )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def access_link_create(
    *, summary: PatientSummary, by: AbstractBaseUser, valid_hours: int = LINK_HOURS_DEFAULT
) -> str:
    """A single-use link token for one released summary; only its hash is kept."""
    summary = PatientSummary.objects.select_related("plan__decision__agenda_item__meeting").get(
        pk=summary.pk
    )
    _require_board_staff(by, summary.plan)
    if summary.status != PatientSummary.Status.RELEASED:
        message = "Only a released summary can be sent by link."
        raise ApplicationError(message, fields={"status": [message]})
    if (
        not isinstance(valid_hours, int)
        or isinstance(valid_hours, bool)
        or not 1 <= valid_hours <= LINK_HOURS_MAX
    ):
        raise ApplicationError(
            "Please correct the errors below.",
            fields={"valid_hours": [f"Give a number of hours from 1 to {LINK_HOURS_MAX}."]},
        )
    token = secrets.token_urlsafe(32)
    PatientAccessLink.objects.create(
        summary=summary,
        token_hash=token_hash(token),
        expires_at=timezone.now() + dt.timedelta(hours=valid_hours),
        created_by=by,
    )
    return token


class LinkRefused(ApplicationError):
    """A link that opens nothing: `reason` is "unknown", "used", "expired" or "withdrawn"."""

    MESSAGES = {
        "unknown": "This link is not valid. Check that you copied all of it.",
        "used": "This link has already been used. Each link opens once.",
        "expired": "This link has expired.",
        "withdrawn": "This summary is no longer available.",
    }

    def __init__(self, reason: str):
        super().__init__(self.MESSAGES[reason], code=reason)
        self.reason = reason


def _link_problem(token: str, now: dt.datetime) -> str:
    link = PatientAccessLink.objects.filter(token_hash=token_hash(token)).first()
    if link is None:
        return "unknown"
    if link.used_at is not None:
        return "used"
    if link.expires_at <= now:
        return "expired"
    return "withdrawn"


def _plausible(token: Any) -> bool:
    return isinstance(token, str) and 20 <= len(token) <= 100


def access_link_check(token: str) -> None:
    """Raise LinkRefused when the link would not open; change nothing (for the landing page)."""
    if not _plausible(token):
        raise LinkRefused("unknown")
    now = timezone.now()
    usable = PatientAccessLink.objects.filter(
        token_hash=token_hash(token),
        used_at__isnull=True,
        expires_at__gt=now,
        summary__status=PatientSummary.Status.RELEASED,
    ).exists()
    if not usable:
        raise LinkRefused(_link_problem(token, now))


@transaction.atomic
def access_link_redeem(token: str) -> PatientSummary:
    """Use the link once: exactly one unused, unexpired row is marked used, or LinkRefused.

    The claim is a single-table conditional UPDATE: under concurrent clicks PostgreSQL re-checks
    `used_at IS NULL` on the locked row, so only one wins. (A filter across a join would become
    an `id IN (subquery)` that is not re-checked, letting both through.)
    """
    if not _plausible(token):
        raise LinkRefused("unknown")
    now = timezone.now()
    hashed = token_hash(token)
    summary = PatientSummary.objects.filter(
        access_links__token_hash=hashed, status=PatientSummary.Status.RELEASED
    ).first()
    claimed = 0
    if summary is not None:
        claimed = PatientAccessLink.objects.filter(
            token_hash=hashed, used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
    if claimed != 1:
        raise LinkRefused(_link_problem(token, now))
    return summary
