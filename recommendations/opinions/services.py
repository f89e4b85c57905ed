"""Every write to specialist opinions: keyword-only, atomic, validated, attributed.

An opinion is one specialist's structured view of one case for one meeting. It is given
independently (see `selectors.opinion_visibility`) and revisable until the meeting starts; every
save is kept in the history table and bumps `revision`, the token a client sends back so that two
open tabs never overwrite each other silently.

Specialists who still owe an opinion (`selectors.specialists_missing_opinions`) are reminded
before the opinion deadline (`opinion_reminders_send`, run by the beat task in tasks.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from celery import current_app
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from cases.services import REFRESH_CASE_SUMMARIES
from recommendations.models import Opinion
from recommendations.opinions.options import SYSTEMIC_CLASSES, options_for
from recommendations.opinions.selectors import (
    board_regimens,
    meeting_has_started,
    specialists_missing_opinions,
)
from scheduling.access import board_roles
from scheduling.models import AgendaItem, Discipline, Meeting, Notification
from scheduling.notifications import local_time, notify
from scheduling.rules import opinion_deadline
from tumorboard.errors import ApplicationError, ConflictError
from tumorboard.queue import enqueue_on_commit
from tumorboard.roles import SPECIALIST, has_role
from tumorboard.services import save_validated

# The fields a specialist fills in; everything else on an opinion is bookkeeping.
OPINION_FIELDS = frozenset(
    {
        "options",
        "regimen",
        "systemic_class",
        "systemic_line",
        "details",
        "urgency",
        "rationale",
        "confidence",
        "questions_for_board",
        "data_needed",
    }
)
# "None of these" options exclude every other option of their discipline.
EXCLUSIVE_OPTIONS = frozenset({"no_surgery", "no_radiation", "no_systemic"})
# One radiation technique per opinion: the regimen field holds one regimen.
ONE_OF = (
    frozenset({"cebrt", "sbrt"}),
    frozenset({"systemic_continue", "systemic_start", "systemic_change"}),
)
RADIATION_OPTIONS = frozenset({"cebrt", "sbrt", "reirradiation"})
SYSTEMIC_OPTIONS = frozenset({"systemic_continue", "systemic_start", "systemic_change"})
SYSTEMIC_NEEDS_LINE = frozenset({"systemic_start", "systemic_change"})
SYSTEMIC_CLASS_VALUES = frozenset(value for value, _label in SYSTEMIC_CLASSES)

MEETING_STARTED = "The meeting has started: opinions can no longer be given or changed."
# Specialists are reminded from this long before the opinion deadline until the meeting starts.
REMIND_BEFORE_DEADLINE = dt.timedelta(hours=12)


class StaleRevisionError(ConflictError):
    """The opinion changed since the client read it; `current` is the opinion as it is now."""

    def __init__(self, current: Opinion):
        super().__init__(
            "Someone changed this opinion since you opened it "
            f"(it is now at revision {current.revision}). Review the current version, "
            "then save again.",
            fields={"revision": [f"The current revision is {current.revision}."]},
            code="stale",
        )
        self.current = current


def _author_discipline(author: AbstractBaseUser, case: Case) -> str:
    """The discipline the author speaks for; refused unless a specialist member of the board."""
    try:
        discipline = author.specialist_profile.discipline
    except ObjectDoesNotExist:
        discipline = ""
    if not discipline or not has_role(author, SPECIALIST):
        raise PermissionDenied("Only specialists with a discipline give opinions.")
    if not board_roles(author, case.board_id).member:
        raise PermissionDenied("Only members of the case's board give opinions on it.")
    return discipline


def _check_meeting(case: Case, meeting: Meeting) -> None:
    if meeting.board_id != case.board_id or not (
        AgendaItem.objects.filter(meeting=meeting, case=case).exists()
    ):
        raise ApplicationError(
            "This case is not on that meeting's agenda.",
            fields={"meeting": ["The case is not on this meeting's agenda."]},
        )
    if meeting_has_started(meeting):
        raise ConflictError(MEETING_STARTED, code="meeting_started")


def _clean_options(discipline: str, options) -> list[str]:
    """The chosen options in the order of the discipline's list, or an ApplicationError."""
    allowed = [value for value, _label in options_for(discipline)]
    if isinstance(options, str) or not isinstance(options, Iterable):
        raise ApplicationError(
            "Please correct the errors below.", fields={"options": ["Give a list of options."]}
        )
    chosen = list(options)
    errors = [
        f"“{value}” is not an option for your discipline; choose from: {', '.join(allowed)}."
        for value in chosen
        if value not in allowed
    ]
    if not chosen:
        errors.append("Choose at least one option.")
    picked = set(chosen)
    for exclusive in EXCLUSIVE_OPTIONS & picked:
        if len(picked) > 1:
            errors.append(f"“{exclusive}” cannot be combined with other options.")
    for group in ONE_OF:
        if len(group & picked) > 1:
            errors.append("Choose only one of: " + ", ".join(sorted(group & picked)) + ".")
    if errors:
        raise ApplicationError("Please correct the errors below.", fields={"options": errors})
    return [value for value in allowed if value in picked]


