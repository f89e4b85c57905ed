"""Every write to patients and cases. Keyword-only, atomic, validated before saving, attributed.

Each write checks its actor (`by`) with the rule the pages and the API scope by (cases.selectors):
clinical staff register patients and refer cases to the boards they belong to, and change the
patients and cases of those boards. A refused actor gets PermissionDenied (403); the views check
first and answer as before (403 for non-staff, 404 outside the user's scope), so these checks are
the backstop for every other caller.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from typing import IO, Any

from celery import current_app
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from tumorboard.errors import ApplicationError, error_fields
from tumorboard.labels import labelled_messages
from tumorboard.queue import enqueue_on_commit
from tumorboard.roles import is_staff_member
from tumorboard.services import check_version, save_validated

from .assessment import current_fingerprint, stored_assessment_row
from .models import (
    Case,
    CaseAttachment,
    Patient,
    PriorTreatment,
    SpinalLesion,
    StoredAssessment,
    zero_vertebral_bodies_error,
)
from .previews import Undecodable, render_dicom, render_picture
from .selectors import boards_of, cases_visible_to, patients_visible_to
from .status import status_change
from .uploads import inspect_upload

logger = logging.getLogger(__name__)

PATIENT_FIELDS = frozenset(
    {
        "mrn",
        "given_name",
        "family_name",
        "date_of_birth",
        "sex",
        "preferred_language",
        "phone",
        "email",
    }
)
CASE_FIELDS = frozenset(
    f.name
    for f in Case._meta.concrete_fields
    if f.name
    not in {
        "id",
        "uuid",
        "patient",
        "status",
        "status_changed_at",
        "status_reason",
        "readiness_overridden",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "goals_recorded_at",
        "goals_recorded_by",
    }
)
CASE_UPDATE_FIELDS = CASE_FIELDS - {"board"}
GOAL_FIELDS = frozenset({"goals_ranked", "goals_notes", "goals_reported_by"})
LESION_FIELDS = frozenset(
    f.name
    for f in SpinalLesion._meta.concrete_fields
    if f.name not in {"id", "case", "created_at", "updated_at", "created_by", "updated_by"}
)
PRIOR_TREATMENT_FIELDS = frozenset(
    f.name
    for f in PriorTreatment._meta.concrete_fields
    if f.name not in {"id", "case", "created_at", "updated_at", "created_by", "updated_by"}
)


# Pre-meeting summaries (recommendations, a layer above cases) are built from a case's clinical
# data. cases may not import them, so it asks for a refresh by task name; the task is registered
# in every process at start-up (RecommendationsConfig.ready).
REFRESH_CASE_SUMMARIES = "recommendations.summaries.tasks.refresh_case_summaries"


def _case_changed(case_id: int) -> None:
    """Clinical data changed: the case's assessment is stored again in this transaction, and
    once this commits, the case's prepared pre-meeting summaries are refreshed (queued again and
    regenerated after a short delay). If the broker is down the change still stands and the user
    is told the background work could not be queued."""
    case_assessment_store(case_id=case_id)
    enqueue_on_commit(current_app.tasks[REFRESH_CASE_SUMMARIES], args=[case_id])


# Stored assessments -----------------------------------------------------------------------------
# Computed once per change (here), read by every page, list and packet (cases.assessment).

ASSESSMENT_BATCH = 200


def _store_assessments(cases: Iterable[Case], *, now: dt.datetime, force: bool) -> int:
    """Compute and upsert the assessment of each case (lesions, prior treatments and the stored
    row prefetched) whose stored copy differs from its data, or all of them with `force`.
    Returns how many were written; one INSERT ... ON CONFLICT for all of them."""
    rows = []
    for case in cases:
        lesions = list(case.lesions.all())
        prior = list(case.prior_treatments.all())
        stored = getattr(case, "stored_assessment", None)
        if (
            not force
            and stored is not None
            and stored.fingerprint == current_fingerprint(case, lesions, prior)
            and (stored.valid_until is None or stored.valid_until > now)
        ):
            continue
        rows.append(stored_assessment_row(case, lesions, prior, now=now))
    StoredAssessment.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["case"],
        update_fields=[
            "assessment",
            "flags",
            "fingerprint",
            "context_fingerprint",
            "computed_at",
            "valid_until",
        ],
    )
    return len(rows)


def _assessment_batch(cases):
    """Cases locked (their own rows: a concurrent write to one of them waits, so an older
    computation never overwrites a newer one) with what their assessment reads."""
    return (
        cases.select_for_update(of=("self",))
        .select_related("board", "stored_assessment")
        .prefetch_related("lesions", "prior_treatments")
        .order_by("pk")
    )


@transaction.atomic
def case_assessment_store(*, case_id: int) -> None:
    """Store the case's assessment from its data as committed in this transaction."""
    _store_assessments(
        _assessment_batch(Case.objects.filter(pk=case_id)), now=timezone.now(), force=False
    )


