"""The case list, patient list and search at 1,000,000 cases: the real selectors, in-process.

    .venv/bin/python bench/case_list_1m.py --db tb_list_1m --port 5432
        [--host 127.0.0.1] [--user postgres] [--cases 1000000] [--boards 20] [--runs 30]
        [--drop] [--no-explain]

What it does (one client, no HTTP: the database work of each list is what grows with the cases):
1. creates the database `--db` if it is absent (and drops it at the end only with --drop and
   only if this run created it; a database it did not create is never dropped),
2. migrates it and, unless it already holds the cases, seeds them on the server with
   INSERT ... SELECT generate_series: N patients (family names from a list of 200, so a name
   prefix matches about 1 in 200), N cases (one per patient) over B boards with a realistic
   mix of urgency (1% emergency, 9% urgent) and status, one lesion each, and a meeting with
   40 cases on its agenda; then ANALYZE,
3. as a coordinator of one board (1/B of the cases) and as a superuser (all of them), times
   each list R times: the case list's first page, each filter (status, urgency, board,
   meeting), a deep page by cursor, MRN and name-prefix search (cases and patients), the
   patient list's first and a deep page; each timing is the whole selector call with its
   prefetches and model instances,
4. prints p50/p95 in ms per list, and the EXPLAIN (ANALYZE, BUFFERS) plan of each main query.
Goal (issue 12): every p95 under 100 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = 50
FAMILY_NAMES = [
    f"{stem}{suffix}"
    for stem in [
        *("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies"),
        *("Patel", "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts"),
        *("Green", "Hall", "Thomas", "Clarke", "Jackson", "Wood", "Harris", "Edwards"),
        *("Turner", "Martin", "Cooper", "Hill", "Ward", "Hughes", "Moore", "Clark"),
        *("King", "Harrison", "Lewis", "Baker", "Lee", "Allen", "Morris", "Khan"),
    ]
    for suffix in ("", "son", "ley", "ford", "ton")
]  # 200 names
GIVEN_NAMES = [
    *("Ada", "Ben", "Cara", "Dev", "Ema", "Finn", "Gita", "Hugo", "Iris", "Jon"),
    *("Kai", "Lena", "Milo", "Nora", "Omar", "Pia", "Ravi", "Sara", "Tom", "Uma"),
]


def create_database(args) -> bool:
    """Create the database if absent; True when this run created it."""
    import psycopg

    admin = f"postgres://{args.user}@{args.host}:{args.port}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.db]).fetchone():
            return False
        conn.execute(f'CREATE DATABASE "{args.db}"')
    return True


def drop_database(args) -> None:
    import psycopg

    admin = f"postgres://{args.user}@{args.host}:{args.port}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')


def setup_django(args) -> None:
    os.environ["DATABASE_URL"] = f"postgres://{args.user}@{args.host}:{args.port}/{args.db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tumorboard.settings")
    os.environ["DEBUG"] = "true"  # settings from the environment; no server runs here
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _fillers(cursor, table: str, given: dict[str, str]) -> tuple[list[str], list[str]]:
    """Columns and SQL values for an INSERT ... SELECT: `given`, plus an empty value for every
    other NOT NULL column without a default (blank text, empty JSON list, false, 0)."""
    cursor.execute(
        """SELECT column_name, data_type FROM information_schema.columns
           WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL
             AND is_generated = 'NEVER' AND is_identity = 'NO'""",
        [table],
    )
    empty = {"jsonb": "'[]'::jsonb", "boolean": "false"}
    columns, values = list(given), list(given.values())
    for name, data_type in cursor.fetchall():
        if name not in given:
            columns.append(name)
            values.append(empty.get(data_type, "0" if "int" in data_type else "''"))
    return columns, values


def _insert_select(cursor, table: str, given: dict[str, str], source: str) -> None:
    columns, values = _fillers(cursor, table, given)
    cursor.execute(
        f'INSERT INTO "{table}" ({", ".join(columns)}) SELECT {", ".join(values)} {source}'
    )


def seed(n_cases: int, n_boards: int) -> None:
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from cases.models import Case
    from scheduling.models import AgendaItem, Board, BoardMembership, Meeting
    from tumorboard import roles

    call_command("migrate", verbosity=0)
    groups = roles.ensure_role_groups()
    users = get_user_model()
    coordinator, _ = users.objects.get_or_create(username="bench-coordinator")
    coordinator.groups.add(groups[roles.COORDINATOR])
    admin, _ = users.objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    admin.groups.add(groups[roles.COORDINATOR])
    boards = [Board.objects.get_or_create(name=f"Bench Board {i:02d}")[0] for i in range(n_boards)]
    BoardMembership.objects.get_or_create(
        board=boards[0], user=coordinator, role=BoardMembership.Role.COORDINATOR
    )
    if Case.objects.count() >= n_cases:
        print(f"{n_cases:,} cases already seeded")
        return
    board_ids = "ARRAY[" + ",".join(str(b.pk) for b in boards) + "]"
    families = "ARRAY[" + ",".join(f"'{name}'" for name in FAMILY_NAMES) + "]"
    givens = "ARRAY[" + ",".join(f"'{name}'" for name in GIVEN_NAMES) + "]"
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        _insert_select(
            cursor,
            "cases_patient",
            {
                "created_at": "now() - i * interval '1 minute'",
                "updated_at": "now()",
                "uuid": "gen_random_uuid()",
                "mrn": "'MRN' || lpad(i::text, 8, '0')",
                "given_name": f"({givens})[1 + (i / 7) % {len(GIVEN_NAMES)}]",
                "family_name": f"({families})[1 + (i / {n_boards}) % {len(FAMILY_NAMES)}]",
                "date_of_birth": "date '1940-01-01' + (i % 20000)",
                "sex": "(ARRAY['female','male'])[1 + i % 2]",
                "preferred_language": "'en'",
            },
            f"FROM generate_series(1, {n_cases}) AS i",
        )
        # One case per patient; the urgency and status mix of a working network, and the
        # referral dates spread over years (a few cases share a timestamp: the id breaks ties).
        _insert_select(
            cursor,
            "cases_case",
            {
                "created_at": "now() - (p.id % 500000) * interval '3 minutes'",
                "updated_at": "now()",
                "uuid": "gen_random_uuid()",
                "patient_id": "p.id",
                "board_id": f"({board_ids})[1 + p.id % {n_boards}]",
                "referring_clinician": "'Dr Bench'",
                "clinical_question": "'Separation surgery then SBRT, or radiotherapy alone?'",
                "urgency": (
                    "CASE WHEN p.id % 100 = 0 THEN 'emergency' "
                    "WHEN p.id % 100 < 10 THEN 'urgent' ELSE 'routine' END"
                ),
                "status": (
                    "(ARRAY['closed','closed','closed','closed','plan_signed','discussed',"
                    "'scheduled','ready','referred','deferred','withdrawn'])[1 + (p.id / 3) % 11]"
                ),
                "primary_site": "(ARRAY['breast','prostate','lung_nsclc','renal_cell'])"
                "[1 + p.id % 4]",
                "goals_ranked": "'[]'::jsonb",
            },
            "FROM cases_patient AS p",
        )
        _insert_select(
            cursor,
            "cases_spinallesion",
            {
                "created_at": "now()",
                "updated_at": "now()",
                "case_id": "c.id",
                "level": "(ARRAY['T4','T10','L1','L2','C5'])[1 + c.id % 5]",
                "imaging_modality": "'mri'",
                "escc_grade": "(ARRAY['0','1a','1b','1c','2','3'])[1 + c.id % 6]",
            },
            "FROM cases_case AS c",
        )
    now = timezone.now()
    meeting = Meeting.objects.create(
        board=boards[0],
        starts_at=now + dt.timedelta(days=3),
        ends_at=now + dt.timedelta(days=3, hours=2),
    )
    agenda = Case.objects.filter(board=boards[0], status="scheduled").order_by("-pk")[:40]
    AgendaItem.objects.bulk_create(
        AgendaItem(meeting=meeting, case=case, position=i + 1) for i, case in enumerate(agenda)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    took = time.perf_counter() - started
    print(f"seeded {n_cases:,} patients, cases and lesions in {took:.0f} s")


def scenarios() -> list[tuple[str, object]]:
    """(name, a function returning the rows) per list, as a coordinator and as a superuser."""
    from django.contrib.auth import get_user_model

    from cases import selectors
    from cases.models import Case, Patient
    from scheduling.models import Board, Meeting
    from tumorboard.pagination import NEXT, encode_cursor, keyset_page

    users = get_user_model()
    coordinator = users.objects.get(username="bench-coordinator")
    admin = users.objects.get(username="bench-admin")
    board = Board.objects.get(name="Bench Board 00")
    meeting = Meeting.objects.filter(board=board).first()
    mine = selectors.case_list(user=coordinator)

    def row_at(queryset, offset):
        return queryset.select_related(None).prefetch_related(None).only("uuid")[offset]

    # Anchors for deep pages: the rows at 40,000 (of the coordinator's 50,000) and 900,000 (of
    # all), found once (by OFFSET, untimed).
    deep = min(40_000, mine.count() - 100)
    deep_mine = encode_cursor(NEXT, row_at(mine, deep))
    everyone = selectors.case_list(user=admin)
    deep_all = encode_cursor(NEXT, row_at(everyone, int(0.9 * Case.objects.count())))
    deep_patient = encode_cursor(NEXT, row_at(selectors.patient_list(user=coordinator), deep))
    sample = Patient.objects.filter(cases__board=board).order_by("pk")[1234]
    mrn = sample.mrn.lower()
    family = sample.family_name[:3].lower()

    def page(queryset, cursor=None):
        return lambda: keyset_page(queryset, cursor=cursor, size=PAGE).rows

    def case_list(user, **filters):
        return selectors.case_list(user=user, filters=filters)

    return [
        ("case list, first page", page(case_list(coordinator))),
        ("case list, first page (superuser)", page(case_list(admin))),
        ("status = ready", page(case_list(coordinator, status=Case.Status.READY))),
        ("status = ready (superuser)", page(case_list(admin, status=Case.Status.READY))),
        ("urgency = emergency", page(case_list(coordinator, urgency=Case.Urgency.EMERGENCY))),
        ("urgency = routine (superuser)", page(case_list(admin, urgency=Case.Urgency.ROUTINE))),
        ("board", page(case_list(coordinator, board=board.uuid))),
        ("board (superuser)", page(case_list(admin, board=board.uuid))),
        ("meeting", page(case_list(coordinator, meeting=meeting.uuid))),
        ("deep page (row 40,000)", page(case_list(coordinator), deep_mine)),
        ("deep page (row 900,000, superuser)", page(case_list(admin), deep_all)),
        ("case search, MRN", lambda: selectors.case_search(user=coordinator, mrn=mrn).rows),
        (
            "case search, name prefix",
            lambda: selectors.case_search(user=coordinator, family_name=family).rows,
        ),
        ("patient search, MRN", lambda: selectors.patient_search(user=coordinator, mrn=mrn).rows),
        (
            "patient search, name prefix",
            lambda: (
                selectors.patient_search(user=coordinator, family_name=family, given_name="a").rows
            ),
        ),
        ("patient list, first page", page(selectors.patient_list(user=coordinator))),
        ("patient list, deep page", page(selectors.patient_list(user=coordinator), deep_patient)),
        ("patient list (superuser)", page(selectors.patient_list(user=admin))),
    ]


def main_query(run) -> str:
    """The list's own SELECT (the first query of the call, before its prefetches)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        run()
    selects = [q["sql"] for q in queries.captured_queries if "LIMIT" in q["sql"]]
    return selects[0]