def _check_details(opinion: Opinion) -> None:
    """Regimen and systemic therapy fit the chosen options (the model checks the rest)."""
    picked = set(opinion.options)
    errors: dict[str, list[str]] = {}
    regimens = board_regimens(opinion.case.board)
    if "cebrt" in picked:
        offered = regimens["cebrt"]
    elif "sbrt" in picked:
        offered = regimens["sbrt"]
    elif "reirradiation" in picked:
        offered = regimens["cebrt"] + regimens["sbrt"]
    else:
        offered = []
    if ({"cebrt", "sbrt"} & picked) and not opinion.regimen:
        errors["regimen"] = ["Choose a regimen: " + ", ".join(offered) + "."]
    elif opinion.regimen and not (RADIATION_OPTIONS & picked):
        errors["regimen"] = ["A regimen goes with cEBRT, SBRT or re-irradiation only."]
    elif opinion.regimen and opinion.regimen not in offered:
        errors["regimen"] = [
            f"“{opinion.regimen}” is not offered by this board; choose from: "
            + ", ".join(offered)
            + "."
        ]

    systemic = SYSTEMIC_OPTIONS & picked
    if systemic:
        if opinion.systemic_class not in SYSTEMIC_CLASS_VALUES:
            errors["systemic_class"] = [
                "Choose the class of systemic therapy: "
                + ", ".join(sorted(SYSTEMIC_CLASS_VALUES))
                + "."
            ]
        if SYSTEMIC_NEEDS_LINE & picked and not opinion.systemic_line:
            errors["systemic_line"] = ["Give the line of therapy (1 for first line)."]
    else:
        if opinion.systemic_class:
            errors["systemic_class"] = [
                "A systemic therapy class goes with continuing, starting or changing therapy."
            ]
        if opinion.systemic_line is not None:
            errors["systemic_line"] = [
                "A line of therapy goes with continuing, starting or changing therapy."
            ]
    if opinion.systemic_line is not None and opinion.systemic_line < 1:
        errors["systemic_line"] = ["The line of therapy is 1 or more."]
    if errors:
        raise ApplicationError("Please correct the errors below.", fields=errors)


def _apply(opinion: Opinion, fields: dict) -> None:
    unknown = sorted(set(fields) - OPINION_FIELDS)
    if unknown:
        raise ApplicationError(
            "Please correct the errors below.",
            fields={name: ["This field cannot be set on an opinion."] for name in unknown},
        )
    for name, value in fields.items():
        if name == "options":
            value = _clean_options(opinion.discipline, value)
        elif isinstance(value, str):
            value = value.strip()
        elif value is None and name != "systemic_line":
            value = ""
        setattr(opinion, name, value)
    _check_details(opinion)


@transaction.atomic
def opinion_submit(*, case: Case, meeting: Meeting, author: AbstractBaseUser, **fields) -> Opinion:
    """Give an opinion on a case for a meeting: once per specialist, before the meeting starts."""
    discipline = _author_discipline(author, case)
    _check_meeting(case, meeting)
    existing = Opinion.objects.filter(case=case, meeting=meeting, author=author).first()
    if existing is not None:
        raise ConflictError(
            "You have already given an opinion on this case for this meeting: revise it.",
            fields={"revision": [f"The current revision is {existing.revision}."]},
            code="exists",
        )
    opinion = Opinion(
        case=case,
        meeting=meeting,
        author=author,
        discipline=discipline,
        submitted_at=timezone.now(),
        revision=1,
    )
    _apply(opinion, {"options": [], **fields})
    save_validated(opinion, by=author, creating=True)
    # The case's prepared pre-meeting summaries carry its opinions: refresh them on commit.
    enqueue_on_commit(current_app.tasks[REFRESH_CASE_SUMMARIES], args=[case.pk])
    return opinion


