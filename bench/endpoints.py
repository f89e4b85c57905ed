"""HTTP benchmark: each main page and API endpoint against the floor, under gunicorn and wrk.

    .venv/bin/python bench/seed.py --db tb_bench_10k --port 5432            # once
    .venv/bin/python bench/endpoints.py --db tb_bench_10k --port 5432 \\
        [--rounds 3] [--duration 5] [--connections 16] [--only case-list-api] [--cold-start]

1. Starts gunicorn with the repository's gunicorn.conf.py (DEBUG off, BENCH_FLOOR=true, the
   production settings) against the bench database on 127.0.0.1:--http-port.
2. Logs in as the bench coordinator: a session through the login form, a token through the API.
3. For each endpoint, K rounds INTERLEAVED with the floor (floor, endpoint, floor, endpoint …),
   each a wrk run of --duration seconds with --connections connections (a Lua script sends the
   cookie or token); after each run the server is drained, so a slow endpoint's abandoned
   requests do not bleed into the next run. Then a single-client run gives p50/p95 (wrk with one
   connection; sequential requests when wrk completes fewer than 5).
4. Counts the queries of one request in this process (Django test client, CaptureQueriesContext,
   same database and settings) and records the response size from the server.
5. Prints the table: req/s (median over rounds), p50 under load, single-client p50/p95, ratio to the
   floor's req/s in the same round (median over rounds), the issue's goal, queries, bytes, and
   /proc/loadavg at start and end (the machine is shared: the ratio is the figure to compare).

--cold-start instead measures the first request of a freshly started worker (one worker), with
preload and warm-up (gunicorn.conf.py defaults) and without (GUNICORN_PRELOAD/WARMUP=false).
wrk is Debian's (`apt install wrk`). The database is only read (and sessions/tokens written).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

if __package__ in {None, ""}:  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.seed import (
    BENCH_PASSWORD,
    BENCH_USERNAME,
    MEETING_LOCATION,
    ROOT,
    SECRET_KEY,
    Target,
    add_target_arguments,
    created_by_us,
    setup_django,
    target_from,
)

HOST = "127.0.0.1"
WRK = "/usr/bin/wrk"
LUA = """
local auth = os.getenv("BENCH_AUTH")
local cookie = os.getenv("BENCH_COOKIE")
if auth ~= nil and auth ~= "" then wrk.headers["Authorization"] = auth end
if cookie ~= nil and cookie ~= "" then wrk.headers["Cookie"] = cookie end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "bytes": %d, "bad_status": %d, "errors": %d, ' ..
    '"p50_us": %d, "p95_us": %d}\\n',
    summary.requests, summary.duration, summary.bytes, e.status,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95)))
