"""The board's results page over a large database: two years of meetings on top of bench/seed.py.

    .venv/bin/python bench/seed.py --db tb_bench_1m --port 5432 --cases 1000000 [--skip-derived]
    .venv/bin/python bench/dashboard.py --db tb_bench_1m --port 5432 [--weeks 104] \\
        [--cases-per-meeting 40] [--rounds 3] [--duration 5] [--in-process-only]

1. Adds (once; a meeting room named "Bench results room" marks it) --weeks weekly closed meetings
   of the demo board ending last week, each with --cases-per-meeting of the board's bench cases on
   its agenda: a signed plan for each (agreed; one in ten deferred, one in twenty re-discuss),
   surgery/radiotherapy/systemic activities in every status, three specialists' opinions,
   attendance, 6-week and 3-month follow-ups and a date of death for two patients in five. The
   rest of the database (the seed's million cases) is what the queries must not read.
2. In this process: the results for the last 365 days (the page's default period), timed over
   --repeat runs (median and max) with the query count, for the selector alone and the page, the
   API and the CSV through Django's test client.
3. Unless --in-process-only: gunicorn (gunicorn.conf.py, DEBUG off) and wrk as bench/endpoints.py
   does, the results API, page and CSV interleaved with the floor; the table is bench/endpoints.py's
   (single-client p50/p95 in ms: the goal is a p95 under 1000 ms).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

if __package__ in {None, ""}:  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.endpoints import (
    HEADER,
    Endpoint,
    Result,
    collectstatic,
    loadavg,
    measure_endpoints,
    server_env,
)
from bench.seed import (
    BENCH_USERNAME,
    add_target_arguments,
    created_by_us,
    setup_django,
    target_from,
)

ROOM = "Bench results room"
REGIMENS = ["8 Gy x 1", "20 Gy/5", "30 Gy/10", "24 Gy/2", "27 Gy/3"]
STATUSES = ["done"] * 6 + ["deviated", "cancelled", "planned", "in_progress"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_target_arguments(parser)
    parser.add_argument("--weeks", type=int, default=104, help="weekly meetings to add (104)")
    parser.add_argument("--cases-per-meeting", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5, help="in-process timings (5)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--max-duration", type=float, default=30.0)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--http-port", type=int, default=8766)
    parser.add_argument("--in-process-only", action="store_true")
    args = parser.parse_args(argv)
    args.threads = min(args.threads, args.connections)
    return args


def seed_history(weeks: int, per_meeting: int) -> None:
    """Meetings, agendas, plans, activities, opinions, attendance and follow-ups (once)."""
    from django.db import transaction
    from django.utils import timezone

    from cases.models import Case, Patient
    from recommendations.models import (
        ConsensusPlan,
        DecisionRecord,
        FollowUp,
        Opinion,
        PlanActivity,
    )
    from scheduling.models import AgendaItem, Attendance, Board, Meeting
    from tumorboard.demo.data import BOARD_NAME

    board = Board.objects.get(name=BOARD_NAME)
    if Meeting.objects.filter(board=board, location=ROOM).exists():
        print("history already seeded", flush=True)
        return
    rng = random.Random(16)
    members = list(
        board.memberships.select_related("user__specialist_profile").exclude(
            user__specialist_profile=None
        )
    )
    people = list({m.user.pk: m.user for m in members}.values())  # a member may hold two duties
    specialists = people[:3]
    chair = specialists[0]
    cases = list(
        Case.objects.filter(board=board, agenda_items=None)
        .order_by("id")
        .values_list("id", "patient_id")[: weeks * per_meeting]
    )
    began = time.perf_counter()
    last = timezone.now().replace(hour=8, minute=0, second=0, microsecond=0) - dt.timedelta(days=7)
    with transaction.atomic():
        meetings = Meeting.objects.bulk_create(
            Meeting(
                board=board,
                starts_at=last - dt.timedelta(weeks=w) + dt.timedelta(minutes=7),
                ends_at=last - dt.timedelta(weeks=w) + dt.timedelta(minutes=67),
                location=ROOM,
                status=Meeting.Status.CLOSED,
            )
            for w in range(weeks)
        )
        items, when = [], {}
        for number, (case_id, _) in enumerate(cases):
            meeting = meetings[number // per_meeting]
            items.append(
                AgendaItem(
                    meeting=meeting,
                    case_id=case_id,
                    position=number % per_meeting + 1,
                    is_open=False,
                )
            )
            when[case_id] = meeting.starts_at
        items = AgendaItem.objects.bulk_create(items, batch_size=2000)
        for case_id, starts in when.items():
            when[case_id] = starts - dt.timedelta(hours=rng.randint(20, 24 * 30))
        for chunk in range(0, len(cases), 2000):
            part = [c for c, _ in cases[chunk : chunk + 2000]]
            Case.objects.filter(pk__in=part).update(
                status=Case.Status.PLAN_SIGNED, status_changed_at=timezone.now()
            )
        # created_at is auto_now_add: set it per case in one UPDATE per batch.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE cases_case SET created_at = %s WHERE id = %s",
                [(created, case_id) for case_id, created in when.items()],
            )
        decisions = DecisionRecord.objects.bulk_create(
            (DecisionRecord(agenda_item=item, information_needed="Awaiting MRI") for item in items),
            batch_size=2000,
        )
        plans = ConsensusPlan.objects.bulk_create(
            (
                ConsensusPlan(
                    decision=decision,
                    outcome=rng.choices(
                        ["agreed", "deferred_pending_information", "rediscuss"], [17, 2, 1]
                    )[0],
                    status="signed",
                    signed_by=chair,
                    signed_at=item.meeting.starts_at + dt.timedelta(hours=rng.randint(1, 96)),
                    quorum_met=True,
                )
                for decision, item in zip(decisions, items, strict=True)
            ),
            batch_size=2000,
        )
        activities, opinions, follow_ups, deaths = [], [], [], []
        for plan, item in zip(plans, items, strict=True):
            signed = plan.signed_at.date()
            kinds = rng.choice(
                [["surgery", "radiation"], ["radiation"], ["systemic"], ["radiation", "systemic"]]
            )
            for kind in kinds:
                status = rng.choice(STATUSES)
                ended = status in ("done", "deviated")
                activities.append(
                    PlanActivity(
                        plan=plan,
                        kind=kind,
                        description=kind,
                        details={"regimen": rng.choice(REGIMENS)} if kind == "radiation" else {},
                        responsible_discipline="radiation_oncology",
                        status=status,
                        due_date=signed + dt.timedelta(days=14),
                        completed_on=signed + dt.timedelta(days=rng.randint(1, 30))
                        if ended
                        else None,
                        status_reason="bench" if status in ("deviated", "cancelled") else "",
                        done_instead="bench" if status == "deviated" else "",
                    )
                )
            for author in specialists:
                opinions.append(
                    Opinion(
                        case_id=item.case_id,
                        meeting=item.meeting,
                        author=author,
                        discipline=author.specialist_profile.discipline,
                        options=rng.choice(
                            [
                                ["no_surgery", "cebrt"],
                                ["separation_surgery", "sbrt"],
                                ["systemic_start"],
                            ]
                        ),
                        rationale="Bench.",
                        confidence="moderate",
                        submitted_at=item.meeting.starts_at
                        - dt.timedelta(hours=rng.randint(0, 72)),
                    )
                )
            for days in (42, 91):
                follow_ups.append(
                    FollowUp(
                        case_id=item.case_id,
                        plan=plan,
                        timepoint_days=days,
                        due_on=signed + dt.timedelta(days=days),
                        status="recorded",
                        recorded_on=signed + dt.timedelta(days=days),
                        ambulatory=rng.choice(["independent", "with_aid", "non_ambulatory"]),
                        pain_score=rng.randint(0, 8),
                    )
                )
            if rng.random() < 0.4:
                deaths.append((signed + dt.timedelta(days=rng.randint(10, 400)), item.case_id))
        PlanActivity.objects.bulk_create(activities, batch_size=2000)
        Opinion.objects.bulk_create(opinions, batch_size=2000)
        FollowUp.objects.bulk_create(follow_ups, batch_size=2000)
        patient_of = dict(cases)
        for died, case_id in deaths:
            Patient.objects.filter(pk=patient_of[case_id]).update(date_of_death=died)
        Attendance.objects.bulk_create(
            Attendance(meeting=meeting, user=user, mode=rng.choice(["in_person", "remote"]))
            for meeting in meetings
            for user in people
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"seeded {len(meetings)} meetings, {len(items)} agenda items, {len(activities)} "
        f"activities, {len(opinions)} opinions in {time.perf_counter() - began:.1f}s",
        flush=True,
    )


def in_process(repeat: int) -> tuple[str, list[tuple[str, float, float, int]]]:
    """(board uuid, rows of (what, median ms, max ms, queries))."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from recommendations.dashboard.selectors import Period, board_results
    from scheduling.models import Board
    from tumorboard.demo.data import BOARD_NAME

    board = Board.objects.get(name=BOARD_NAME)
    user = get_user_model().objects.get(username=BENCH_USERNAME)
    client = Client()
    client.force_login(user)
    query = f"?board={board.uuid}"
    period = Period.ending(dt.date.today())
    runs = {
        "selector (board_results)": lambda: board_results(board, period),
        "page /results/": lambda: client.get("/results/" + query),
        "API /api/v1/results/": lambda: client.get("/api/v1/results/" + query),
        "CSV /results.csv": lambda: client.get("/results.csv" + query),
    }
    rows = []
    for name, call in runs.items():
        call()  # warm
        times = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as ctx:
                began = time.perf_counter()
                call()
                times.append(1000 * (time.perf_counter() - began))
        rows.append((name, statistics.median(times), max(times), len(ctx.captured_queries)))
    results = board_results(board, period)
    print(
        f"period {period.start}..{period.end}: "
        f"{results.figure('cases_discussed').value:g} cases discussed, "
        f"{results.figure('plans_signed').value:g} plans signed",
        flush=True,
    )
    return str(board.uuid), rows


