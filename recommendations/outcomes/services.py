"""Every write of the outcomes (issue 16): scheduling the follow-ups after the main treatment,
the clinician's record of each, and the patient's own report.

Who may write: the follow-ups of a case are recorded by clinical staff who belong to the case's
board (specialists, chair, coordinator: `scheduling.access.board_roles`); a patient reports only
at their own follow-ups. Each write checks its own actor, is atomic and validated (full_clean)
before saving, and leaves a history row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from cases.services import patient_death_record
from recommendations.models import ConsensusPlan, FollowUp, PatientReportedOutcome, PlanActivity
from scheduling.access import board_roles
from tumorboard import bounds
from tumorboard.errors import ApplicationError
from tumorboard.roles import is_staff_member
from tumorboard.services import check_version, save_validated

# "The main treatment": the first local-control or systemic activity of the signed plan that was
# carried out (issue 16).
MAIN_TREATMENT_KINDS = (
    PlanActivity.Kind.SURGERY,
    PlanActivity.Kind.RADIATION,
    PlanActivity.Kind.SYSTEMIC,
)
# A patient may answer "How are you doing?" from two weeks before a follow-up is due until three
# months after it, unless the clinician recorded that the patient was not seen.
PATIENT_REPORT_OPENS_BEFORE = dt.timedelta(days=14)
PATIENT_REPORT_CLOSES_AFTER = dt.timedelta(days=90)
COMMENT_MAX = 1_000

NOT_STAFF = "Only clinical staff of the case's board record its follow-ups."
NOT_MEMBER = "Only members of the case's board record its follow-ups."
NOT_YOUR_FOLLOW_UP = "You can only answer for your own follow-ups."

CLINICAL_FIELDS = (
    "ambulatory",
    "frankel_grade",
    "pain_score",
    "analgesics",
    "ecog",
    "kps",
    "local_control",
    "complication_fracture",
    "complication_wound",
    "complication_neuro_worsening",
    "readmitted",
    "notes",
)
RECORD_FIELDS = frozenset({"status", "recorded_on", "missed_reason", *CLINICAL_FIELDS})


def _fail(field: str, message: str) -> ApplicationError:
    return ApplicationError("Please correct the errors below.", fields={field: [message]})


def _require_member(board_id: int, by: AbstractBaseUser) -> None:
    if not is_staff_member(by):
        raise PermissionDenied(NOT_STAFF)
    if not board_roles(by, board_id).member:
        raise PermissionDenied(NOT_MEMBER)


def main_treatment_date(plan: ConsensusPlan) -> dt.date | None:
    """The day the plan's main treatment was carried out: the earliest completion of its
    surgery, radiation or systemic activities marked done (None before one is)."""
    done = PlanActivity.objects.filter(
        plan=plan,
        kind__in=MAIN_TREATMENT_KINDS,
        status=PlanActivity.Status.DONE,
        completed_on__isnull=False,
    )
    return done.order_by("completed_on").values_list("completed_on", flat=True).first()


@transaction.atomic
def follow_ups_schedule(
    *, plan: ConsensusPlan, treatment_date: dt.date, by: AbstractBaseUser
) -> list[FollowUp]:
    """Create the plan's follow-ups at `treatment_date` + each of the board's `follow_up_days`;
    returns all of the plan's follow-ups, earliest first.

    Idempotent: a timepoint already scheduled is left as it is, and once any follow-up exists
    the schedule keeps the treatment date it was made from (a later treatment, or the same call
    again, moves nothing; a timepoint added to the board's setting since is scheduled from that
    first date). Only a signed plan is followed up; `by` must be a member of the case's board.
    """
    locked = _locked_plan(plan)
    _require_member(locked.decision.agenda_item.case.board_id, by)
    if not isinstance(treatment_date, dt.date) or isinstance(treatment_date, dt.datetime):
        raise _fail("treatment_date", "Give the date of the main treatment.")
    try:
        bounds.validate_clinical_date(treatment_date)
    except ValidationError as exc:
        raise _fail("treatment_date", exc.messages[0]) from exc
    return _schedule(locked, treatment_date, by)


def _locked_plan(plan: ConsensusPlan) -> ConsensusPlan:
    return (
        ConsensusPlan.objects.select_for_update(of=("self",))
        .select_related("decision__agenda_item__case__board")
        .get(pk=plan.pk)
    )


def _schedule(plan: ConsensusPlan, treatment_date: dt.date, by) -> list[FollowUp]:
    """The schedule itself, on the locked plan, for an actor already checked."""
    if plan.status != ConsensusPlan.Status.SIGNED:
        raise ApplicationError("Follow-ups are scheduled from a signed plan only.")
    case = plan.decision.agenda_item.case
    existing = {f.timepoint_days: f for f in FollowUp.objects.filter(plan=plan)}
    if existing:
        first = min(existing.values(), key=lambda f: f.timepoint_days)
        treatment_date = first.due_on - dt.timedelta(days=first.timepoint_days)
    for days in case.board.follow_up_days:
        if days in existing:
            continue
        follow_up = FollowUp(
            case=case,
            plan=plan,
            timepoint_days=days,
            due_on=treatment_date + dt.timedelta(days=days),
        )
        save_validated(follow_up, by=by, creating=True)
        existing[days] = follow_up
    return sorted(existing.values(), key=lambda f: f.timepoint_days)


@transaction.atomic
def follow_ups_after_treatment(*, activity: PlanActivity, by: AbstractBaseUser) -> list[FollowUp]:
    """Schedule the follow-ups when an activity of a signed plan is marked done and it is (or
    makes) the main treatment: called by `decisions.services.activity_set_status` in its
    transaction, whose actor it has already checked. Nothing happens for other activities."""
    if activity.kind not in MAIN_TREATMENT_KINDS or activity.status != PlanActivity.Status.DONE:
        return []
    plan = _locked_plan(activity.plan)
    if plan.status != ConsensusPlan.Status.SIGNED:
        return []
    treated_on = main_treatment_date(plan)
    if treated_on is None:
        return []
    return _schedule(plan, treated_on, by)


@transaction.atomic
def follow_up_record(
    *,
    follow_up: FollowUp,
    by: AbstractBaseUser,
    expected_version: int | None,
    date_of_death: Any = ...,
    **fields: Any,
) -> FollowUp:
    """Record what was found at a follow-up (status "recorded", with the day the patient was
    seen), or that the patient was not seen (status "missed", with the reason); a recorded one may
    be corrected. `expected_version` is the version the writer read (a stale one is refused).

    Fields: CLINICAL_FIELDS (each optional: blank/None means not assessed), `status`,
    `recorded_on` (not in the future, not before the treatment), `missed_reason`. Pain 0–10,
    ECOG 0–4 and Karnofsky 0–100 in steps of 10 are checked by the model. `date_of_death`, when
    given, is recorded on the patient (survival; None clears a mistaken one).
    """
    unknown = sorted(set(fields) - RECORD_FIELDS)
    if unknown:
        raise ApplicationError(
            "Unknown fields.", fields={name: ["This field cannot be set here."] for name in unknown}
        )
    current = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("case__patient")
        .get(pk=follow_up.pk)
    )
    _require_member(current.case.board_id, by)
    check_version(current, expected_version, "follow-up")
    for name, value in fields.items():
        setattr(current, name, "" if value is None and name not in _NULLABLE else value)
    status = current.status
    if status == FollowUp.Status.DUE:
        raise _fail("status", "Record the follow-up, or that the patient was not seen.")
    errors: dict[str, list[str]] = {}
    treated_on = current.due_on - dt.timedelta(days=current.timepoint_days)
    if status == FollowUp.Status.RECORDED:
        if current.recorded_on is None:
            errors["recorded_on"] = ["Give the day the patient was seen."]
        elif isinstance(current.recorded_on, dt.date) and current.recorded_on < treated_on:
            errors["recorded_on"] = [
                f"The patient was seen before the treatment ({treated_on.isoformat()})."
            ]
        current.missed_reason = ""
    elif status == FollowUp.Status.MISSED:
        current.missed_reason = (current.missed_reason or "").strip()
        if not current.missed_reason:
            errors["missed_reason"] = ["Say why the patient was not seen."]
    if errors:
        raise ApplicationError("Please correct the errors below.", fields=errors)
    current.recorded_by = by
    current.version += 1
    save_validated(current, by=by)
    if date_of_death is not ...:
        patient_death_record(patient=current.case.patient, date_of_death=date_of_death, by=by)
    return current


_NULLABLE = frozenset(
    {
        "recorded_on",
        "pain_score",
        "ecog",
        "kps",
        "complication_fracture",
        "complication_wound",
        "complication_neuro_worsening",
        "readmitted",
    }
)


def patient_report_open(follow_up: FollowUp, *, today: dt.date | None = None) -> bool:
    """Whether the patient may answer for this follow-up now (PATIENT_REPORT_OPENS_BEFORE its due
    date until PATIENT_REPORT_CLOSES_AFTER, unless they were recorded as not seen)."""
    today = today or timezone.localdate()
    return (
        follow_up.status != FollowUp.Status.MISSED
        and follow_up.due_on - PATIENT_REPORT_OPENS_BEFORE
        <= today
        <= follow_up.due_on + PATIENT_REPORT_CLOSES_AFTER
    )


@transaction.atomic
def patient_report_submit(
    *,
    follow_up: FollowUp,
    by: AbstractBaseUser,
    pain_score: Any,
    mobility: Any,
    comment: Any = "",
    language: str = "en",
) -> PatientReportedOutcome:
    """The patient's own answer at one of their follow-ups: pain 0–10 and how they get about.

    One per follow-up: sending again while it is open replaces the answer (the history keeps the
    earlier one). Only the patient whose follow-up it is may answer (PermissionDenied otherwise;
    the pages answer 404 before this is reached).
    """
    current = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("case__patient")
        .get(pk=follow_up.pk)
    )
    patient_user_id = current.case.patient.user_id
    if patient_user_id is None or patient_user_id != by.pk:
        raise PermissionDenied(NOT_YOUR_FOLLOW_UP)
    if not patient_report_open(current):
        raise ApplicationError("This follow-up is not open for your answer.")
    if comment is None:
        comment = ""
    if not isinstance(comment, str):
        raise _fail("comment", "Give text.")
    report = PatientReportedOutcome.objects.filter(follow_up=current).first()
    if report is None:
        report = PatientReportedOutcome(follow_up=current)
    report.pain_score = pain_score
    report.mobility = mobility
    report.comment = comment.strip()
    report.language = language
    report.submitted_by = by
    report.submitted_at = timezone.now()
    save_validated(report, by=by)
    return report