end
"""
# The goals: share of the floor's throughput at 10,000 cases.
GOALS = {
    "case-detail-api": 0.35,
    "case-detail-page": 0.35,
    "case-list-api": 0.20,
    "case-list-page": 0.20,
    "meeting-api": 0.20,
}
DEFAULT_GOAL = 0.10


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    auth: str  # "token", "session" or "none"


@dataclass
class Result:
    endpoint: Endpoint
    status: int = 0
    size: int = 0
    queries: int | None = None
    rps: list[float] = field(default_factory=list)
    floor_rps: list[float] = field(default_factory=list)
    p50_load_ms: list[float] = field(default_factory=list)
    requests: int = 0
    errors: int = 0
    single_p50_ms: float = float("nan")
    single_p95_ms: float = float("nan")
    duration: float = 0.0
    connections: int = 16

    @property
    def ratio(self) -> float:
        ratios = [e / f for e, f in zip(self.rps, self.floor_rps, strict=True) if f]
        return statistics.median(ratios) if ratios else float("nan")


def endpoints(case: str, meeting: str) -> list[Endpoint]:
    return [
        Endpoint("case-detail-api", f"/api/v1/cases/{case}/", "token"),
        Endpoint("case-detail-page", f"/cases/{case}/", "session"),
        Endpoint("case-list-api", "/api/v1/cases/", "token"),
        Endpoint("case-list-page", "/cases/", "session"),
        Endpoint("meeting-api", f"/api/v1/meetings/{meeting}/", "token"),
        Endpoint("meeting-page", f"/meetings/{meeting}/", "session"),
        Endpoint("meeting-list-page", "/meetings/", "session"),
        Endpoint("readiness-api", "/api/v1/readiness/", "token"),
        Endpoint("readiness-page", "/readiness/", "session"),
        Endpoint("packet", f"/meetings/{meeting}/packet/", "session"),
        Endpoint("packet-api", f"/api/v1/meetings/{meeting}/packet/", "token"),
    ]


ENDPOINT_NAMES = [e.name for e in endpoints("x", "x")]
FLOOR = Endpoint("floor", "/bench/floor", "none")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_target_arguments(parser)
    parser.add_argument("--rounds", type=int, default=3, help="floor/endpoint pairs (3)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per wrk run (5)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument(
        "--max-duration", type=float, default=30.0, help="longest wrk run for a slow endpoint (30)"
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--http-port", type=int, default=8765, help="gunicorn port (8765)")
    parser.add_argument(
        "--only", action="append", choices=ENDPOINT_NAMES, help="this endpoint (repeatable)"
    )
    parser.add_argument("--cold-start", action="store_true", help="measure a cold worker instead")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.duration <= 0 or args.connections < 1:
        parser.error("--rounds, --duration and --connections must be positive")
    args.threads = min(args.threads, args.connections)
    return args


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


# --- the server -------------------------------------------------------------------------------


def server_env(target: Target, port: int, workers: int, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": target.url(),
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": f"{HOST},localhost,testserver",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_LOG_LEVEL": "warning",
        "CELERY_BROKER_URL": "",
        "BENCH_FLOOR": "true",
        # The bench signs in with a password (token and session); the second factor is a step of
        # signing in, not of each read, so the measured requests are the same with it.
        "REQUIRE_STAFF_2FA": "false",
        "GUNICORN_BIND": f"{HOST}:{port}",
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_TIMEOUT": "120",
        **extra,
    }


def collectstatic(env: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def start_gunicorn(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - fixed argv
        [
            sys.executable,
            "-m",
            "gunicorn",
            "tumorboard.wsgi:application",
            "-c",
            str(ROOT / "gunicorn.conf.py"),
        ],
        cwd=ROOT,
        env=env,
    )


def stop(proc: subprocess.Popen) -> None:
    """Quick shutdown (SIGQUIT): workers stop at once, abandoned slow requests are not finished."""
    proc.send_signal(signal.SIGQUIT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def get(port: int, path: str, headers: dict | None = None, timeout: float = 120.0):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read(), response
    finally:
        conn.close()


def wait_until_up(port: int, proc: subprocess.Popen, seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited at start-up")
        try:
            if get(port, FLOOR.path, timeout=5)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer within {seconds:.0f} s")


def drain(port: int, seconds: float = 15.0) -> bool:
    """Wait until the floor answers quickly again: abandoned requests of the last run are done.
    False when they are not done within `seconds` (the server is then restarted)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        began = time.perf_counter()
        try:
            get(port, FLOOR.path, timeout=max(0.1, deadline - time.monotonic()))
        except OSError:
            time.sleep(0.2)
            continue
        if time.perf_counter() - began < 0.05:
            return True
    return False


class Server:
    """gunicorn for the run; restarted when a slow endpoint leaves a queue it would take minutes
    to work through (wrk abandons its in-flight requests at the end of a run, gunicorn does not)."""

    def __init__(self, env: dict[str, str], port: int):
        self.env, self.port = env, port
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = start_gunicorn(self.env)
        wait_until_up(self.port, self.proc)

    def settle(self) -> None:
        if not drain(self.port):
            self.stop()
            self.start()

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)
            self.proc = None


# --- logging in -------------------------------------------------------------------------------