def assessments_refresh(
    *, board_id: int | None = None, case_ids: Iterable[int] | None = None, force: bool = False
) -> int:
    """Bring the stored assessments of a board's cases (or these cases, or every case) up to
    date, in batches of ASSESSMENT_BATCH, each its own transaction: safe to run twice (a current
    row is skipped unless `force`) and to stop half-way. Returns how many rows were written."""
    cases = Case.objects.all()
    if board_id is not None:
        cases = cases.filter(board_id=board_id)
    if case_ids is not None:
        cases = cases.filter(pk__in=list(case_ids))
    written, after = 0, 0
    while True:
        with transaction.atomic():
            batch = list(_assessment_batch(cases.filter(pk__gt=after))[:ASSESSMENT_BATCH])
            if not batch:
                return written
            written += _store_assessments(batch, now=timezone.now(), force=force)
        after = batch[-1].pk


def expired_assessments_refresh() -> int:
    """Recompute the stored assessments whose time-dependent part has passed `valid_until`."""
    expired = StoredAssessment.objects.filter(valid_until__lte=timezone.now())
    return assessments_refresh(case_ids=expired.values_list("case_id", flat=True))


def _reject_unknown(data: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ApplicationError(
            "Unknown fields.", fields={name: ["This field cannot be set here."] for name in unknown}
        )


NOT_STAFF = "Only clinical staff of a board can register or change patients and cases."
NOT_YOUR_PATIENT = "Only staff of the boards this patient is referred to can change their details."
NOT_YOUR_CASE = "Only members of the case's board can change it."
# As the API's board and patient fields word it (tumorboard.api.ScopedUUIDField).
NOT_AVAILABLE = "No such {model} is available to you."
# An MRN is the hospital's, unique across boards. Whether it is registered on a board the user
# does not belong to is not theirs to learn (issue 15), so that refusal names no patient, no board
# and no reason; one on the user's own boards is offered, as they may see that patient anyway.
MRN_NOT_AVAILABLE = (
    "This MRN cannot be registered from your boards. Check it against the hospital record; if "
    "it is right, the board's coordinator can help."
)
MRN_ON_YOUR_BOARDS = (
    "A patient with this MRN is already registered on your boards: choose "
    '"Already registered" to refer the case for them.'
)


def _check_staff(by: AbstractBaseUser) -> None:
    if not is_staff_member(by):
        raise PermissionDenied(NOT_STAFF)


def _check_case_member(case_id: int, by: AbstractBaseUser) -> None:
    """`by` may change the case: clinical staff on its board (cases_visible_to)."""
    if not cases_visible_to(by).filter(pk=case_id).exists():
        raise PermissionDenied(NOT_YOUR_CASE)


def _locked_case(case: Case, by: AbstractBaseUser) -> Case:
    """The case, locked for the change, if `by` may change it; the check costs no extra query."""
    try:
        return cases_visible_to(by).select_for_update().get(pk=case.pk)
    except Case.DoesNotExist:
        raise PermissionDenied(NOT_YOUR_CASE) from None


def _check_mrn_free(mrn: Any, *, by: AbstractBaseUser, patient: Patient | None = None) -> None:
    """Refuse an MRN another patient holds: offered when that patient is on `by`'s boards, else
    the same neutral refusal whoever holds it (`MRN_NOT_AVAILABLE`).

    One query, whether the MRN is free, on the user's boards or elsewhere, so that the time of
    the answer does not tell those apart either. That a refusal differs from a 201 is
    unavoidable: the MRN is unique across the hospital, so a taken one cannot be registered
    again; the refusal says no more than that (issue 15, item 5)."""
    if not isinstance(mrn, str):
        return  # full_clean words what is wrong with it
    clashes = Patient.objects.filter(mrn=mrn)
    if patient is not None:
        clashes = clashes.exclude(pk=patient.pk)
    on_your_boards = (
        clashes.annotate(yours=Exists(patients_visible_to(by).filter(pk=OuterRef("pk"))))
        .values_list("yours", flat=True)
        .first()
    )
    if on_your_boards is None:
        return
    if on_your_boards:
        raise ApplicationError(MRN_ON_YOUR_BOARDS, fields={"mrn": [MRN_ON_YOUR_BOARDS]})
    raise ApplicationError(MRN_NOT_AVAILABLE, fields={"mrn": [MRN_NOT_AVAILABLE]})


@transaction.atomic
def patient_create(*, by: AbstractBaseUser, **data: Any) -> Patient:
    _check_staff(by)
    _reject_unknown(data, PATIENT_FIELDS)
    _check_mrn_free(data.get("mrn"), by=by)
    patient = Patient(**data)
    save_validated(patient, by=by, creating=True)
    return patient


@transaction.atomic
def patient_update(
    *, patient: Patient, expected_version: int | None, by: AbstractBaseUser, **data: Any
) -> Patient:
    """Correct a patient's details from the version the writer read (a stale one is refused)."""
    _reject_unknown(data, PATIENT_FIELDS)
    try:
        patient = patients_visible_to(by).select_for_update().get(pk=patient.pk)
    except Patient.DoesNotExist:
        raise PermissionDenied(NOT_YOUR_PATIENT) from None
    check_version(patient, expected_version, "patient's details")
    if "mrn" in data:
        _check_mrn_free(data["mrn"], by=by, patient=patient)
    for name, value in data.items():
        setattr(patient, name, value)
    patient.version += 1
    save_validated(patient, by=by)
    return patient


@transaction.atomic
def patient_death_record(
    *, patient: Patient, date_of_death: dt.date | None, by: AbstractBaseUser
) -> Patient:
    """Record (or correct, or clear) when the patient died, from a follow-up: only that field
    changes, on the locked row, so it needs no version from the writer; the patient's version is
    bumped so an edit begun before it is refused. Validated by the model (not in the future, not
    before the birth)."""
    try:
        patient = patients_visible_to(by).select_for_update().get(pk=patient.pk)
    except Patient.DoesNotExist:
        raise PermissionDenied(NOT_YOUR_PATIENT) from None
    if patient.date_of_death == date_of_death:
        return patient
    patient.date_of_death = date_of_death
    patient.version += 1
    save_validated(patient, by=by)
    return patient


@transaction.atomic
def case_create(
    *,
    by: AbstractBaseUser,
    patient: Patient,
    lesions: list[dict[str, Any]] | None = None,
    **data: Any,
) -> Case:
    """Register a referral, with its lesions, in one transaction: for a patient `by` may see, to
    a board `by` belongs to."""
    _check_staff(by)
    _reject_unknown(data, CASE_FIELDS)
    board = data.get("board")
    if board is not None and not boards_of(by).filter(pk=board.pk).exists():
        raise ApplicationError(
            NOT_AVAILABLE.format(model="board"),
            fields={"board": [NOT_AVAILABLE.format(model="board")]},
        )
    if not patients_visible_to(by).filter(pk=patient.pk).exists():
        raise ApplicationError(
            NOT_AVAILABLE.format(model="patient"),
            fields={"patient": [NOT_AVAILABLE.format(model="patient")]},
        )
    if lesions and data.get("vertebral_body_mets") == 0:
        levels = [str(lesion.get("level", "")).strip().upper() for lesion in lesions]
        message = zero_vertebral_bodies_error(levels)
        raise ApplicationError(message, fields={"vertebral_body_mets": [message]})
    case = Case(
        patient=patient, status=Case.Status.REFERRED, status_changed_at=timezone.now(), **data
    )
    if GOAL_FIELDS & data.keys() and (data.get("goals_ranked") or data.get("goals_notes")):
        case.goals_recorded_at = timezone.now()
        case.goals_recorded_by = by
    save_validated(case, by=by, creating=True)
    for index, lesion in enumerate(lesions or []):
        try:
            _lesion_create(case=case, by=by, data=lesion)
        except ApplicationError as exc:
            raise ApplicationError(
                exc.message, fields={"lesions": [f"Lesion {index + 1}: {m}" for m in _flat(exc)]}
            ) from exc
    case_assessment_store(case_id=case.pk)
    return case


def _flat(exc: ApplicationError) -> list[str]:
    """A lesion's messages, each led by its field's label (never the code name)."""
    return labelled_messages(exc.fields, SpinalLesion) or [exc.message]


@transaction.atomic
def case_update(
    *, case: Case, expected_version: int | None, by: AbstractBaseUser, **data: Any
) -> Case:
    """Change the case's clinical fields from the version the writer read: a stale version is
    refused (StaleVersionError, with the case as it is now), so nobody overwrites an edit they
    have not seen. Status changes (case_transition) do not move the version: they touch no field
    this edits."""
    _reject_unknown(data, CASE_UPDATE_FIELDS)
    case = _locked_case(case, by)
    check_version(case, expected_version, "case")
    goals_changed = any(getattr(case, k) != data[k] for k in GOAL_FIELDS & data.keys())
    for name, value in data.items():
        setattr(case, name, value)
    if goals_changed:
        case.goals_recorded_at = timezone.now()
        case.goals_recorded_by = by
    case.version += 1
    save_validated(case, by=by)
    _case_changed(case.pk)
    return case


@transaction.atomic
def case_transition(
    *,
    case: Case,
    to: str,
    by: AbstractBaseUser,
    reason: str = "",
    override: bool = False,
    rediscussion: bool = False,
) -> Case:
    """Move a case along referred → ready → scheduled → discussed → plan signed → closed, by
    the rules of `cases.status.status_change` (for every caller: the pages, the API, the agenda
    and the sign-off). "ready" for a case that is not ready needs `override` and a reason.
    `rediscussion`: the re-discussion service sends a signed case back to the board's queue."""
    case = _locked_case(case, by)
    if to not in Case.Status.values:
        raise ApplicationError(
            "Unknown status.",
            fields={"status": [f"Choose one of: {', '.join(Case.Status.values)}."]},
        )
    change = status_change(case, to, rediscussion=rediscussion)
    if not change.allowed:
        allowed = ", ".join(sorted(case.TRANSITIONS[case.status])) or "none (final status)"
        details = (
            [f"Allowed next statuses: {allowed}."]
            if not case.can_transition_to(to)
            else [change.refusal]
        )
        raise ApplicationError(change.refusal, fields={"status": details})
    reason = reason.strip()
    if change.override and not override:
        message = "The case is not ready: " + "; ".join(change.missing) + "."
        raise ApplicationError(
            message,
            fields={
                "status": [message],
                "override": ["Override readiness, with a reason, to mark it ready anyway."],
            },
        )
    if change.needs_reason and not reason:
        message = (
            "A reason is required to mark a case ready that is not."
            if change.override
            else "A reason is required to defer or withdraw."
        )
        raise ApplicationError("Give a reason.", fields={"reason": [message]})
    case.status = to
    case.status_reason = reason
    case.readiness_overridden = change.override
    case.status_changed_at = timezone.now()
    save_validated(case, by=by)
    return case


@transaction.atomic
def lesion_add(*, case: Case, by: AbstractBaseUser, **data: Any) -> SpinalLesion:
    _check_case_member(case.pk, by)
    lesion = _lesion_create(case=case, by=by, data=data)
    _case_changed(case.pk)
    return lesion


def _lesion_create(*, case: Case, by: AbstractBaseUser, data: dict[str, Any]) -> SpinalLesion:
    """Validate and save one lesion; the caller has checked `by` and the case."""
    _reject_unknown(data, LESION_FIELDS)
    if "level" in data and isinstance(data["level"], str):
        data = {**data, "level": data["level"].strip().upper()}
    lesion = SpinalLesion(case=case, **data)
    save_validated(lesion, by=by, creating=True)
    return lesion


def _locked_part(model, pk: int, by: AbstractBaseUser):
    """A lesion or prior treatment, locked for the change, if `by` may change its case."""
    try:
        return model.objects.select_for_update().get(pk=pk, case__in=cases_visible_to(by))
    except model.DoesNotExist:
        raise PermissionDenied(NOT_YOUR_CASE) from None


@transaction.atomic
def lesion_update(
    *, lesion: SpinalLesion, expected_version: int | None, by: AbstractBaseUser, **data: Any
) -> SpinalLesion:
    """Correct a lesion's findings from the version the writer read (a stale one is refused);
    the case's assessment (and so its readiness) follows."""
    _reject_unknown(data, LESION_FIELDS)
    lesion = _locked_part(SpinalLesion, lesion.pk, by)
    check_version(lesion, expected_version, "lesion")
    if isinstance(data.get("level"), str):
        data = {**data, "level": data["level"].strip().upper()}
    for name, value in data.items():
        setattr(lesion, name, value)
    lesion.version += 1
    save_validated(lesion, by=by)
    _case_changed(lesion.case_id)
    return lesion


@transaction.atomic
def lesion_remove(
    *, lesion: SpinalLesion, expected_version: int | None, by: AbstractBaseUser
) -> None:
    """Remove a lesion as the writer read it (not one corrected since); the history keeps it,
    with who removed it."""
    lesion = _locked_part(SpinalLesion, lesion.pk, by)
    check_version(lesion, expected_version, "lesion")
    lesion._history_user = by
    lesion.delete()
    _case_changed(lesion.case_id)


@transaction.atomic
def prior_treatment_add(*, case: Case, by: AbstractBaseUser, **data: Any) -> PriorTreatment:
    _check_case_member(case.pk, by)
    _reject_unknown(data, PRIOR_TREATMENT_FIELDS)
    treatment = PriorTreatment(case=case, **data)
    save_validated(treatment, by=by, creating=True)
    _case_changed(case.pk)
    return treatment


@transaction.atomic
def prior_treatment_update(
    *,
    treatment: PriorTreatment,
    expected_version: int | None,
    by: AbstractBaseUser,
    **data: Any,
) -> PriorTreatment:
    """Correct a prior treatment from the version the writer read (a stale one is refused);
    prior radiation changes the re-irradiation advice."""
    _reject_unknown(data, PRIOR_TREATMENT_FIELDS)
    treatment = _locked_part(PriorTreatment, treatment.pk, by)
    check_version(treatment, expected_version, "prior treatment")
    for name, value in data.items():
        setattr(treatment, name, value)
    treatment.version += 1
    save_validated(treatment, by=by)
    _case_changed(treatment.case_id)
    return treatment


@transaction.atomic
def prior_treatment_remove(
    *, treatment: PriorTreatment, expected_version: int | None, by: AbstractBaseUser
) -> None:
    """Remove a prior treatment as the writer read it; the history keeps it, with who removed it."""
    treatment = _locked_part(PriorTreatment, treatment.pk, by)
    check_version(treatment, expected_version, "prior treatment")
    treatment._history_user = by
    treatment.delete()
    _case_changed(treatment.case_id)


# Attachments ----------------------------------------------------------------------------------
# The file is checked by its content (cases.uploads), stored under a random name, then recorded;
# a refusal at any step leaves neither a row nor a file. Previews are made by a task once the
# upload commits (attachment_previews_make).

ATTACHMENT_PREVIEWS = "cases.tasks.attachment_previews_make"
ATTACHMENT_FIELDS = frozenset({"kind", "study_date", "caption", "is_key_image"})


def attachment_storage():
    """Where attachments and their previews live (settings.STORAGES["attachments"])."""
    return storages["attachments"]


def _delete_files(names: Iterable[str]) -> None:
    storage = attachment_storage()
    for name in names:
        if name:
            storage.delete(name)


def attachment_add(
    *,
    case: Case,
    by: AbstractBaseUser,
    upload: IO[bytes],
    name: str | None,
    kind: str,
    study_date: dt.date | None = None,
    caption: str = "",
    is_key_image: bool | None = None,
) -> CaseAttachment:
    """Attach a report, key image or DICOM file to `case`. Raises ApplicationError (400, naming
    the field) for a refused file or bad details, PermissionDenied for someone not on the case's
    board. Images are key images unless said otherwise; a PDF never is."""
    _check_case_member(case.pk, by)
    inspected = inspect_upload(upload, name=name)
    is_pdf = inspected.file_format == CaseAttachment.Format.PDF
    if is_key_image is None:
        is_key_image = not is_pdf
    if is_pdf and is_key_image:
        message = "A PDF report cannot be a key image: attach the image itself."
        raise ApplicationError(message, fields={"is_key_image": [message]})
    attachment = CaseAttachment(
        case=case,
        kind=kind,
        file_format=inspected.file_format,
        study_date=study_date,
        caption=(caption or "").strip(),
        original_name=inspected.original_name,
        size=inspected.size,
        sha256=inspected.sha256,
        file_name=f"attachments/{uuid.uuid4().hex}",
        is_key_image=is_key_image,
        preview_status=CaseAttachment.Preview.NONE if is_pdf else CaseAttachment.Preview.PENDING,
        created_by=by,
        updated_by=by,
        **inspected.dicom.fields(),
    )
    try:  # the details first: nothing is stored for a form with mistakes
        attachment.full_clean(exclude=["position"], validate_unique=False)
    except ValidationError as exc:
        raise ApplicationError(
            "Please correct the errors below.", fields=error_fields(exc)
        ) from exc
    upload.seek(0)
    stored = attachment_storage().save(attachment.file_name, File(upload))
    try:
        with transaction.atomic():
            _locked_case(case, by)  # one position each, in upload order
            last = case.attachments.aggregate(last=Max("position"))["last"]
            attachment.file_name = stored
            attachment.position = 0 if last is None else last + 1
            save_validated(attachment, by=by, creating=True)
            if attachment.preview_status == CaseAttachment.Preview.PENDING:
                enqueue_on_commit(current_app.tasks[ATTACHMENT_PREVIEWS], args=[attachment.pk])
    except BaseException:
        _delete_files([stored])
        raise
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: CaseAttachment, by: AbstractBaseUser) -> None:
    """Remove an attachment; the history keeps its details and who removed it, and its files
    are deleted once the removal commits."""
    try:
        attachment = CaseAttachment.objects.select_for_update().get(
            pk=attachment.pk, case__in=cases_visible_to(by)
        )
    except CaseAttachment.DoesNotExist:
        raise PermissionDenied(NOT_YOUR_CASE) from None
    names = [attachment.file_name, attachment.thumbnail_name, *attachment.preview_names.values()]
    attachment._history_user = by
    attachment.delete()
    transaction.on_commit(lambda: _delete_files(names))


