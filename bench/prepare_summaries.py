"""Benchmark: a real Celery worker prepares the pre-meeting summaries of 40- and 400-case meetings,
beside the Celery no-op round trip (the floor) measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/prepare_summaries.py [--sizes 40,400] [--rounds 5]
        [--opinions 5] [--batch-size N] [--database NAME] [--port PORT] [--keep]

Needs PostgreSQL (DATABASE_URL names the server; --port overrides its port; its database part is
ignored unless --database is given) and Redis (CELERY_BROKER_URL, also used as the result backend
of the floor task). What it does, all on this machine:
1. creates a throwaway database `tumorboard_bench_summaries_<pid>` on that server (dropped at the
   end unless --keep; it never drops a database it did not create), or uses the database named by
   --database as it is (never dropped);
2. migrates it and seeds one board, its staff and one meeting per size with N complete fictional
   cases, each with O opinions (one per discipline: surgery, radiation, medical oncology, pain,
   rehab), and stores their assessments (`cases_refresh_assessments`, when it exists) as the
   services would have;
3. starts one `celery worker` (solo pool, DEBUG off as in production) on a private queue;
4. runs interleaved rounds; each round measures, end to end (send -> observed done, both observed
   by polling every 5 ms):
   - floor: the no-op task `tumorboard.ping` sent and its result seen;
   - for each size, from scratch (the meeting's summaries and preparation rows deleted first):
     `prepare_meeting_summaries` sent (as the beat does: one hop to the meeting task, which sends
     the batches) until every item's summary is stored and its preparation done; and, for the
     first size, `meeting_prepare_request` called here as a coordinator's "Prepare all" (one hop)
   and reports the median of the rounds, the median ratio to the same round's floor, the load
   average, and the worker's resident memory (VmRSS and its peak VmHWM, from /proc);
5. in this process, counts the queries of one `prepare_summary_batch` of 1 and of the batch size,
   and times `summary_build` alone;
6. prints a table, stops the worker, drops the throwaway database.
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DISCIPLINE_OPTIONS = {
    "spine_surgery": ["separation_surgery"],
    "radiation_oncology": ["sbrt"],
    "medical_oncology": ["systemic_continue"],
    "pain_medicine": ["analgesic_plan"],
    "rehabilitation": ["therapy"],
}
REGIMENS = {"radiation_oncology": "24 Gy/2"}
TIMEOUT_SECONDS = 300
POLL_SECONDS = 0.005


def database_url(base: str, name: str, port: int | None = None) -> str:
    parts = urlsplit(base)
    if port is not None:
        parts = parts._replace(netloc=f"{parts.netloc.rsplit(':', 1)[0]}:{port}")
    return parts._replace(path=f"/{name}").geturl()


def create_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # fails if it exists: never someone else's


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(db_url: str, broker: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ["CELERY_BROKER_URL"] = broker
    os.environ["CELERY_RESULT_BACKEND"] = broker
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tumorboard.settings")
    os.environ["DEBUG"] = "true"
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed_staff(n_opinions: int):
    """One board with a coordinator and one specialist per discipline used."""
    from django.contrib.auth import get_user_model

    from scheduling.models import Board, BoardMembership, SpecialistProfile
    from tumorboard import roles

    user_model = get_user_model()
    tag = uuid.uuid4().hex[:6]
    board = Board.objects.create(
        name=f"Bench board {tag}",
        required_disciplines=["spine_surgery", "radiation_oncology", "medical_oncology"],
    )
    coordinator = user_model.objects.create(username=f"bench-coord-{tag}")
    coordinator.groups.add(roles.ensure_role_groups()[roles.COORDINATOR])
    BoardMembership.objects.create(board=board, user=coordinator, role="coordinator")
    specialists = {}
    for discipline in list(DISCIPLINE_OPTIONS)[:n_opinions]:
        user = user_model.objects.create(username=f"bench-{discipline}-{tag}")
        SpecialistProfile.objects.create(user=user, discipline=discipline)
        BoardMembership.objects.create(board=board, user=user)
        specialists[discipline] = user
    return board, coordinator, specialists


def seed_meeting(board, specialists, n_cases: int, offset_days: int):
    """A meeting of the board with n complete cases, each with an opinion per specialist."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from cases.models import Case, Patient, SpinalLesion
    from recommendations.models import Opinion
    from scheduling.models import AgendaItem, Meeting

    tag = uuid.uuid4().hex[:6]
    now = timezone.now()
    with transaction.atomic():
        meeting = Meeting.objects.create(
            board=board,
            starts_at=now + dt.timedelta(days=offset_days),
            ends_at=now + dt.timedelta(days=offset_days, hours=4),
        )
        items = []
        for i in range(n_cases):
            patient = Patient.objects.create(
                mrn=f"BENCH-{tag}-{i:04d}",
                given_name="Bench",
                family_name=f"Patient{i}",
                date_of_birth=dt.date(1960, 1, 1),
            )
            case = Case.objects.create(
                patient=patient,
                board=board,
                referring_clinician="Dr Bench",
                clinical_question="Separation surgery then SBRT, or radiotherapy alone?",
                primary_site="renal_cell",
                histology_confirmed=True,
                kps=70,
                extraspinal_bone_mets=1,
                vertebral_body_mets=1,
                visceral_mets="removable",
                frankel_grade="D",
                neuro_progression="days",
                fit_for_surgery=True,
                expected_survival_months=12,
                goals_ranked=["walking"],
            )
            SpinalLesion.objects.create(
                case=case,
                level="T10",
                imaging_date=now.date(),
                pain="mechanical",
                bone_lesion="lytic",
                alignment="normal",
                collapse="under_50",
                posterolateral="unilateral",
                escc_grade="3",
            )
            items.append(AgendaItem.objects.create(meeting=meeting, case=case, position=i + 1))
            for discipline, user in specialists.items():
                Opinion.objects.create(
                    case=case,
                    meeting=meeting,
                    author=user,
                    discipline=discipline,
                    options=DISCIPLINE_OPTIONS[discipline],
                    regimen=REGIMENS.get(discipline, ""),
                    rationale="Bench rationale.",
                    confidence="moderate",
                    submitted_at=now,
                )
    return meeting, items