@transaction.atomic
def opinion_revise(
    *, opinion: Opinion, by: AbstractBaseUser, expected_revision: int | None, **fields
) -> Opinion:
    """Change an opinion: only its author, only before the meeting starts, only from the revision
    the author last saw (else StaleRevisionError). A save that changes nothing is not a revision."""
    if expected_revision is None:
        raise ApplicationError(
            "Say which revision you are changing.",
            fields={"revision": ["Send the revision you read (or an If-Match header)."]},
        )
    current = Opinion.objects.select_for_update().select_related("case__board").get(pk=opinion.pk)
    if current.author_id != by.pk:
        raise PermissionDenied("Only the author may change an opinion.")
    _author_discipline(by, current.case)
    _check_meeting(current.case, current.meeting)
    if current.revision != expected_revision:
        raise StaleRevisionError(current)
    before = {name: getattr(current, name) for name in OPINION_FIELDS}
    _apply(current, fields)
    if all(getattr(current, name) == before[name] for name in OPINION_FIELDS):
        return current
    current.revision += 1
    save_validated(current, by=by)
    # The case's prepared pre-meeting summaries carry its opinions: refresh them on commit.
    enqueue_on_commit(current_app.tasks[REFRESH_CASE_SUMMARIES], args=[current.case_id])
    return current


@transaction.atomic
def opinion_save(
    *,
    case: Case,
    meeting: Meeting,
    author: AbstractBaseUser,
    expected_revision: int | None = None,
    **fields,
) -> Opinion:
    """The form's write: give the opinion if there is none yet, else revise it.

    A form opened before the first save carries no revision; if the opinion was given meanwhile
    (another tab), that is stale too.
    """
    existing = Opinion.objects.filter(case=case, meeting=meeting, author=author).first()
    if existing is None:
        return opinion_submit(case=case, meeting=meeting, author=author, **fields)
    if expected_revision is None:
        _author_discipline(author, case)
        _check_meeting(case, meeting)
        raise StaleRevisionError(existing)
    return opinion_revise(
        opinion=existing, by=author, expected_revision=expected_revision, **fields
    )


# --- reminders --------------------------------------------------------------------------------


def opinion_reminders_due(meeting: Meeting, now: dt.datetime | None = None) -> bool:
    """Reminders go out from 12 hours before the opinion deadline until the meeting starts."""
    now = now or timezone.now()
    return (
        meeting.status == Meeting.Status.PLANNED
        and opinion_deadline(meeting) - REMIND_BEFORE_DEADLINE <= now < meeting.starts_at
    )


@transaction.atomic
def opinion_reminders_send(*, meeting: Meeting) -> list[Notification]:
    """Remind each specialist who still owes an opinion (`selectors.specialists_missing_opinions`)
    about each agenda case lacking it. Each (meeting, specialist, case) is reminded once, ever:
    the dedupe key is "opinion-reminder:{meeting uuid}:{user id}:{case uuid}". Returns the
    notifications created now (empty when all were sent before or none are due); their e-mails
    are queued when the transaction commits."""
    meeting = Meeting.objects.select_related("board").get(pk=meeting.pk)
    if not opinion_reminders_due(meeting):
        return []
    deadline = local_time(opinion_deadline(meeting), meeting)
    starts = local_time(meeting.starts_at, meeting)
    sent = []
    for missing in specialists_missing_opinions(meeting):
        case, user = missing.case, missing.user
        notification = notify(
            recipient=user,
            kind=Notification.Kind.OPINION_REMINDER,
            dedupe_key=f"opinion-reminder:{meeting.uuid}:{user.pk}:{case.uuid}",
            subject=f"Opinion due by {deadline}: {case}",
            body=(
                f"Your opinion ({Discipline(missing.discipline).label}) on {case} is due by "
                f"{deadline}, before the {meeting.board.name} meeting on {starts}."
            ),
            # Straight to the form where the opinion is given, not to the case page.
            link=reverse("opinion-form", args=[meeting.uuid, case.uuid]),
        )
        if notification is not None:
            sent.append(notification)
    return sent