def _cookies(response) -> dict[str, str]:
    jar = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def login(port: int) -> dict[str, str]:
    """A session cookie through the login form and a token through the API, as a user would."""
    status, body, response = get(port, "/login/")
    jar = _cookies(response)
    csrf = jar["csrftoken"]
    form = urlencode(
        {"username": BENCH_USERNAME, "password": BENCH_PASSWORD, "csrfmiddlewaretoken": csrf}
    )
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    conn.request(
        "POST",
        "/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}",
            "Referer": f"http://{HOST}:{port}/login/",
        },
    )
    response = conn.getresponse()
    response.read()
    session = _cookies(response).get("sessionid")
    conn.close()
    if response.status != 302 or not session:
        raise SystemExit(f"login failed (HTTP {response.status}): was the database seeded?")
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    credentials = json.dumps({"username": BENCH_USERNAME, "password": BENCH_PASSWORD})
    conn.request(
        "POST",
        "/api/v1/auth/token/",
        body=credentials,
        headers={"Content-Type": "application/json"},
    )
    token = json.loads(conn.getresponse().read())["token"]
    conn.close()
    return {"session": f"sessionid={session}", "token": f"Token {token}"}


def headers_for(endpoint: Endpoint, auth: dict[str, str]) -> dict[str, str]:
    if endpoint.auth == "token":
        return {"Authorization": auth["token"]}
    if endpoint.auth == "session":
        return {"Cookie": auth["session"]}
    return {}


# --- load -------------------------------------------------------------------------------------