def over_http(args, board_uuid: str) -> list[Result]:
    """The results API, page and CSV measured as bench/endpoints.py measures an endpoint, but the
    single-client p50/p95 from 20 requests one by one."""
    from django.contrib.auth import get_user_model

    target = target_from(args)
    chosen = [
        Endpoint("results-api", f"/api/v1/results/?board={board_uuid}", "token"),
        Endpoint("results-page", f"/results/?board={board_uuid}", "session"),
        Endpoint("results-csv", f"/results.csv?board={board_uuid}", "session"),
    ]
    env = server_env(target, args.http_port, args.workers)
    results = [Result(e, connections=args.connections) for e in chosen]
    user_id = get_user_model().objects.get(username=BENCH_USERNAME).pk
    print(HEADER, flush=True)
    measure_endpoints(args, env, results, user_id, one_by_one=20)
    return results


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    target = target_from(args)
    if not created_by_us(target):
        sys.exit(f"{target.dbname} was not created by bench/seed.py: seed it first.")
    start_load = loadavg()
    setup_django(target, debug=False)
    seed_history(args.weeks, args.cases_per_meeting)
    from cases.models import Case

    print(f"{Case.objects.count():,} cases in the database", flush=True)
    collectstatic(server_env(target, args.http_port, args.workers))  # pages need the manifest
    board_uuid, rows = in_process(args.repeat)
    print(f"{'in process':<28} {'median ms':>10} {'max ms':>8} {'queries':>8}  goal < 1000 ms")
    for name, median_ms, max_ms, queries in rows:
        verdict = "ok" if max_ms < 1000 else "SLOW"
        print(f"{name:<28} {median_ms:>10.1f} {max_ms:>8.1f} {queries:>8}  {verdict}")
    if not args.in_process_only:
        for result in over_http(args, board_uuid):
            verdict = "ok" if result.single_p95_ms < 1000 else "SLOW"
            print(
                f"{result.endpoint.name}: single-client p95 {result.single_p95_ms:.0f} ms "
                f"({verdict}), {result.queries} queries"
            )
    print(f"loadavg start {start_load} / end {loadavg()}")


if __name__ == "__main__":
    main()