def start_worker(db_url: str, broker: str, queue: str, batch_size: int | None, log: Path):
    """One solo-pool worker, configured as in production (DEBUG off)."""
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "localhost",
    }
    if batch_size:
        env["SUMMARY_BATCH_SIZE"] = str(batch_size)
    out = log.open("w")
    proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tumorboard",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            queue,
            "--loglevel=INFO",  # "ready." is logged at INFO
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"worker exited early:\n{log.read_text()[-2000:]}")
        if "ready." in log.read_text():
            return proc
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit(f"worker did not start:\n{log.read_text()[-2000:]}")


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, from /proc, in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def reset(meeting) -> None:
    """The meeting as never prepared: no summaries, no preparation rows."""
    from recommendations.models import PreMeetingSummary, SummaryPreparation

    PreMeetingSummary.objects.filter(agenda_item__meeting=meeting).delete()
    SummaryPreparation.objects.filter(agenda_item__meeting=meeting).delete()


def wait_until_prepared(meeting, n: int, started: float) -> float:
    """Seconds from `started` until all n items are done (one query per poll)."""
    from django.db.models import Count, Q

    from recommendations.models import SummaryPreparation

    deadline = started + TIMEOUT_SECONDS
    rows = SummaryPreparation.objects.filter(agenda_item__meeting=meeting)
    while time.monotonic() < deadline:
        counts = rows.aggregate(
            done=Count("pk", filter=Q(status="done")), failed=Count("pk", filter=Q(status="failed"))
        )
        if counts["failed"]:
            errors = set(rows.filter(status="failed").values_list("error", flat=True))
            raise SystemExit(f"preparation failed: {errors}")
        if counts["done"] == n:
            return time.monotonic() - started
        time.sleep(POLL_SECONDS)
    raise SystemExit(f"not all {n} summaries were prepared within {TIMEOUT_SECONDS} s")


def floor_round_trip(queue: str) -> float:
    """Send the no-op task and poll for its result, as the summaries are polled for."""
    from tumorboard.celery import ping

    started = time.monotonic()
    result = ping.apply_async(queue=queue)
    while not result.ready():
        if time.monotonic() - started > TIMEOUT_SECONDS:
            raise SystemExit("the no-op task did not come back")
        time.sleep(POLL_SECONDS)
    elapsed = time.monotonic() - started
    assert result.get() == "pong"
    result.forget()
    return elapsed


def by_meeting_task(meeting, n: int, queue: str) -> float:
    """As the beat does: the meeting task, which sends the batches."""
    from recommendations.summaries.tasks import prepare_meeting_summaries

    reset(meeting)
    started = time.monotonic()
    prepare_meeting_summaries.apply_async(args=[meeting.pk], queue=queue)
    return wait_until_prepared(meeting, n, started)


def by_coordinator(meeting, n: int, queue: str, coordinator) -> float:
    """As "Prepare all" does: the service in this process, the batches sent on commit."""
    from recommendations.summaries.services import meeting_prepare_request

    reset(meeting)
    started = time.monotonic()
    meeting_prepare_request(meeting=meeting, by=coordinator, queue=queue)
    return wait_until_prepared(meeting, n, started)