def _p50_p95(run, runs: int) -> tuple[float, float, float]:
    """Wall-clock p50 and p95, and the p50 of this process's CPU time (the machine is shared: wall
    time includes waiting for a core)."""
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        run()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, statistics.median(cpu)


def measure(runs: int, explain: bool) -> list[tuple]:
    """Per list: the whole selector call (query, prefetches, model instances) and its main
    query alone (sent as SQL, rows fetched), p50 and p95 in ms."""
    from django.db import connection

    table, plans = [], []
    for name, run in scenarios():
        rows = len(run())  # warm
        sql = main_query(run)

        def query(sql=sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)
                cursor.fetchall()

        table.append((name, *_p50_p95(run, runs), *_p50_p95(query, runs)[:2], rows))
        if explain:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plans.append((name, "\n".join(line for (line,) in cursor.fetchall())))
    for name, plan in plans:
        print(f"\n--- {name}\n{plan}")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--user", default="postgres")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--boards", type=int, default=20)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--drop", action="store_true", help="drop the database if this run made it")
    parser.add_argument("--no-explain", action="store_true")
    args = parser.parse_args()
    created = create_database(args)
    try:
        setup_django(args)
        seed(args.cases, args.boards)
        table = measure(args.runs, explain=not args.no_explain)
    finally:
        if created and args.drop:
            from django.db import connections

            connections.close_all()
            drop_database(args)
    print(f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'':<38} {'selector call (wall, CPU)':>26} {'main query':>17}")
    head = f"{'p50 ms':>8} {'p95 ms':>8}"
    print(f"{'list':<38} {head} {'CPU p50':>8} {head} {'rows':>6}")
    for name, p50, p95, cpu, q50, q95, rows in table:
        flag = "" if p95 < 100 else "  <-- over 100 ms"
        print(f"{name:<38} {p50:8.1f} {p95:8.1f} {cpu:8.1f} {q50:8.1f} {q95:8.1f} {rows:6d}{flag}")


if __name__ == "__main__":
    main()
