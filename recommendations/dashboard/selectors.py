"""What the results page reads: one board, one period, a fixed number of queries.

Access: the boards the user coordinates or chairs (`scheduling.access`); a board the user cannot
see is 404, one they see but do not coordinate 403, and patients never get here (403).

Scope: a case counts in the period of the meeting that discussed it (meetings of the board that
start within the period, in the board's time zone, and were not cancelled). Each query returns
only the columns a figure needs, for that board and period (bounded: a period is at most
MAX_PERIOD_DAYS), and the figures are computed from them by the plain functions of
clinical.outcomes, so SQLite (the first-run default) and PostgreSQL give the same answers. The
queries use the indexes the meeting pages use (meeting board + start, the agenda's meeting,
opinions by meeting and case, attendance by meeting).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q

from cases.assessment import board_sbrt_regimens
from cases.models import Case
from clinical import outcomes
from recommendations.models import (
    ConsensusPlan,
    FollowUp,
    Opinion,
    PlanActivity,
    Rediscussion,
)
from recommendations.summaries.build import noms_answers, opinion_answers
from scheduling.access import boards_coordinated_by, boards_visible_to, can_coordinate
from scheduling.models import AgendaItem, Attendance, Board, Discipline, Invitation, Meeting
from scheduling.recurrence import board_zone
from scheduling.rules import PRESENT_MODES
from tumorboard.errors import BAD_INPUT, ApplicationError

MAX_PERIOD_DAYS = 731  # two years: the lists the figures are computed from stay bounded
DEFAULT_PERIOD_DAYS = 365
NOT_RESULTS = "Only the board's coordinators and chair see its results."
TREATMENT_KINDS = (
    PlanActivity.Kind.SURGERY,
    PlanActivity.Kind.RADIATION,
    PlanActivity.Kind.SYSTEMIC,
)
DISCIPLINE_LABELS = dict(Discipline.choices)
HOUR = 3600.0
DAY = 86400.0


# --- access and period -------------------------------------------------------------------------


def results_boards(user) -> list[Board]:
    """The boards whose results the user may read (coordinator or chair), by name."""
    return list(boards_coordinated_by(user).order_by("name"))


def results_board(user, board_uuid) -> Board:
    """The board by uuid: Board.DoesNotExist when the user cannot see it, PermissionDenied when
    they see it but neither coordinate nor chair it."""
    board = boards_visible_to(user).get(uuid=board_uuid)
    if not can_coordinate(user, board):
        raise PermissionDenied(NOT_RESULTS)
    return board


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included, read in the board's time zone."""

    start: dt.date
    end: dt.date

    @classmethod
    def ending(cls, today: dt.date, days: int = DEFAULT_PERIOD_DAYS) -> Period:
        return cls(start=today - dt.timedelta(days=days - 1), end=today)

    @classmethod
    def checked(cls, start: dt.date, end: dt.date) -> Period:
        errors: dict[str, list[str]] = {}
        if end < start:
            errors["end"] = ["The period ends before it starts."]
        elif (end - start).days + 1 > MAX_PERIOD_DAYS:
            errors["end"] = [f"Choose a period of at most {MAX_PERIOD_DAYS} days."]
        for name, day in (("start", start), ("end", end)):
            if not dt.date(2000, 1, 1) <= day <= dt.date(2099, 12, 31):
                errors[name] = ["Give a date from 2000 to 2099."]
        if errors:
            raise ApplicationError(BAD_INPUT, fields=errors)
        return cls(start=start, end=end)

    def moments(self, board: Board) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as aware datetimes: midnight in the board's zone."""
        zone = board_zone(board.time_zone)
        first = dt.datetime.combine(self.start, dt.time(), tzinfo=zone)
        after = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        return first, after