def batch_queries(items) -> int:
    """Queries of one prepare_summary_batch over `items`, run in this process."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from recommendations.models import PreMeetingSummary
    from recommendations.summaries.preparation import prepare_summary_batch

    PreMeetingSummary.objects.filter(agenda_item__in=items).delete()
    connection.queries_log.clear()  # a full log (9000) would make the count 0
    with CaptureQueriesContext(connection) as queries:
        prepare_summary_batch.apply(args=[[item.pk for item in items]])
    return len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="40,400", help="meeting sizes, comma-separated")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--opinions", type=int, default=5, choices=range(1, 6))
    parser.add_argument("--batch-size", type=int, help="SUMMARY_BATCH_SIZE for the worker")
    parser.add_argument("--database", help="use this existing database (never dropped)")
    parser.add_argument("--port", type=int, help="PostgreSQL port (default: DATABASE_URL's)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    base = os.environ.get("DATABASE_URL", "")
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not base.startswith("postgres") or not broker.startswith("redis"):
        raise SystemExit("Set DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis).")
    admin_url = database_url(base, "postgres", args.port)
    throwaway = f"tumorboard_bench_summaries_{os.getpid()}" if args.database is None else None
    db_url = database_url(base, throwaway or args.database, args.port)
    if throwaway:
        create_database(admin_url, throwaway)
    if args.batch_size:
        os.environ["SUMMARY_BATCH_SIZE"] = str(args.batch_size)
    setup_django(db_url, broker)

    from django.conf import settings
    from django.core.management import call_command, get_commands
    from django.db import connections

    from recommendations.summaries.build import summary_build
    from recommendations.summaries.selectors import load_agenda_items

    worker = None
    times: dict[str, list[float]] = {}
    ratios: dict[str, list[float]] = {}
    load_before = os.getloadavg()
    try:
        call_command("migrate", verbosity=0)
        board, coordinator, specialists = seed_staff(args.opinions)
        meetings = {n: seed_meeting(board, specialists, n, 2 + i) for i, n in enumerate(sizes)}
        if "cases_refresh_assessments" in get_commands():  # stored decision support, as in prod
            call_command("cases_refresh_assessments", stdout=io.StringIO())
        queue = f"bench-{uuid.uuid4().hex[:8]}"
        log = Path(f"/tmp/{queue}.log")
        worker = start_worker(db_url, broker, queue, args.batch_size, log)
        memory_idle = memory_kib(worker.pid)

        floor_round_trip(queue)  # warm up: connections, imports
        by_meeting_task(meetings[sizes[0]][0], sizes[0], queue)
        for _ in range(args.rounds):
            floor = floor_round_trip(queue)
            times.setdefault("floor", []).append(floor)
            runs = [(f"{n} cases, meeting task", n, by_meeting_task) for n in sizes]
            runs.insert(1, (f"{sizes[0]} cases, Prepare all", sizes[0], by_coordinator))
            for label, n, run in runs:
                meeting = meetings[n][0]
                extra = (coordinator,) if run is by_coordinator else ()
                elapsed = run(meeting, n, queue, *extra)
                times.setdefault(label, []).append(elapsed)
                ratios.setdefault(label, []).append(elapsed / floor)
        memory_end = memory_kib(worker.pid)
        load_after = os.getloadavg()

        first_items = meetings[sizes[0]][1]
        queries_one = batch_queries(first_items[:1])
        queries_batch = batch_queries(first_items[: settings.SUMMARY_BATCH_SIZE])
        loaded = load_agenda_items([item.pk for item in first_items])
        build_ms = []
        for item in loaded:
            t0 = time.perf_counter()
            summary_build(item)
            build_ms.append((time.perf_counter() - t0) * 1000)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        connections.close_all()
        if throwaway and not args.keep:
            drop_database(admin_url, throwaway)

    floor_ms = statistics.median(times["floor"]) * 1000
    print(
        f"\nPre-meeting summaries, one solo worker on Redis, {args.opinions} opinions per case, "
        f"SUMMARY_BATCH_SIZE={settings.SUMMARY_BATCH_SIZE}, {args.rounds} interleaved rounds\n"
    )
    header = f"  {'run':<28} {'median':>9} {'min':>9} {'max':>9} {'per case':>9} {'x floor':>8}"
    print(header)
    for label, values in times.items():
        n = int(label.split()[0]) if label != "floor" else 0
        median = statistics.median(values) * 1000
        per_case = f"{median / n:.2f}" if n else ""
        ratio = f"{statistics.median(ratios[label]):.2f}" if label in ratios else "1"
        print(
            f"  {label:<28} {median:>7.1f}ms {min(values) * 1000:>7.1f}ms "
            f"{max(values) * 1000:>7.1f}ms {per_case:>9} {ratio:>8}"
        )
    rows = [
        ("floor (tumorboard.ping round trip), median", f"{floor_ms:.1f} ms"),
        (f"queries, one batch of {settings.SUMMARY_BATCH_SIZE} items", f"{queries_batch}"),
        ("queries, one batch of 1 item", f"{queries_one}"),
        ("summary_build alone, median (in-process)", f"{statistics.median(build_ms):.2f} ms"),
        (
            "worker RSS idle / end / peak (VmHWM)",
            f"{memory_idle['VmRSS'] / 1024:.0f} / {memory_end['VmRSS'] / 1024:.0f} / "
            f"{memory_end['VmHWM'] / 1024:.0f} MiB",
        ),
        (
            "load average 1/5/15 min, before -> after",
            f"{' '.join(f'{v:.2f}' for v in load_before)} -> "
            f"{' '.join(f'{v:.2f}' for v in load_after)} ({os.cpu_count()} CPUs)",
        ),
    ]
    width = max(len(label) for label, _ in rows)
    print()
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")


if __name__ == "__main__":
    main()
