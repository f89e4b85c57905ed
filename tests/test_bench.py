"""The benchmark instrument: the floor endpoint, gunicorn's configuration and the bench scripts.

The scripts themselves run against gunicorn and wrk (bench/README.md); here: their arguments, the
rule that a bench script never drops a database it did not create, and a small seed.
"""

from __future__ import annotations

import importlib
import os
import runpy
import subprocess
import sys
import uuid
from pathlib import Path

import environ
import pytest
from django.urls import clear_url_caches

from bench import endpoints, explain, read_log, seed
from cases import selectors
from tests.factories import CaseFactory

ROOT = Path(__file__).resolve().parent.parent


def _remount(urls_module):
    importlib.reload(urls_module)
    clear_url_caches()


@pytest.fixture
def urlconf(settings):
    """Reload the URLconf after changing BENCH_FLOOR; restored to the default afterwards."""
    import tumorboard.urls

    yield lambda: _remount(tumorboard.urls)
    settings.BENCH_FLOOR = False
    _remount(tumorboard.urls)


@pytest.mark.django_db
def test_the_floor_is_not_mounted_by_default(client, settings, urlconf):
    settings.BENCH_FLOOR = False
    urlconf()
    assert client.get("/bench/floor").status_code == 404


@pytest.mark.django_db
def test_the_floor_is_one_primary_key_select(client, settings, urlconf, django_assert_num_queries):
    settings.BENCH_FLOOR = True
    urlconf()
    with django_assert_num_queries(1):
        response = client.get("/bench/floor")
    assert response.status_code == 200
    assert response.json() == {"id": 1}


@pytest.mark.parametrize(("value", "mounted"), [(None, False), ("false", False), ("true", True)])
def test_the_floor_is_off_unless_the_environment_says_so(monkeypatch, value, mounted):
    monkeypatch.setenv("DEBUG", "true")
    if value is None:
        monkeypatch.delenv("BENCH_FLOOR", raising=False)
    else:
        monkeypatch.setenv("BENCH_FLOOR", value)
    assert runpy.run_path(str(ROOT / "tumorboard" / "settings.py"))["BENCH_FLOOR"] is mounted


# --- gunicorn -------------------------------------------------------------------------------


def test_gunicorn_config_preloads_and_reads_workers_from_the_environment(monkeypatch):
    from gunicorn.config import Config

    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("GUNICORN_THREADS", "2")
    monkeypatch.delenv("GUNICORN_PRELOAD", raising=False)
    loaded = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    config = Config()
    for name, value in loaded.items():  # as gunicorn loads a config file
        if name in config.settings:
            config.set(name, value)
    assert config.preload_app is True
    assert config.workers == 5
    assert config.threads == 2
    assert callable(config.when_ready) and callable(config.post_worker_init)


def test_gunicorn_master_freezes_the_loaded_app_before_forking(monkeypatch):
    """gc.freeze in the master once the app is loaded: workers' collections skip it."""
    import gc
    from types import SimpleNamespace

    monkeypatch.setenv("GUNICORN_WARMUP", "false")  # warming is tested below; here, the freeze
    monkeypatch.delenv("GUNICORN_PRELOAD", raising=False)
    loaded = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    gc.unfreeze()
    try:
        loaded["when_ready"](SimpleNamespace(log=None))
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
    monkeypatch.setenv("GUNICORN_PRELOAD", "false")
    loaded = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    loaded["when_ready"](SimpleNamespace(log=None))
    assert gc.get_freeze_count() == 0  # without preloading, each worker freezes its own


def test_gunicorn_preload_can_be_turned_off_for_the_cold_start_bench(monkeypatch):
    monkeypatch.setenv("GUNICORN_PRELOAD", "false")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["preload_app"] is False


def test_warm_up_loads_views_and_templates_without_the_database():
    """No django_db mark: any query would raise, and a query in gunicorn's master would be a
    connection shared by every forked worker."""
    from tumorboard.health import warm_up

    loaded = warm_up()
    assert loaded["views"] > 50
    assert loaded["templates"] > 50


# --- arguments --------------------------------------------------------------------------------


def test_seed_arguments():
    args = seed.parse_args(["--db", "tb_bench_x"])
    assert (args.db, args.port, args.host, args.cases) == ("tb_bench_x", 5432, "127.0.0.1", 10_000)
    assert seed.parse_args(["--db", "tb_bench_x", "--port", "5433", "--cases", "50"]).cases == 50


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--db", "postgres"],
        ["--db", 'x"; DROP DATABASE y; --'],
        ["--db", "tb_bench_x", "--cases", "10"],
    ],
)
def test_seed_refuses_bad_arguments(argv):
    with pytest.raises(SystemExit):
        seed.parse_args(argv)


def test_endpoint_arguments():
    args = endpoints.parse_args(["--db", "tb_bench_x", "--only", "case-list-api", "--rounds", "2"])
    assert (args.rounds, args.duration, args.connections, args.only) == (
        2,
        5.0,
        16,
        ["case-list-api"],
    )
    with pytest.raises(SystemExit):
        endpoints.parse_args(["--db", "tb_bench_x", "--only", "no-such-endpoint"])
    with pytest.raises(SystemExit):
        endpoints.parse_args(["--db", "tb_bench_x", "--rounds", "0"])


