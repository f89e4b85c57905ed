"""Benchmark: a real Celery worker prepares the pre-meeting summaries of a 40-case meeting.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/prepare_summaries.py [--cases 40] [--opinions 5]
        [--concurrency 1] [--database NAME] [--keep]

Needs PostgreSQL (DATABASE_URL names the server; its database part is ignored unless --database
is given) and Redis (CELERY_BROKER_URL). What it does, all on this machine:
1. creates a throwaway database `tumorboard_bench_summaries` on that server (dropped at the end
   unless --keep), or uses the database named by --database as it is (never dropped);
2. migrates it and seeds one board, its staff and one meeting with N complete fictional cases,
   each with O opinions (one per discipline: surgery, radiation, medical oncology, pain, rehab);
3. starts `celery worker` (solo pool, or prefork with --concurrency > 1) on a private queue;
4. sends `prepare_meeting_summaries` for the meeting and waits until every item is prepared;
   reports the wall time from sending to the last summary, and the time each task spent
   (SummaryPreparation.started_at -> finished_at);
5. in this process, counts the queries `summary_prepare` makes for one item with 1 opinion and
   one with O opinions (a new version each time), and times `summary_build` alone;
6. prints a table, stops the worker, drops the throwaway database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "tumorboard_bench_summaries"
DISCIPLINE_OPTIONS = {
    "spine_surgery": ["separation_surgery"],
    "radiation_oncology": ["sbrt"],
    "medical_oncology": ["systemic_continue"],
    "pain_medicine": ["analgesic_plan"],
    "rehabilitation": ["therapy"],
}
REGIMENS = {"radiation_oncology": "24 Gy/2"}
TIMEOUT_SECONDS = 300


def database_url(base: str, name: str) -> str:
    return urlsplit(base)._replace(path=f"/{name}").geturl()


def create_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def drop_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def setup_django(db_url: str, broker: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ["CELERY_BROKER_URL"] = broker
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tumorboard.settings")
    os.environ["DEBUG"] = "true"
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(n_cases: int, n_opinions: int):
    """One board and meeting with n complete cases, each with n_opinions opinions."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from cases.models import Case, Patient, SpinalLesion
    from recommendations.models import Opinion
    from scheduling.models import AgendaItem, Board, BoardMembership, Meeting, SpecialistProfile

    user_model = get_user_model()
    tag = uuid.uuid4().hex[:6]
    board = Board.objects.create(
        name=f"Bench board {tag}",
        required_disciplines=["spine_surgery", "radiation_oncology", "medical_oncology"],
    )
    coordinator = user_model.objects.create(username=f"bench-coord-{tag}")
    BoardMembership.objects.create(board=board, user=coordinator, role="coordinator")
    specialists = {}
    for discipline in list(DISCIPLINE_OPTIONS)[:n_opinions]:
        user = user_model.objects.create(username=f"bench-{discipline}-{tag}")
        SpecialistProfile.objects.create(user=user, discipline=discipline)
        BoardMembership.objects.create(board=board, user=user)
        specialists[discipline] = user
    now = timezone.now()
    meeting = Meeting.objects.create(
        board=board,
        starts_at=now + dt.timedelta(days=2),
        ends_at=now + dt.timedelta(days=2, hours=4),
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
    return meeting, items, specialists


def start_worker(db_url: str, broker: str, queue: str, concurrency: int, log: Path):
    env = {**os.environ, "DATABASE_URL": db_url, "CELERY_BROKER_URL": broker, "DEBUG": "true"}
    pool = (
        ["--pool=solo"] if concurrency == 1 else ["--pool=prefork", f"--concurrency={concurrency}"]
    )
    out = log.open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tumorboard",
            "worker",
            *pool,
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


def wait_until_prepared(meeting, n: int) -> float:
    from recommendations.models import PreMeetingSummary, SummaryPreparation

    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        done = SummaryPreparation.objects.filter(
            agenda_item__meeting=meeting, status="done"
        ).count()
        failed = SummaryPreparation.objects.filter(agenda_item__meeting=meeting, status="failed")
        if failed.exists():
            raise SystemExit(f"preparation failed: {list(failed.values_list('error', flat=True))}")
        if (
            done == n
            and PreMeetingSummary.objects.filter(agenda_item__meeting=meeting).count() == n
        ):
            return time.monotonic()
        time.sleep(0.05)
    raise SystemExit(f"not all {n} summaries were prepared within {TIMEOUT_SECONDS} s")


def queries_for_new_version(item) -> tuple[int, float, int]:
    """Queries, milliseconds and stored bytes of summary_prepare building a new version of the
    item (an opinion changed), in this process."""
    import json

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from recommendations.models import Opinion
    from recommendations.summaries.preparation import summary_prepare

    opinion = Opinion.objects.filter(case=item.case, meeting=item.meeting).first()
    opinion.revision += 1
    opinion.save()
    with CaptureQueriesContext(connection) as queries:
        t0 = time.perf_counter()
        summary = summary_prepare(item.pk)
        elapsed = (time.perf_counter() - t0) * 1000
    return len(queries), elapsed, len(json.dumps(summary.content))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--opinions", type=int, default=5, choices=range(1, 6))
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--database", help="use this existing database (never dropped)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL", "")
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not base.startswith("postgres") or not broker.startswith("redis"):
        raise SystemExit("Set DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis).")
    admin_url = database_url(base, "postgres")
    throwaway = args.database is None
    db_url = database_url(base, BENCH_DB if throwaway else args.database)
    if throwaway:
        create_database(admin_url)
    setup_django(db_url, broker)

    from django.core.management import call_command
    from django.db import connections

    from recommendations.models import SummaryPreparation
    from recommendations.summaries.build import summary_build
    from recommendations.summaries.selectors import load_agenda_items
    from recommendations.summaries.tasks import prepare_meeting_summaries

    worker = None
    try:
        call_command("migrate", verbosity=0)
        meeting, items, specialists = seed(args.cases, args.opinions)
        queue = f"bench-{uuid.uuid4().hex[:8]}"
        log = Path(f"/tmp/{queue}.log")
        worker = start_worker(db_url, broker, queue, args.concurrency, log)

        started = time.monotonic()
        prepare_meeting_summaries.apply_async(args=[meeting.pk], queue=queue)
        finished = wait_until_prepared(meeting, args.cases)
        wall = finished - started
        task_ms = sorted(
            (p.finished_at - p.started_at).total_seconds() * 1000
            for p in SummaryPreparation.objects.filter(agenda_item__meeting=meeting)
        )

        # In this process: queries per new version, with all opinions and with one left.
        queries_full, prepare_ms, content_bytes = queries_for_new_version(items[0])
        from recommendations.models import Opinion

        Opinion.objects.filter(case=items[1].case, meeting=meeting).exclude(
            discipline="spine_surgery"
        ).delete()
        queries_one, _, _ = queries_for_new_version(items[1])
        loaded = load_agenda_items([item.pk for item in items])
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
            drop_database(admin_url)

    p95 = task_ms[max(0, int(len(task_ms) * 0.95) - 1)]
    rows = [
        ("cases on the agenda", f"{args.cases}"),
        ("opinions per case", f"{args.opinions}"),
        ("worker", "solo" if args.concurrency == 1 else f"prefork x{args.concurrency}"),
        ("wall time, send -> last summary stored", f"{wall:.2f} s"),
        ("wall time per summary", f"{wall / args.cases * 1000:.1f} ms"),
        (
            "task time per summary: median / p95 / max",
            f"{statistics.median(task_ms):.1f} / {p95:.1f} / {task_ms[-1]:.1f} ms",
        ),
        ("summary_prepare, one new version (in-process)", f"{prepare_ms:.1f} ms"),
        ("summary_build alone, median (in-process)", f"{statistics.median(build_ms):.2f} ms"),
        ("stored content per summary", f"{content_bytes / 1024:.1f} KiB"),
        (f"queries per new version ({args.opinions} opinions)", f"{queries_full}"),
        ("queries per new version (1 opinion)", f"{queries_one}"),
    ]
    width = max(len(label) for label, _ in rows)
    print(f"\nPre-meeting summaries of a {args.cases}-case meeting, real worker on Redis\n")
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")


if __name__ == "__main__":
    main()
