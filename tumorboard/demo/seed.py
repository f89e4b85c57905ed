"""Seed the demo: the fictional board, its members, the ten cases and two upcoming meetings.

It writes to every app, so it lives in the wiring layer. Clinical writes go through the case and
scheduling services, attributed to the demo coordinator, so the history tables tell the same story
as real use. Seeding is idempotent: users are found by username, the board by name, patients by MRN,
meetings by board and start, and whatever exists already is left as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from cases import services
from cases.models import Case, Patient
from recommendations.decisions.services import (
    ActivityChange,
    decision_record_open,
    decision_record_update,
    plan_save,
    plan_sign,
)
from recommendations.models import ConsensusPlan, DecisionRecord
from recommendations.patient_summaries import services as summary_services
from scheduling import services as scheduling_services
from scheduling.models import AgendaItem, Board, BoardMembership, Meeting, SpecialistProfile
from tumorboard import roles

from .data import (
    BOARD_NAME,
    BOARD_REQUIRED_DISCIPLINES,
    BOARD_TIME_ZONE,
    CARE_TEAM_PHONE,
    CASES,
    CHAIR_USERNAME,
    COORDINATOR_USERNAME,
    DECIDED_AGENDA,
    DECIDED_MEETING,
    DECISIONS,
    DEMO_PASSWORD,
    DEMO_URL,
    MEETING_LOCATION,
    OUT_OF_HOURS_PHONE,
    PATIENT_LOGIN_MRN,
    PATIENT_USERNAME,
    QUORUM_NOTE,
    REGULAR_AGENDA,
    REGULAR_MEETING,
    SUMMARY_LANGUAGES,
    URGENT_AGENDA,
    URGENT_MEETING,
    USERS,
    mrn,
)


@dataclass
class SeedSummary:
    created: dict[str, int] = field(default_factory=dict)
    existing_users: list[str] = field(default_factory=list)

    def count(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n


# --- helpers -------------------------------------------------------------------------------


def _birth_date(today: dt.date, age: int, offset_days: int) -> dt.date:
    """A date of birth giving exactly `age` today: the last birthday was `offset_days` ago."""
    last_birthday = today - dt.timedelta(days=offset_days)
    try:
        return last_birthday.replace(year=last_birthday.year - age)
    except ValueError:  # 29 February in a non-leap year
        return last_birthday.replace(year=last_birthday.year - age, day=28)


def _years_ago(today: dt.date, years: int, extra_days: int = 60) -> dt.date:
    return today - dt.timedelta(days=365 * years + extra_days)


def _tracked_create(model, *, by: AbstractBaseUser, **fields: Any):
    """Create a record the case/scheduling services do not cover yet, with the same discipline."""
    instance = model(**fields)
    instance.created_by = by
    instance.updated_by = by
    instance._history_user = by
    instance.full_clean()
    instance.save()
    return instance


def _next_weekday(today: dt.date, weekday: int) -> dt.date:
    """The next such weekday strictly after today (1–7 days ahead), so the meeting is upcoming."""
    return today + dt.timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _at(day: dt.date, time: dt.time, zone: str) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=ZoneInfo(zone))


# --- seeding steps --------------------------------------------------------------------------


def _seed_users(summary: SeedSummary) -> dict[str, AbstractBaseUser]:
    User = get_user_model()  # noqa: N806
    groups = roles.ensure_role_groups()
    users = {}
    for spec in USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User.objects.create_user(
                username=spec.username,
                password=DEMO_PASSWORD,
                first_name=spec.first_name,
                last_name=spec.last_name,
                email=f"{spec.username}@example.org",
            )
            summary.count("users")
        else:
            summary.existing_users.append(spec.username)
        user.groups.add(*(groups[name] for name in spec.groups))
        users[spec.username] = user
    return users


def _seed_board(users: dict[str, AbstractBaseUser], summary: SeedSummary) -> Board:
    coordinator = users[COORDINATOR_USERNAME]
    board = Board.objects.filter(name=BOARD_NAME).first()
    if board is None:
        board = _tracked_create(
            Board,
            by=coordinator,
            name=BOARD_NAME,
            time_zone=BOARD_TIME_ZONE,
            required_disciplines=BOARD_REQUIRED_DISCIPLINES,
        )
        summary.count("boards")
    for spec in USERS:
        user = users[spec.username]
        if (
            spec.membership
            and not BoardMembership.objects.filter(
                board=board, user=user, role=spec.membership
            ).exists()
        ):
            _tracked_create(
                BoardMembership, by=coordinator, board=board, user=user, role=spec.membership
            )
            summary.count("memberships")
        if spec.discipline and not SpecialistProfile.objects.filter(user=user).exists():
            _tracked_create(
                SpecialistProfile,
                by=coordinator,
                user=user,
                discipline=spec.discipline,
                title=spec.title,
            )
            summary.count("specialist profiles")
    return board


def _link_patient_login(patient: Patient, user: AbstractBaseUser, *, by: AbstractBaseUser) -> None:
    # cases.services has no write for the login link yet; same discipline as its _save.
    if patient.user_id is not None or Patient.objects.filter(user=user).exists():
        return
    patient.user = user
    patient.updated_by = by
    patient._history_user = by
    patient.full_clean()
    patient.save(update_fields=["user", "updated_by", "updated_at"])


def _seed_case(
    row: dict[str, Any], *, board: Board, by: AbstractBaseUser, today: dt.date, summary: SeedSummary
) -> Case:
    person = row["patient"]
    patient = Patient.objects.filter(mrn=mrn(row["number"])).first()
    if patient is None:
        patient = services.patient_create(
            by=by,
            mrn=mrn(row["number"]),
            given_name=person["given_name"],
            family_name=person["family_name"],
            date_of_birth=_birth_date(today, person["age"], person["birthday_offset"]),
            sex=person["sex"],
            email=person.get("email", ""),
        )
        summary.count("patients")
    case = patient.cases.filter(board=board).order_by("created_at").first()
    if case is not None:
        return case

    data = dict(row["case"])
    years = data.pop("diagnosis_years_ago")
    now = timezone.now()
    data["diagnosis_date"] = _years_ago(today, years)
    data["neuro_exam_date"] = today - dt.timedelta(days=1)
    data["goals_reported_by"] = Case.GoalsReporter.PATIENT
    if "deficit_hours" in row:
        data["deficit_onset"] = now - dt.timedelta(hours=row["deficit_hours"])
    lesions = []
    for lesion in row["lesions"]:
        lesion = dict(lesion)
        lesion["imaging_date"] = today - dt.timedelta(days=lesion.pop("_days_ago"))
        lesions.append(lesion)
    case = services.case_create(by=by, patient=patient, board=board, lesions=lesions, **data)
    summary.count("cases")
    summary.count("lesions", len(lesions))

    for treatment in row.get("prior_treatments", []):
        treatment = dict(treatment)
        treated_on = today - dt.timedelta(days=round(30.4 * treatment.pop("months_ago")))
        services.prior_treatment_add(case=case, by=by, treated_on=treated_on, **treatment)
        summary.count("prior treatments")
    if row["status"] != Case.Status.REFERRED:
        case = services.case_transition(case=case, to=Case.Status.READY, by=by)
    return case


def _schedule(
    cases: list[Case],
    *,
    board: Board,
    starts_at: dt.datetime,
    meeting_minutes: int,
    kind: str,
    video_link: str,
    by: AbstractBaseUser,
    summary: SeedSummary,
    minutes_each: int,
) -> None:
    """Put the cases, in order, on the demo meeting starting at `starts_at` (created if needed).

    A case the seed scheduled before, on this or an earlier day's demo meeting, stays where it
    is; with nothing left to schedule no meeting is created, so a re-run on a later day does not
    add empty meetings.
    """
    pending = [case for case in cases if not AgendaItem.objects.filter(case=case).exists()]
    if not pending:
        return
    meeting = Meeting.objects.filter(board=board, starts_at=starts_at).first()
    if meeting is None:
        meeting = scheduling_services.meeting_create(
            board=board,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=meeting_minutes),
            kind=kind,
            location=MEETING_LOCATION,
            video_link=video_link,
            by=by,
        )
        summary.count("meetings")
    for case in pending:
        scheduling_services.agenda_item_add(
            meeting=meeting, case=case, by=by, minutes_allotted=minutes_each
        )
        summary.count("agenda items")  # agenda_item_add moves a ready case to "scheduled"


def _seed_contact_numbers(board: Board, *, by: AbstractBaseUser) -> Board:
    """The numbers every patient summary gives; a board that has its own keeps them."""
    changes = {}
    if not board.care_team_phone:
        changes["care_team_phone"] = CARE_TEAM_PHONE
    if not board.out_of_hours_phone:
        changes["out_of_hours_phone"] = OUT_OF_HOURS_PHONE
    if changes:
        board = scheduling_services.board_settings_update(board=board, by=by, **changes)
    return board


def _sign_plan(item: AgendaItem, number: int, *, chair: AbstractBaseUser, today: dt.date):
    """The board's decision for demo case `number`, through the decision services: the record
    (pre-filled by decision support, then the options the board weighed), the plan's activities,
    and the chair's signature."""
    decision = DECISIONS[number]
    record = decision_record_open(agenda_item=item, by=chair)
    record = decision_record_update(
        record=record,
        expected_version=record.version,
        by=chair,
        options=decision["options"],
        patient_involvement=DecisionRecord.Involvement.WILL_BE,
    )
    plan = ConsensusPlan.objects.get(decision=record)
    plan = plan_save(
        plan=plan,
        expected_version=plan.version,
        by=chair,
        fields={"outcome": ConsensusPlan.Outcome.AGREED, "summary": decision["summary"]},
        activities=[
            ActivityChange(
                "add",
                fields={
                    "kind": spec["kind"],
                    "description": spec["description"],
                    "responsible_discipline": spec["responsible_discipline"],
                    "due_date": today + dt.timedelta(days=spec["days"]),
                    "details": spec["details"],
                    "position": position,
                },
            )
            for position, spec in enumerate(decision["activities"], 1)
        ],
    )
    return plan_sign(plan=plan, by=chair, quorum_override_reason=QUORUM_NOTE)


