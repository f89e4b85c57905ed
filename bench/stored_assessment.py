"""Benchmark: decision support read from the stored assessment vs computed on every read.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/stored_assessment.py [--cases 200] [--rounds 5] [--database NAME]

Creates a throwaway database `tumorboard_bench_stored` on the server DATABASE_URL names (dropped
at the end), or uses the database named by --database as it is (never dropped; it must be
migrated). Seeds N fictional cases with two lesions each on one board, stores their assessments
(`cases.services.assessments_refresh`), then, in this process, for a 50-row page of the case list
selector and for all N cases with the full assessment (what the readiness board and the meeting
screen read), times the decision-support work both ways and counts queries. Prints the median of
the rounds. In-process timings on a shared machine: compare the two columns of one run only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "tumorboard_bench_stored"


def database_url(base: str, name: str) -> str:
    return urlsplit(base)._replace(path=f"/{name}").geturl()


def _admin(base: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(database_url(base, "postgres"), autocommit=True) as conn:
        conn.execute(sql)


def median_ms(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database", help="use this (migrated) database; never dropped")
    args = parser.parse_args()
    base = os.environ["DATABASE_URL"]
    name = args.database or BENCH_DB
    if not args.database:
        _admin(base, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        _admin(base, f'CREATE DATABASE "{BENCH_DB}"')
    os.environ["DATABASE_URL"] = database_url(base, name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tumorboard.settings")
    os.environ["DEBUG"] = "true"
    os.environ["LOG_LEVEL"] = "ERROR"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    try:
        run(args, migrate=not args.database)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.database:
            _admin(base, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def run(args, *, migrate: bool) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases import services
    from cases.assessment import (
        case_assessment,
        stored_case_assessment,
        stored_case_flags,
        urgent_flags,
    )
    from cases.models import Case
    from cases.selectors import case_list
    from tests.factories import BoardFactory, CaseFactory, LesionFactory, UserFactory

    if migrate:
        call_command("migrate", verbosity=0)
    board = BoardFactory(name="Bench board")
    user = UserFactory(username="bench-superuser", is_superuser=True, is_staff=True)
    for _ in range(args.cases):
        case = CaseFactory(board=board, kps=70, neuro_progression="days", frankel_grade="D")
        LesionFactory(case=case, level="T10")
        LesionFactory(case=case, level="L1", escc_grade="1b", alignment="subluxation")
    start = time.perf_counter()
    written = services.assessments_refresh(board_id=board.pk)
    store_ms = (time.perf_counter() - start) * 1000

    def page():
        return list(case_list(user=user)[:50])

    def flags_fresh():
        for c in page():
            urgent_flags(c, c.lesions.all(), grade_1c_high=c.board.escc_1c_high_grade)

    def flags_stored():
        for c in page():
            stored_case_flags(c)

    def full():
        return list(
            Case.objects.filter(board=board)
            .select_related("board", "stored_assessment")
            .prefetch_related("lesions", "prior_treatments")
        )

    def assessments_fresh():
        for c in full():
            case_assessment(c)

    def assessments_stored():
        for c in full():
            stored_case_assessment(c)

    rows = []
    for label, fresh, stored in (
        ("case list page (50): flags", flags_fresh, flags_stored),
        (f"all {args.cases} cases: full assessment", assessments_fresh, assessments_stored),
    ):
        counts = []
        for fn in (fresh, stored):
            with CaptureQueriesContext(connection) as queries:
                fn()
            counts.append(len(queries))
        rows.append((label, median_ms(fresh, args.rounds), median_ms(stored, args.rounds), *counts))
    print(f"{written} assessments stored in {store_ms:.0f} ms ({store_ms / written:.2f} ms each)")
    print(f"{'read':40} {'computed ms':>12} {'stored ms':>10} {'queries':>9}")
    for label, fresh_ms, stored_ms, fresh_q, stored_q in rows:
        print(f"{label:40} {fresh_ms:12.1f} {stored_ms:10.1f} {fresh_q:>4}/{stored_q:<4}")


if __name__ == "__main__":
    main()