def test_read_log_arguments():
    args = read_log.parse_args(["--db", "tb_bench_x", "--only", "case-detail-api"])
    assert (args.rounds, args.http_port, args.only) == (5, 8775, ["case-detail-api"])
    with pytest.raises(SystemExit):
        read_log.parse_args(["--db", "tb_bench_x", "--only", "case-list-api"])
    with pytest.raises(SystemExit):
        read_log.parse_args(["--db", "tb_bench_x", "--duration", "0"])


@pytest.mark.django_db
def test_read_log_write_share_times_the_write_inside_the_request(cast):
    """The in-process measure: the write's median time, the request's, and a share in between."""
    from rest_framework.authtoken.models import Token

    case = CaseFactory(board=cast.board)
    token = f"Token {Token.objects.create(user=cast.chair).key}"
    api = read_log.endpoints(str(case.uuid))[0]
    write_ms, request_ms, share = read_log.write_share(api, cast.chair.pk, token, requests=5)
    assert 0 < write_ms < request_ms and 0 < share < 1
    stranger = read_log.endpoints(str(uuid.uuid4()))[0]  # a 404 writes nothing: refused
    with pytest.raises(SystemExit, match="HTTP 404"):
        read_log.write_share(stranger, cast.chair.pk, token, requests=1)


def test_explain_arguments():
    assert explain.parse_args(["--db", "tb_bench_x", "--deep", "500"]).deep == 500
    with pytest.raises(SystemExit):
        explain.parse_args(["--db", "tb_bench_x", "--deep", "-1"])


class _Clock:
    """Stands in for the `time` module in bench.endpoints: the first request takes `first` s."""

    def __init__(self):
        self.now, self.first = 0.0, 0.0

    def perf_counter(self):
        return self.now


@pytest.fixture
def fake_http(monkeypatch):
    """bench.endpoints without gunicorn or wrk: every call is recorded in `calls`."""
    clock, calls = _Clock(), []

    def get(port, path, headers=None, timeout=120.0):
        calls.append(("get", path))
        clock.now += clock.first
        return (500 if "broken" in path else 200), b"12345", None

    def wrk(server, endpoint, auth, *, connections, threads, duration, lua):
        calls.append(("wrk", endpoint.name, connections, threads, duration))
        slow_alone = connections == 1 and "slow" in endpoint.path
        return {
            "rps": 100.0 if endpoint == endpoints.FLOOR else 40.0,
            "requests": 3 if slow_alone else 50,
            "p50_us": 2000,
            "p95_us": 9000,
            "bad_status": 1,
            "errors": 0,
        }

    def sequential(port, endpoint, auth, count):
        calls.append(("sequential", endpoint.name, count))
        return [10.0, 30.0, 20.0]

    monkeypatch.setattr(endpoints, "time", clock)
    monkeypatch.setattr(endpoints, "get", get)
    monkeypatch.setattr(endpoints, "wrk", wrk)
    monkeypatch.setattr(endpoints, "sequential", sequential)
    return clock, calls


def _measure(path, argv=(), **kwargs):
    args = endpoints.parse_args(["--db", "tb_bench_x", "--rounds", "2", *argv])
    result = endpoints.Result(endpoints.Endpoint("this", path, "token"))
    server = type("FakeServer", (), {"port": args.http_port})()
    measured = endpoints.measure_endpoint(
        server, result, {"token": "Token t"}, args, Path("x"), **kwargs
    )
    return measured, result


def test_measure_endpoint_interleaves_the_floor_and_sizes_the_run_to_the_first_request(fake_http):
    clock, calls = fake_http
    clock.first = 1.5  # two requests per connection: 2 * 1.5 s * 16 / 2 workers = 24 s
    measured, result = _measure("/fast/")
    assert measured is True
    assert calls == [
        ("get", "/fast/"),
        ("wrk", "floor", 16, 2, 24.0),
        ("wrk", "this", 16, 2, 24.0),
        ("wrk", "floor", 16, 2, 24.0),
        ("wrk", "this", 16, 2, 24.0),
        ("wrk", "this", 1, 1, 24.0),
    ]
    assert (result.status, result.size, result.duration) == (200, 5, 24.0)
    assert (result.rps, result.floor_rps, result.ratio) == ([40.0, 40.0], [100.0, 100.0], 0.4)
    assert (result.requests, result.errors, result.p50_load_ms) == (100, 2, [2.0, 2.0])
    assert (result.single_p50_ms, result.single_p95_ms) == (2.0, 9.0)


@pytest.mark.parametrize(
    ("first", "count", "duration"),
    [(0.01, 5, 5.0), (6.0, 3, 30.0)],  # --duration at the least, --max-duration at the most
)
def test_measure_endpoint_times_requests_one_by_one_when_wrk_completes_too_few(
    fake_http, first, count, duration
):
    clock, calls = fake_http
    clock.first = first
    _measured, result = _measure("/slow/")
    assert result.duration == duration
    assert calls[-2:] == [("wrk", "this", 1, 1, duration), ("sequential", "this", count)]
    assert (result.single_p50_ms, result.single_p95_ms) == (20.0, 30.0)