def _seed_decisions(
    cases: list[Case],
    *,
    board: Board,
    users: dict[str, AbstractBaseUser],
    today: dt.date,
    summary: SeedSummary,
) -> None:
    """Last week's meeting: each case discussed, its plan signed, and an English and a Spanish
    summary drafted by the coordinator and released by the chair. A case already on an agenda is
    left as it is (idempotent)."""
    pending = [case for case in cases if not AgendaItem.objects.filter(case=case).exists()]
    if not pending:
        return
    coordinator, chair = users[COORDINATOR_USERNAME], users[CHAIR_USERNAME]
    starts_at = _at(
        today - dt.timedelta(days=DECIDED_MEETING["days_ago"]),
        DECIDED_MEETING["time"],
        board.time_zone,
    )
    meeting = Meeting.objects.filter(board=board, starts_at=starts_at).first()
    if meeting is None:
        # meeting_create plans meetings ahead and refuses the past; this one has taken place.
        meeting = _tracked_create(
            Meeting,
            by=coordinator,
            board=board,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=DECIDED_MEETING["minutes"]),
            kind=Meeting.Kind.REGULAR,
            location=MEETING_LOCATION,
        )
        summary.count("meetings")
    position = meeting.agenda_items.count()
    for case in pending:
        # agenda_item_add refuses a meeting that has started: place the case as it would have.
        position += 1
        item = _tracked_create(
            AgendaItem,
            by=coordinator,
            meeting=meeting,
            case=case,
            position=position,
            minutes_allotted=10,
        )
        case = services.case_transition(case=case, to=Case.Status.SCHEDULED, by=coordinator)
        summary.count("agenda items")
        number = next(n for n in DECIDED_AGENDA if case.patient.mrn == mrn(n))
        plan = _sign_plan(item, number, chair=chair, today=today)
        summary.count("signed plans")
        for language in SUMMARY_LANGUAGES:
            draft = summary_services.patient_summary_draft(
                plan=plan, by=coordinator, language=language
            )
            summary_services.patient_summary_release(summary=draft, by=chair)
            summary.count("released patient summaries")
    # The meeting is over: closing it releases its cases' places on an open agenda.
    if meeting.status != Meeting.Status.CLOSED:
        scheduling_services.meeting_close(meeting=meeting, by=coordinator)