def attachment_previews_make(*, attachment_id: int) -> str:
    """Make the thumbnail and previews of a pending attachment; returns its preview status.

    Safe to run twice and to be killed: only a pending attachment is rendered, and the result is
    recorded by a conditional UPDATE (still pending), so a second run's files are deleted again.
    Undecodable pixel data is "none" (the metadata stays shown); any other failure "failed"."""
    Preview = CaseAttachment.Preview
    attachment = CaseAttachment.objects.filter(pk=attachment_id).first()
    if attachment is None or attachment.preview_status != Preview.PENDING:
        return attachment.preview_status if attachment else ""
    pending = CaseAttachment.objects.filter(pk=attachment_id, preview_status=Preview.PENDING)
    storage = attachment_storage()
    try:
        with storage.open(attachment.file_name, "rb") as stored:
            data = stored.read()
        if attachment.file_format == CaseAttachment.Format.DICOM:
            rendered = render_dicom(data)
        else:
            rendered = render_picture(data)
    except Undecodable:
        pending.update(preview_status=Preview.NONE)
        return Preview.NONE
    except Exception:
        # The attachment id only: no file name, no patient data.
        logger.warning("Preview of attachment %s failed", attachment_id, exc_info=True)
        pending.update(preview_status=Preview.FAILED)
        return Preview.FAILED
    thumbnail = storage.save(f"previews/{uuid.uuid4().hex}.png", ContentFile(rendered.thumbnail))
    previews = {
        preset: storage.save(f"previews/{uuid.uuid4().hex}.png", ContentFile(png))
        for preset, png in rendered.previews.items()
    }
    if not pending.update(
        preview_status=Preview.READY, thumbnail_name=thumbnail, preview_names=previews
    ):
        _delete_files([thumbnail, *previews.values()])  # removed, or another run finished first
        return (
            CaseAttachment.objects.filter(pk=attachment_id)
            .values_list("preview_status", flat=True)
            .first()
            or ""
        )
    return Preview.READY