def test_measure_endpoint_one_by_one_replaces_the_single_client_wrk_run(fake_http):
    _clock, calls = fake_http
    _measured, result = _measure("/fast/", ["--duration", "3"], one_by_one=20)
    assert [c[0] for c in calls] == ["get", "wrk", "wrk", "wrk", "wrk", "sequential"]
    assert calls[-1] == ("sequential", "this", 20)
    assert result.duration == 3.0


def test_measure_endpoint_skips_an_endpoint_that_is_not_200(fake_http, capsys):
    _clock, calls = fake_http
    measured, result = _measure("/broken/")
    assert measured is False
    assert calls == [("get", "/broken/")]
    assert (result.status, result.rps) == (500, [])
    assert capsys.readouterr().out == "this: HTTP 500, skipped\n"


@pytest.mark.django_db
def test_keyset_page_equals_offset_page_of_the_real_case_list(cast):
    for n in range(12):
        CaseFactory(board=cast.board, urgency=["routine", "urgent", "emergency"][n % 3])
    qs = selectors.case_list(user=cast.coordinator)
    order = [term.lstrip("-") for term in explain.order_of(qs)]
    boundary = qs.values(*order)[4:5].get()
    keyset = list(explain.keyset_after(qs, boundary)[:5])
    assert [c.pk for c in keyset] == [c.pk for c in qs[5:10]]


# --- the database rule and a small seed -----------------------------------------------------------


def _server() -> seed.Target:
    config = environ.Env.db_url_config(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x")
    )
    return seed.Target(
        db=f"tb_bench_test_{uuid.uuid4().hex[:10]}",
        host=config.get("HOST") or "127.0.0.1",
        port=int(config.get("PORT") or 5432),
        user=config.get("USER") or "postgres",
    )


@pytest.mark.postgres
def test_a_database_not_created_by_the_seed_is_never_written_or_dropped():
    target = _server()
    with target.connect("postgres") as conn:
        conn.execute(f'CREATE DATABASE "{target.db}"')  # made by this test, not by the seed
    try:
        assert seed.created_by_us(target) is False
        with pytest.raises(SystemExit, match="not created by bench/seed.py"):
            seed.ensure_database(target)
        with pytest.raises(SystemExit, match="refusing to drop"):
            seed.drop_database(target)
        assert seed.database_exists(target)
        with target.connect() as conn:  # nothing was written into it
            assert conn.execute("SELECT to_regclass('public.bench_seed_marker')").fetchone() == (
                None,
            )
    finally:
        with target.connect("postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target.db}" WITH (FORCE)')


@pytest.mark.postgres
def test_dropping_an_absent_database_is_refused():
    target = _server()
    with pytest.raises(SystemExit, match="refusing to drop"):
        seed.drop_database(target)


@pytest.mark.postgres
@pytest.mark.slow  # migrates a fresh database: about 20 s on an idle machine
def test_seed_fifty_cases_then_again_then_drop():
    target = _server()
    command = [
        sys.executable,
        "bench/seed.py",
        "--db",
        target.db,
        "--host",
        target.host,
        "--port",
        str(target.port),
        "--user",
        target.user,
        "--cases",
        "50",
    ]
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "BENCH_FLOOR"}}
    try:
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)  # noqa: S603
        assert seed.created_by_us(target)
        with target.connect() as conn:

            def one(sql):
                return conn.execute(sql).fetchone()[0]

            assert one("SELECT count(*) FROM cases_patient WHERE mrn LIKE 'BENCH%'") == 50
            bench_cases = (
                "SELECT c.id FROM cases_case c JOIN cases_patient p ON p.id = c.patient_id"
            )
            bench_cases += " WHERE p.mrn LIKE 'BENCH%'"
            assert one(f"SELECT count(*) FROM ({bench_cases}) b") == 50
            lesions = one(
                f"SELECT count(*) FROM cases_spinallesion WHERE case_id IN ({bench_cases})"
            )
            assert 50 <= lesions <= 150
            assert one(
                f"SELECT count(*) FROM cases_priortreatment WHERE case_id IN ({bench_cases})"
            )
            assert one("SELECT count(DISTINCT board_id) FROM cases_case") == 3
            items = one(
                "SELECT count(*) FROM scheduling_agendaitem a JOIN scheduling_meeting m "
                "ON m.id = a.meeting_id WHERE m.location = 'Bench meeting room'"
            )
            assert 1 <= items <= seed.MEETING_CASES
            tokens = (
                "SELECT count(*) FROM authtoken_token t JOIN auth_user u ON u.id = t.user_id "
                "WHERE u.username = 'bench-coordinator'"
            )
            assert one(tokens) == 1
        again = subprocess.run(
            command, cwd=ROOT, env=env, check=True, capture_output=True, text=True
        )  # noqa: S603
        assert "seeded 0 new cases" in again.stdout
    finally:
        if seed.created_by_us(target):
            seed.drop_database(target)
    assert not seed.database_exists(target)