@transaction.atomic
def seed_demo() -> SeedSummary:
    """Create the demo board, people, cases and meetings; existing ones are left untouched."""
    summary = SeedSummary()
    users = _seed_users(summary)
    coordinator = users[COORDINATOR_USERNAME]
    board = _seed_contact_numbers(_seed_board(users, summary), by=coordinator)
    zone = board.time_zone
    today = timezone.localtime(timezone.now(), ZoneInfo(zone)).date()

    cases = {
        row["number"]: _seed_case(row, board=board, by=coordinator, today=today, summary=summary)
        for row in CASES
    }
    _link_patient_login(
        Patient.objects.get(mrn=PATIENT_LOGIN_MRN), users[PATIENT_USERNAME], by=coordinator
    )

    _schedule(
        [cases[n] for n in REGULAR_AGENDA],
        board=board,
        starts_at=_at(
            _next_weekday(today, REGULAR_MEETING["weekday"]), REGULAR_MEETING["time"], zone
        ),
        meeting_minutes=REGULAR_MEETING["minutes"],
        kind=Meeting.Kind.REGULAR,
        video_link="https://meet.example.org/spine-oncology-board",
        by=coordinator,
        summary=summary,
        minutes_each=10,
    )
    _schedule(
        [cases[n] for n in URGENT_AGENDA],
        board=board,
        starts_at=_at(today + dt.timedelta(days=1), URGENT_MEETING["time"], zone),
        meeting_minutes=URGENT_MEETING["minutes"],
        kind=Meeting.Kind.AD_HOC,
        video_link="https://meet.example.org/spine-oncology-board-urgent",
        by=coordinator,
        summary=summary,
        minutes_each=20,
    )
    _seed_decisions(
        [cases[n] for n in DECIDED_AGENDA], board=board, users=users, today=today, summary=summary
    )
    return summary


def logins() -> list[tuple[str, str, str]]:
    """(role, username, password) for each demo login, in the order people meet them."""
    return [(spec.role_label, spec.username, DEMO_PASSWORD) for spec in USERS]


def format_summary(summary: SeedSummary, *, url: str = DEMO_URL) -> str:
    if summary.created:
        made = ", ".join(
            f"{n} {what if n != 1 else what.removesuffix('s')}"
            for what, n in summary.created.items()
        )
        lines = [f"Demo data created: {made}."]
    else:
        lines = ["Demo data already present: nothing new was created."]
    if summary.existing_users:
        lines.append(
            "Left as they were (passwords included): " + ", ".join(summary.existing_users) + "."
        )
    rows = [("Role", "Username", "Password"), *logins()]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines.append("")
    lines.append(f"Demo logins (the password {DEMO_PASSWORD!r} is for the local demo only):")
    for i, row in enumerate(rows):
        lines.append(
            "  "
            + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
        if i == 0:
            lines.append("  " + "  ".join("-" * width for width in widths))
    lines.append("")
    lines.append(f"Open {url} and sign in.")
    return "\n".join(lines)