def wrk(
    server: Server,
    endpoint: Endpoint,
    auth: dict,
    *,
    connections: int,
    threads: int,
    duration: float,
    lua: Path,
) -> dict:
    headers = headers_for(endpoint, auth)
    env = {
        **os.environ,
        "BENCH_AUTH": headers.get("Authorization", ""),
        "BENCH_COOKIE": headers.get("Cookie", ""),
    }
    completed = subprocess.run(  # noqa: S603 - fixed argv
        [
            WRK,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "--timeout",
            "60s",
            "-s",
            str(lua),
            f"http://{HOST}:{server.port}{endpoint.path}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in completed.stdout.splitlines() if x.startswith("BENCH "))
    stats = json.loads(line[len("BENCH ") :])
    stats["rps"] = stats["requests"] / (stats["duration_us"] / 1e6)
    server.settle()
    return stats


def sequential(port: int, endpoint: Endpoint, auth: dict, count: int) -> list[float]:
    """Latencies (ms) of `count` requests one after another on one keep-alive connection."""
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    headers = headers_for(endpoint, auth)
    latencies = []
    for _ in range(count):
        began = time.perf_counter()
        conn.request("GET", endpoint.path, headers=headers)
        conn.getresponse().read()
        latencies.append(1000 * (time.perf_counter() - began))
    conn.close()
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def count_queries(paths: list[Endpoint], user_id: int, token: str) -> dict[str, int]:
    """Queries of one (second, warm) request per endpoint, in this process; none unless 200."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    user = get_user_model().objects.get(pk=user_id)
    counts = {}
    for endpoint in paths:
        client = Client()
        extra = {}
        if endpoint.auth == "session":
            client.force_login(user)
        elif endpoint.auth == "token":
            extra["HTTP_AUTHORIZATION"] = token
        client.get(endpoint.path, **extra)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(endpoint.path, **extra)
        if response.status_code == 200:
            counts[endpoint.name] = len(ctx.captured_queries)
    return counts


def bench_ids() -> tuple[str, str, int]:
    """A bench case in the middle of the list, the bench meeting, the bench coordinator."""
    from django.contrib.auth import get_user_model

    from cases.models import Case
    from scheduling.models import Meeting

    meeting = Meeting.objects.get(location=MEETING_LOCATION)
    cases = Case.objects.filter(patient__mrn__startswith="BENCH").order_by("id")
    case = cases[cases.count() // 2]
    user = get_user_model().objects.get(username=BENCH_USERNAME)
    return str(case.uuid), str(meeting.uuid), user.pk


# --- the runs ---------------------------------------------------------------------------------


@contextlib.contextmanager
def lua_script() -> Iterator[Path]:
    """wrk's script (it sends the cookie or token it finds in the environment), in a temporary
    file for the length of the `with` block."""
    with tempfile.TemporaryDirectory() as tmp:
        lua = Path(tmp) / "auth.lua"
        lua.write_text(LUA)
        yield lua


def measure_endpoint(
    server: Server,
    result: Result,
    auth: dict[str, str],
    args: argparse.Namespace,
    lua: Path,
    *,
    one_by_one: int | None = None,
) -> bool:
    """Step 3 of this module's docstring for `result.endpoint`, filling in `result`; False when
    the first request is not a 200 (the endpoint is then skipped).

    `args` holds the load options (rounds, duration, max_duration, connections, threads, workers).
    The single-client p50/p95 is a one-connection wrk run (or 5 or 3 requests timed one by one
    when wrk completes fewer than 5), or with `one_by_one`, that many requests one by one."""
    endpoint = result.endpoint
    began = time.perf_counter()
    status, body, _ = get(server.port, endpoint.path, headers_for(endpoint, auth))
    first = time.perf_counter() - began
    result.status, result.size = status, len(body)
    if status != 200:
        print(f"{endpoint.name}: HTTP {status}, skipped", flush=True)
        return False
    # Long enough for each connection to complete about two requests (capped).
    needed = 2 * first * args.connections / args.workers
    result.duration = max(args.duration, min(args.max_duration, needed))
    load = {
        "connections": args.connections,
        "threads": args.threads,
        "duration": result.duration,
        "lua": lua,
    }
    for _ in range(args.rounds):
        floor = wrk(server, FLOOR, auth, **load)
        mine = wrk(server, endpoint, auth, **load)
        result.floor_rps.append(floor["rps"])
        result.rps.append(mine["rps"])
        result.p50_load_ms.append(mine["p50_us"] / 1000)
        result.requests += mine["requests"]
        result.errors += mine["bad_status"] + mine["errors"]
    if one_by_one is None:
        single = wrk(server, endpoint, auth, **{**load, "connections": 1, "threads": 1})
        if single["requests"] >= 5:
            result.single_p50_ms = single["p50_us"] / 1000
            result.single_p95_ms = single["p95_us"] / 1000
            return True
        one_by_one = 5 if first < 5 else 3  # too slow for wrk's window
    latencies = sequential(server.port, endpoint, auth, one_by_one)
    result.single_p50_ms = statistics.median(latencies)
    result.single_p95_ms = percentile(latencies, 0.95)
    return True


def measure_endpoints(
    args: argparse.Namespace,
    env: dict[str, str],
    results: list[Result],
    user_id: int,
    *,
    one_by_one: int | None = None,
) -> None:
    """Steps 1 to 4 of this module's docstring: gunicorn with `env` on --http-port, logged in as
    the bench coordinator (`user_id`), each result's endpoint measured (`measure_endpoint`) and
    its row printed as it is done; then the queries of one request counted in this process."""
    server = Server(env, args.http_port)
    try:
        server.start()
        auth = login(args.http_port)
        with lua_script() as lua:
            for result in results:
                if measure_endpoint(server, result, auth, args, lua, one_by_one=one_by_one):
                    print(format_row(result), flush=True)
    finally:
        server.stop()
    queries = count_queries([r.endpoint for r in results], user_id, auth["token"])
    for result in results:
        result.queries = queries.get(result.endpoint.name)


def run(args: argparse.Namespace) -> list[Result]:
    target = target_from(args)
    setup_django(target, debug=False)
    case, meeting, user_id = bench_ids()
    chosen = [e for e in endpoints(case, meeting) if not args.only or e.name in args.only]
    env = server_env(target, args.http_port, args.workers)
    collectstatic(env)
    results = [Result(e, connections=args.connections) for e in chosen]
    measure_endpoints(args, env, results, user_id)
    return results


def cold_start(args: argparse.Namespace) -> list[tuple[str, float, float, float]]:
    """(mode, seconds until the worker is ready, first request ms, second request ms)."""
    target = target_from(args)
    setup_django(target, debug=False)
    case, _meeting, _user = bench_ids()
    rows = []
    for mode, flag in (("preload + warm-up", "true"), ("no preload, no warm-up", "false")):
        with tempfile.TemporaryDirectory() as tmp:
            ready = Path(tmp) / "ready"
            env = server_env(
                target,
                args.http_port,
                1,
                GUNICORN_PRELOAD=flag,
                GUNICORN_WARMUP=flag,
                GUNICORN_READY_FILE=str(ready),
            )
            if not rows:
                collectstatic(env)
            began = time.perf_counter()
            server = start_gunicorn(env)
            try:
                while not (ready.exists() and ready.read_text().strip()):
                    if server.poll() is not None or time.perf_counter() - began > 90:
                        raise SystemExit("gunicorn did not start")
                    time.sleep(0.05)
                booted = time.perf_counter() - began
                time.sleep(1.0)  # let the worker settle: measure the request, not the fork
                auth_headers = {"Cookie": session_cookie()}
                path = f"/cases/{case}/"
                timings = []
                for _ in range(2):
                    t0 = time.perf_counter()
                    status, _body, _ = get(args.http_port, path, auth_headers)
                    timings.append(1000 * (time.perf_counter() - t0))
                    if status != 200:
                        raise SystemExit(f"cold start: HTTP {status} from {path}")
            finally:
                stop(server)
        rows.append((mode, booted, timings[0], timings[1]))
    return rows


def session_cookie() -> str:
    """A session for the bench coordinator, created in the database (signed with SECRET_KEY)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model, load_backend
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.get(username=BENCH_USERNAME)
    # The first configured backend that loads users (the project's may not be ModelBackend).
    backend = next(
        path
        for path in settings.AUTHENTICATION_BACKENDS
        if getattr(load_backend(path), "get_user", lambda _pk: None)(user.pk) is not None
    )
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = backend
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}"


HEADER = (
    f"{'endpoint':18} {'req/s':>9} {'p50 ms':>8} {'1c p50':>8} {'1c p95':>8} "
    f"{'ratio':>7} {'goal':>5} {'queries':>7} {'bytes':>9} {'reqs':>6} {'err':>4} {'run s':>5}"
)


def format_row(r: Result) -> str:
    if r.status != 200:
        return f"{r.endpoint.name:18} HTTP {r.status}"
    goal = GOALS.get(r.endpoint.name, DEFAULT_GOAL)
    mark = "ok" if r.ratio >= goal and r.single_p95_ms < 50 else "no"
    few = "*" if min(r.rps) * r.duration < r.connections else " "
    return (
        f"{r.endpoint.name:18} {statistics.median(r.rps):8.1f}{few} "
        f"{statistics.median(r.p50_load_ms):8.1f} {r.single_p50_ms:8.1f} "
        f"{r.single_p95_ms:8.1f} {r.ratio:7.1%} {goal:5.0%} "
        f"{r.queries if r.queries is not None else '?':>7} {r.size:9d} {r.requests:6d} "
        f"{r.errors:4d} {r.duration:5.0f} {mark}"
    )


def print_table(results: list[Result], args: argparse.Namespace, loads: tuple[str, str]) -> None:
    print(
        f"\n{args.db}: gunicorn {args.workers} workers, wrk {args.connections} connections, "
        f"{args.rounds} rounds x {args.duration:g} s interleaved with the floor; "
        f"loadavg start {loads[0]}, end {loads[1]}\n"
    )
    print(HEADER)
    print("-" * len(HEADER))
    floors = [f for r in results for f in r.floor_rps]
    if floors:
        print(f"{'floor':18} {statistics.median(floors):8.1f}  {'':>8} {'':>8} {'':>8} {1:7.1%}")
    for r in results:
        print(format_row(r))
    print(
        "\nratio: endpoint req/s / floor req/s in the same round, median over rounds; goal: the "
        "issue's share of the floor (and single-client p95 < 50 ms) -> ok/no; run s: seconds per "
        "wrk run (longer for slow endpoints, up to --max-duration); '*': fewer requests "
        "completed than connections, the req/s is a rough estimate"
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    # Stopped (Ctrl-C, or TERM from a background run): unwind, so gunicorn is stopped too.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not Path(WRK).exists() and not args.cold_start:
        raise SystemExit(f"{WRK} not found: apt install wrk")
    if not created_by_us(target_from(args)):
        raise SystemExit(f"{args.db} was not seeded by bench/seed.py: run it first")
    start_load = loadavg()
    if args.cold_start:
        rows = cold_start(args)
        print(
            "\ncold start, one worker, first and second GET of a case page; "
            f"loadavg {start_load} -> {loadavg()}"
        )
        print(f"{'mode':24} {'ready s':>8} {'1st ms':>8} {'2nd ms':>8}")
        for mode, booted, first, second in rows:
            print(f"{mode:24} {booted:8.2f} {first:8.1f} {second:8.1f}")
        return
    results = run(args)
    print_table(results, args, (start_load, loadavg()))


if __name__ == "__main__":
    main()
