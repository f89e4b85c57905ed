"""Load benchmark: main pages and endpoints under concurrent clients, gunicorn on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/load.py
        [--cases 10000] [--clients 8] [--seconds 10] [--workers 3] [--keep]

What it does, all on this machine (loopback only; every loop is bounded in requests and time):
1. creates a throwaway database `tumorboard_bench` on the server of DATABASE_URL (dropped at the
   end unless --keep; an existing one with enough cases is reused with --keep),
2. migrates it and seeds one board, its staff and N fictional cases (2 lesions each),
3. starts gunicorn (DEBUG off, production settings) on 127.0.0.1:8765,
4. for each endpoint, runs C client threads for S seconds (each thread at most 20,000 requests)
   and records every latency; `/healthz` (no database, no template) runs in the same run as the
   baseline,
5. prints throughput (requests/s), p50 and p95 latency per endpoint, and each endpoint's p50 as
   a multiple of the baseline's.
The client runs on the same 2 cores as the server, so absolute numbers are pessimistic; the ratio
to the baseline is the figure to compare across changes.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
HOST, PORT = "127.0.0.1", 8765
BENCH_DB = "tumorboard_bench"
# Seeding and the server must share the key: the session cookie is signed with it.
SECRET_KEY = "bench-only-" + "k" * 60
MAX_REQUESTS_PER_THREAD = 20_000


def database_urls(base: str) -> tuple[str, str]:
    parts = urlsplit(base)
    admin = parts._replace(path="/postgres").geturl()
    bench = parts._replace(path=f"/{BENCH_DB}").geturl()
    return admin, bench


def recreate_database(admin_url: str, keep: bool) -> bool:
    """Create the bench database; returns True when an existing one was kept."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone()
        if exists and keep:
            return True
        if exists:
            conn.execute(f'DROP DATABASE "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return False


def drop_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def setup_django(bench_url: str) -> None:
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tumorboard.settings")
    os.environ["DEBUG"] = "true"  # only for this process's seeding; the server runs DEBUG off
    os.environ["SECRET_KEY"] = SECRET_KEY
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(n_cases: int) -> dict:
    """One board, a coordinator with a session, N cases with 2 lesions each (bulk inserts)."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from cases.models import Case, Patient, SpinalLesion
    from scheduling.models import Board, BoardMembership
    from tumorboard import roles

    call_command("migrate", verbosity=0)
    groups = roles.ensure_role_groups()
    user_model = get_user_model()
    coordinator, _ = user_model.objects.get_or_create(username="bench-coordinator")
    coordinator.groups.add(groups[roles.COORDINATOR])
    board, _ = Board.objects.get_or_create(
        name="Bench Board", defaults={"required_disciplines": ["spine_surgery"]}
    )
    BoardMembership.objects.get_or_create(
        board=board, user=coordinator, role=BoardMembership.Role.COORDINATOR
    )
    have = Case.objects.filter(board=board).count()
    now = timezone.now()
    batch = 1000
    primaries = ["breast", "prostate", "lung_nsclc", "renal_cell", "myeloma", "melanoma"]
    for start in range(have, n_cases, batch):
        size = min(batch, n_cases - start)
        patients = Patient.objects.bulk_create(
            Patient(
                mrn=f"BENCH-{start + i:07d}",
                given_name="Bench",
                family_name=f"Patient{start + i}",
                date_of_birth=dt.date(1955, 1, 1),
            )
            for i in range(size)
        )
        cases = Case.objects.bulk_create(
            Case(
                patient=p,
                board=board,
                referring_clinician="Dr Bench",
                clinical_question="Radiotherapy or surgery?",
                primary_site=primaries[i % len(primaries)],
                urgency=("urgent" if i % 20 == 0 else "routine"),
                kps=70,
                status_changed_at=now,
            )
            for i, p in enumerate(patients)
        )
        SpinalLesion.objects.bulk_create(
            SpinalLesion(
                case=c,
                level=level,
                pain="mechanical",
                bone_lesion="lytic",
                alignment="normal",
                collapse="under_50",
                posterolateral="unilateral",
                escc_grade="1b",
            )
            for c in cases
            for level in ("T10", "L2")
        )
    session = SessionStore()
    session["_auth_user_id"] = str(coordinator.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = coordinator.get_session_auth_hash()
    session.create()
    token, _ = Token.objects.get_or_create(user=coordinator)
    sample = (
        Case.objects.filter(board=board).order_by("id").values_list("uuid", flat=True)[n_cases // 2]
    )
    return {"session": session.session_key, "token": token.key, "case": str(sample)}


def start_server(bench_url: str, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            sys.executable,
            "-m",
            "gunicorn",
            "tumorboard.wsgi:application",
            "--bind",
            f"{HOST}:{PORT}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, PORT, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("gunicorn did not start within 60 s")


def drive(path: str, headers: dict, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
        mine: list[float] = []
        bad = 0
        for _ in range(MAX_REQUESTS_PER_THREAD):
            if time.monotonic() >= stop_at:
                break
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors[0],
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the bench database")
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        raise SystemExit(
            "Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres"
        )
    admin_url, bench_url = database_urls(base)
    recreate_database(admin_url, args.keep)
    setup_django(bench_url)
    began = time.perf_counter()
    ids = seed(args.cases)
    print(f"seeded {args.cases} cases in {time.perf_counter() - began:.1f} s")

    server = start_server(bench_url, args.workers)
    session = {"Cookie": f"sessionid={ids['session']}"}
    token = {"Authorization": f"Token {ids['token']}"}
    case = ids["case"]
    endpoints = [
        ("baseline /healthz", "/healthz", {}),
        ("page: case list", "/cases/", session),
        ("page: case list, urgent filter", "/cases/?urgency=urgent", session),
        ("page: case detail", f"/cases/{case}/", session),
        ("api: case list (50)", "/api/v1/cases/?limit=50", token),
        ("api: case detail", f"/api/v1/cases/{case}/", token),
        ("api: case assessment", f"/api/v1/cases/{case}/assessment/", token),
    ]
    try:
        results = [
            (name, path, drive(path, headers, args.clients, args.seconds))
            for name, path, headers in endpoints
        ]
    finally:
        server.terminate()
        server.wait(timeout=30)
        if not args.keep:
            drop_database(admin_url)

    baseline = results[0][2]["p50_ms"]
    print(
        f"\n{args.cases} cases, {args.clients} clients, {args.seconds:g} s per endpoint, "
        f"gunicorn {args.workers} workers, PostgreSQL\n"
    )
    print(
        f"{'endpoint':34} {'req':>7} {'err':>5} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p50/base':>9}"
    )
    for name, _path, r in results:
        print(
            f"{name:34} {r['requests']:7d} {r['errors']:5d} {r['rps']:8.1f} {r['p50_ms']:8.1f} "
            f"{r['p95_ms']:8.1f} {r['p50_ms'] / baseline:9.1f}"
        )


if __name__ == "__main__":
    main()