# --- what the page shows ------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One number on the page and one row of the CSV. `n` is how many records it is computed
    from; `value` is None when there are none."""

    section: str
    key: str
    label: str
    value: float | None
    unit: str  # days, hours, share (0–1), count
    n: int
    target: float | None = None


@dataclass
class Results:
    board: Board
    period: Period
    figures: list[Figure] = field(default_factory=list)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    survival: dict[str, list[outcomes.SurvivalStep]] = field(default_factory=dict)

    def add(self, section: str, key: str, label: str, value, unit: str, n: int, target=None):
        value = None if value is None else round(float(value), 4)
        self.figures.append(Figure(section, key, label, value, unit, n, target))

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)

    def section(self, name: str) -> list[Figure]:
        return [f for f in self.figures if f.section == name]


def _durations(pairs, unit: float) -> list[float]:
    """(later, earlier) datetime pairs -> elapsed time in `unit` seconds (missing ones dropped)."""
    return [
        (later - earlier).total_seconds() / unit
        for later, earlier in pairs
        if later is not None and earlier is not None
    ]


def _timed(results: Results, key: str, label: str, values: list[float], unit: str, target):
    results.add(
        "timeliness",
        f"{key}_median",
        f"{label}: median",
        outcomes.median(values),
        unit,
        len(values),
    )
    results.add(
        "timeliness",
        f"{key}_within_target",
        f"{label}: share within {target:g} {unit}",
        outcomes.share_within(values, target),
        "share",
        len(values),
        target,
    )


def board_results(board: Board, period: Period) -> Results:
    """Every figure of the results page for `board` over `period` (see the module docstring)."""
    results = Results(board=board, period=period)
    first, after = period.moments(board)
    meetings = (
        Meeting.objects.filter(board=board, starts_at__gte=first, starts_at__lt=after)
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("starts_at")
    )
    meeting_rows = list(meetings.values("id", "starts_at"))
    in_period = Q(meeting__board=board, meeting__starts_at__gte=first, meeting__starts_at__lt=after)
    in_period &= ~Q(meeting__status=Meeting.Status.CANCELLED)
    earlier_item = AgendaItem.objects.filter(
        case=OuterRef("case"), meeting__starts_at__lt=OuterRef("meeting__starts_at")
    ).exclude(meeting__status=Meeting.Status.CANCELLED)
    items = list(
        AgendaItem.objects.filter(in_period)
        .annotate(first_discussion=~Exists(earlier_item))
        .values(
            "id",
            "case_id",
            "meeting_id",
            "meeting__starts_at",
            "case__created_at",
            "case__urgency",
            "case__ambulatory",
            "case__pain_score",
            "case__patient_id",
            "case__patient__date_of_death",
            "first_discussion",
            "decision__plan__id",
            "decision__plan__status",
            "decision__plan__outcome",
            "decision__plan__signed_at",
            "decision__information_needed",
            "case__stored_assessment__assessment__lesions",
        )
    )
    # The period's plans as a subquery: a list of thousands of ids costs more to send and parse.
    plan_ids = ConsensusPlan.objects.filter(
        decision__agenda_item__in=AgendaItem.objects.filter(in_period)
    ).values("id")
    activities = list(
        PlanActivity.objects.filter(plan_id__in=plan_ids).values(
            "plan_id", "kind", "details", "status", "due_date", "completed_on"
        )
    )
    follow_ups = list(
        FollowUp.objects.filter(plan_id__in=plan_ids).values(
            "plan_id", "timepoint_days", "status", "recorded_on", "ambulatory", "pain_score"
        )
    )
    rediscussions = Rediscussion.objects.filter(
        agenda_item__in=AgendaItem.objects.filter(in_period)
    ).count()
    opinions = list(
        Opinion.objects.filter(in_period).values(
            "case_id", "meeting_id", "discipline", "options", "regimen", "urgency", "submitted_at"
        )
    )
    _timeliness(results, items, activities)
    _participation(results, board, meeting_rows, opinions, in_period)
    _decisions(results, board, meeting_rows, items, activities, opinions, rediscussions)
    _follow_through(results, activities)
    _outcomes(results, items, activities, follow_ups)
    return results


def _local_date(moment: dt.datetime, board: Board) -> dt.date:
    return moment.astimezone(board_zone(board.time_zone)).date()


def _timeliness(results: Results, items: list[dict], activities: list[dict]) -> None:
    board = results.board
    first = [row for row in items if row["first_discussion"]]
    emergency = [row for row in first if row["case__urgency"] == Case.Urgency.EMERGENCY]
    other = [row for row in first if row["case__urgency"] != Case.Urgency.EMERGENCY]
    _timed(
        results,
        "referral_to_meeting",
        "Referral to meeting (routine and urgent)",
        _durations(((r["meeting__starts_at"], r["case__created_at"]) for r in other), DAY),
        "days",
        board.target_referral_to_meeting_days,
    )
    _timed(
        results,
        "emergency_referral_to_meeting",
        "Emergency (cord compression) referral to meeting",
        _durations(((r["meeting__starts_at"], r["case__created_at"]) for r in emergency), HOUR),
        "hours",
        board.target_urgent_hours,
    )
    signed = [r for r in items if r["decision__plan__status"] == ConsensusPlan.Status.SIGNED]
    _timed(
        results,
        "meeting_to_signed_plan",
        "Meeting to signed plan",
        _durations(
            ((r["decision__plan__signed_at"], r["meeting__starts_at"]) for r in signed), DAY
        ),
        "days",
        board.target_plan_signed_days,
    )
    # The first treatment: the earliest completed surgery, radiotherapy or systemic therapy.
    first_treatment: dict[int, dt.date] = {}
    for activity in activities:
        done_on = activity["completed_on"]
        if (
            activity["kind"] in TREATMENT_KINDS
            and activity["status"] == PlanActivity.Status.DONE
            and done_on is not None
        ):
            plan = activity["plan_id"]
            first_treatment[plan] = min(done_on, first_treatment.get(plan, done_on))
    treated = [
        float(
            (
                first_treatment[r["decision__plan__id"]]
                - _local_date(r["decision__plan__signed_at"], board)
            ).days
        )
        for r in signed
        if r["decision__plan__id"] in first_treatment
    ]
    _timed(
        results,
        "signed_plan_to_treatment",
        "Signed plan to first treatment",
        treated,
        "days",
        board.target_treatment_days,
    )
    monthly: dict[str, list[float]] = defaultdict(list)
    for row in other:
        month = row["meeting__starts_at"].astimezone(board_zone(board.time_zone)).strftime("%Y-%m")
        monthly[month] += _durations([(row["meeting__starts_at"], row["case__created_at"])], DAY)
    results.tables["timeliness_by_month"] = [
        {"month": month, "cases": len(values), "median_days": outcomes.median(values)}
        for month, values in sorted(monthly.items())
    ]


def _participation(results, board, meeting_rows, opinions, in_period) -> None:
    meeting_ids = [m["id"] for m in meeting_rows]
    attendance = list(
        Attendance.objects.filter(meeting_id__in=meeting_ids).values(
            "meeting_id", "user_id", "mode", "user__specialist_profile__discipline"
        )
    )
    invited_for = {
        (row["meeting_id"], row["user_id"]): row["discipline"]
        for row in Invitation.objects.filter(meeting_id__in=meeting_ids)
        .exclude(discipline="")
        .values("meeting_id", "user_id", "discipline")
    }
    present: dict[int, set[str]] = defaultdict(set)
    present_people: dict[int, set[int]] = defaultdict(set)
    recorded: set[int] = set()
    for row in attendance:
        recorded.add(row["meeting_id"])
        if row["mode"] in PRESENT_MODES:
            present_people[row["meeting_id"]].add(row["user_id"])
            discipline = invited_for.get((row["meeting_id"], row["user_id"])) or (
                row["user__specialist_profile__discipline"] or ""
            )
            if discipline:
                present[row["meeting_id"]].add(discipline)
    required = [str(d) for d in board.required_disciplines or []]
    minimum = max(board.quorum_min_present, 1)
    quorate = sum(
        1
        for meeting in recorded
        if all(d in present[meeting] for d in required) and len(present_people[meeting]) >= minimum
    )
    results.add("participation", "meetings", "Meetings held", len(meeting_rows), "count", 0)
    results.add(
        "participation",
        "attendance_recorded",
        "Meetings with attendance recorded",
        len(recorded),
        "count",
        len(meeting_rows),
    )
    results.add(
        "participation",
        "quorum_met",
        "Meetings with quorum",
        outcomes.share(quorate, len(recorded)),
        "share",
        len(recorded),
    )
    results.tables["attendance_by_discipline"] = [
        {
            "discipline": value,
            "label": str(label),
            "required": value in required,
            "meetings_present": (count := sum(1 for m in recorded if value in present[m])),
            "meetings": len(recorded),
            "share": outcomes.share(count, len(recorded)),
        }
        for value, label in Discipline.choices
        if value in required or any(value in present[m] for m in recorded)
    ]
    deadline = dt.timedelta(hours=board.opinion_deadline_hours)
    starts = {m["id"]: m["starts_at"] for m in meeting_rows}
    given: Counter[str] = Counter()
    on_time: Counter[str] = Counter()
    for op in opinions:
        given[op["discipline"]] += 1
        on_time[op["discipline"]] += op["submitted_at"] <= starts[op["meeting_id"]] - deadline
    results.add(
        "participation",
        "opinions_before_deadline",
        f"Opinions given by the deadline ({board.opinion_deadline_hours} h before)",
        outcomes.share(sum(on_time.values()), sum(given.values())),
        "share",
        sum(given.values()),
    )
    results.tables["opinions_by_discipline"] = [
        {
            "discipline": value,
            "label": str(label),
            "given": given[value],
            "before_deadline": on_time[value],
            "share": outcomes.share(on_time[value], given[value]),
        }
        for value, label in Discipline.choices
        if given[value]
    ]


def _regimen(details: Any) -> str:
    return str((details or {}).get("regimen") or "") if isinstance(details, dict) else ""


def _decisions(results, board, meeting_rows, items, activities, opinions, rediscussions) -> None:
    per_meeting = Counter(row["meeting_id"] for row in items)
    counts = [per_meeting[m["id"]] for m in meeting_rows]
    results.add("decisions", "cases_discussed", "Cases on the agendas", len(items), "count", 0)
    results.add(
        "decisions",
        "cases_per_meeting_median",
        "Cases per meeting: median",
        outcomes.median(counts),
        "count",
        len(counts),
    )
    signed = [r for r in items if r["decision__plan__status"] == ConsensusPlan.Status.SIGNED]
    outcome_counts = Counter(r["decision__plan__outcome"] for r in signed)
    results.add("decisions", "plans_signed", "Plans signed", len(signed), "count", 0)
    results.add(
        "decisions",
        "deferred",
        "Deferred pending information",
        outcome_counts[ConsensusPlan.Outcome.DEFERRED],
        "count",
        len(signed),
    )
    results.add(
        "decisions",
        "rediscuss",
        "Sent back for re-discussion",
        outcome_counts[ConsensusPlan.Outcome.REDISCUSS],
        "count",
        len(signed),
    )
    results.add(
        "decisions",
        "rediscussions",
        "Re-discussions requested after a plan (deviation, progression, new deficit)",
        rediscussions,
        "count",
        0,
    )
    reasons = Counter(
        " ".join((r["decision__information_needed"] or "").split())[:120] or "(no reason given)"
        for r in signed
        if r["decision__plan__outcome"] == ConsensusPlan.Outcome.DEFERRED
    )
    results.tables["deferral_reasons"] = [
        {"reason": reason, "count": count}
        for reason, count in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    ]
    # Agreement with the consensus: the agreed, signed plans' activities against each opinion
    # and the decision-support (NOMS) suggestion, question by question (clinical.outcomes).
    sbrt = board_sbrt_regimens(board).regimens
    by_plan: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for activity in activities:
        if activity["status"] != PlanActivity.Status.CANCELLED:
            by_plan[activity["plan_id"]].append((activity["kind"], _regimen(activity["details"])))
    agreed = {
        (r["case_id"], r["meeting_id"]): r
        for r in signed
        if r["decision__plan__outcome"] == ConsensusPlan.Outcome.AGREED
    }
    consensus = {
        key: outcomes.plan_answers(by_plan[row["decision__plan__id"]], sbrt)
        for key, row in agreed.items()
    }
    sbrt_labels = frozenset(r.label for r in sbrt)
    compared: Counter[str] = Counter()
    agreeing: Counter[str] = Counter()
    for op in opinions:
        plan = consensus.get((op["case_id"], op["meeting_id"]))
        if plan is None:
            continue
        given = opinion_answers(SimpleNamespace(**op), sbrt_labels)
        verdict = outcomes.agrees(given, plan)
        if verdict is not None:
            compared[op["discipline"]] += 1
            agreeing[op["discipline"]] += verdict
    results.tables["agreement_by_discipline"] = [
        {
            "discipline": value,
            "label": str(label),
            "compared": compared[value],
            "agreeing": agreeing[value],
            "share": outcomes.share(agreeing[value], compared[value]),
        }
        for value, label in Discipline.choices
        if compared[value]
    ]
    results.add(
        "decisions",
        "opinion_agreement",
        "Opinions agreeing with the consensus",
        outcomes.share(sum(agreeing.values()), sum(compared.values())),
        "share",
        sum(compared.values()),
    )
    noms_compared = noms_agreeing = 0
    for key, row in agreed.items():
        lesions = row["case__stored_assessment__assessment__lesions"] or []
        rows = [
            {
                "computable": (lesion.get("noms") or {}).get("computable"),
                "procedures": ((lesion.get("noms") or {}).get("result") or {}).get("procedures")
                or [],
                "radiation": ((lesion.get("noms") or {}).get("result") or {}).get("radiation"),
            }
            for lesion in lesions
            if isinstance(lesion, dict)
        ]
        verdict = outcomes.agrees(noms_answers(rows), consensus[key])
        if verdict is not None:
            noms_compared += 1
            noms_agreeing += verdict
    results.add(
        "decisions",
        "decision_support_agreement",
        "Decision-support (NOMS) suggestion agreeing with the consensus",
        outcomes.share(noms_agreeing, noms_compared),
        "share",
        noms_compared,
    )


def _follow_through(results: Results, activities: list[dict]) -> None:
    today = _local_date(dt.datetime.now(dt.UTC), results.board)
    statuses = Counter(a["status"] for a in activities)
    overdue = sum(
        1
        for a in activities
        if a["status"] in PlanActivity.OPEN and a["due_date"] is not None and a["due_date"] < today
    )
    total = len(activities)
    for key, label, count in (
        ("activities_done", "Activities done", statuses[PlanActivity.Status.DONE]),
        ("activities_deviated", "Activities deviated", statuses[PlanActivity.Status.DEVIATED]),
        ("activities_cancelled", "Activities cancelled", statuses[PlanActivity.Status.CANCELLED]),
        ("activities_overdue", "Activities overdue (open past their due date)", overdue),
    ):
        results.add("follow_through", key, label, count, "count", total)
        results.add(
            "follow_through",
            f"{key}_share",
            f"{label}: share",
            outcomes.share(count, total),
            "share",
            total,
        )


def _outcomes(results, items, activities, follow_ups) -> None:
    """Ambulation kept and pain response at 3 months, and survival, by treatment category: the
    agreed, signed plans of the period, one per patient (their first), by the plan as signed."""
    board = results.board
    sbrt = board_sbrt_regimens(board).regimens
    by_plan: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for activity in activities:
        if activity["status"] != PlanActivity.Status.CANCELLED:
            by_plan[activity["plan_id"]].append((activity["kind"], _regimen(activity["details"])))
    plans: dict[int, dict] = {}
    for row in sorted(items, key=lambda r: (r["meeting__starts_at"], r["id"])):
        if (
            row["decision__plan__status"] == ConsensusPlan.Status.SIGNED
            and row["decision__plan__outcome"] == ConsensusPlan.Outcome.AGREED
        ):
            plans.setdefault(row["case__patient_id"], row)
    recorded: dict[int, list[dict]] = defaultdict(list)
    for follow_up in follow_ups:
        if follow_up["status"] == FollowUp.Status.RECORDED:
            recorded[follow_up["plan_id"]].append(follow_up)
    kept: dict[str, list[bool]] = defaultdict(list)
    pain: dict[str, list[bool]] = defaultdict(list)
    observations: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for row in plans.values():
        plan = row["decision__plan__id"]
        category = outcomes.treatment_category(by_plan[plan], sbrt)
        seen = recorded[plan]
        at_three = [f for f in seen if outcomes.is_three_month(f["timepoint_days"])]
        three = (
            min(at_three, key=lambda f: abs(f["timepoint_days"] - outcomes.THREE_MONTHS_DAYS))
            if at_three
            else None
        )
        if three is not None and three["ambulatory"]:
            verdict = outcomes.ambulation_kept(row["case__ambulatory"], three["ambulatory"])
            if verdict is not None:
                kept[category].append(verdict)
        if three is not None and three["pain_score"] is not None and row["case__pain_score"]:
            response = outcomes.pain_response(row["case__pain_score"], three["pain_score"])
            pain[category].append(outcomes.responded(response))
        start = _local_date(row["decision__plan__signed_at"], board)
        death = row["case__patient__date_of_death"]
        if death is not None:
            observations[category].append((float(max((death - start).days, 0)), True))
        else:
            last = max((f["recorded_on"] for f in seen if f["recorded_on"]), default=start)
            observations[category].append((float(max((last - start).days, 0)), False))
    all_kept = [v for values in kept.values() for v in values]
    all_pain = [v for values in pain.values() for v in values]
    results.add(
        "outcomes",
        "ambulation_kept_3m",
        "Walking at referral and still walking at 3 months",
        outcomes.share(sum(all_kept), len(all_kept)),
        "share",
        len(all_kept),
    )
    results.add(
        "outcomes",
        "pain_response_3m",
        "Pain response at 3 months (complete or partial)",
        outcomes.share(sum(all_pain), len(all_pain)),
        "share",
        len(all_pain),
    )
    rows = []
    for category, label in outcomes.TREATMENT_CATEGORIES:
        steps = outcomes.kaplan_meier(observations[category])
        results.survival[category] = steps
        rows.append(
            {
                "category": category,
                "label": label,
                "patients": len(observations[category]),
                "deaths": sum(1 for _, died in observations[category] if died),
                "median_survival_days": outcomes.median_survival(steps),
                "survival_6_months": outcomes.survival_at(steps, 182) if steps else None,
                "ambulation_kept": outcomes.share(sum(kept[category]), len(kept[category])),
                "ambulation_n": len(kept[category]),
                "pain_response": outcomes.share(sum(pain[category]), len(pain[category])),
                "pain_n": len(pain[category]),
            }
        )
    results.tables["outcomes_by_treatment"] = rows
