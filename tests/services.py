"""Decide, before Django loads, which real services this test run uses.

Loaded early with `-p tests.services` (pyproject addopts), because Django reads DATABASE_URL when
pytest-django sets it up, before any conftest.

- DATABASE_URL set: it must be reachable, or the run stops with a clear message (never a silent
  fallback to SQLite).
- Not set: the local default PostgreSQL (postgres@127.0.0.1:5432) is used when reachable. Otherwise,
  off CI, the suite runs on SQLite and the PostgreSQL-only tests are skipped with a printed reason;
  in CI (CI=true) that is an error.
- Redis (for the real-worker tests) and Chromium (browser tests) follow the same rule: skipped with
  a reason off CI, required in CI.
In-process tests always run Celery tasks eagerly; the broker URL is kept for the real-worker tests.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field

import pytest

CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tumorboard"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@dataclass
class Services:
    database: str = "sqlite"
    database_note: str = ""
    broker_url: str | None = None
    broker_note: str = ""
    chromium: str | None = None
    chromium_note: str = ""
    fatal: list[str] = field(default_factory=list)


def _postgres_problem(url: str) -> str | None:
    import environ
    import psycopg

    cfg = environ.Env.db_url_config(url)
    try:
        psycopg.connect(
            host=cfg.get("HOST") or None,
            port=cfg.get("PORT") or None,
            user=cfg.get("USER") or None,
            password=cfg.get("PASSWORD") or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        where = f"{cfg.get('HOST')}:{cfg.get('PORT')}"
        return f"PostgreSQL unreachable at {where} ({exc.__class__.__name__})"
    return None


def _redis_problem(url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis unreachable at {url} ({exc.__class__.__name__})"
    return None


def _chromium_problem() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


def _probe() -> Services:
    found = Services()
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("sqlite"):
        if CI:
            found.fatal.append("CI=true requires PostgreSQL, but DATABASE_URL points at SQLite.")
        found.database_note = "DATABASE_URL is SQLite: PostgreSQL-only tests are skipped"
    elif url:
        problem = _postgres_problem(url)
        if problem:
            found.fatal.append(f"DATABASE_URL is set but {problem}.")
        found.database = "postgresql"
    else:
        problem = _postgres_problem(DEFAULT_DATABASE_URL)
        if problem is None:
            os.environ["DATABASE_URL"] = DEFAULT_DATABASE_URL
            found.database = "postgresql"
        elif CI:
            found.fatal.append(f"CI=true requires PostgreSQL: {problem}.")
        else:
            found.database_note = f"{problem}: running on SQLite, PostgreSQL-only tests skipped"

    broker = os.environ.pop("CELERY_BROKER_URL", "") or DEFAULT_BROKER_URL
    problem = _redis_problem(broker)
    if problem is None:
        found.broker_url = broker
    elif CI:
        found.fatal.append(f"CI=true requires Redis for the real-worker tests: {problem}.")
    else:
        found.broker_note = f"{problem}: real-worker tests skipped"
    os.environ.pop("CELERY_RESULT_BACKEND", None)
    # Each test starts with an empty in-process cache (conftest), never a shared one.
    os.environ.pop("CACHE_URL", None)

    problem = _chromium_problem()
    if problem is None:
        found.chromium = CHROMIUM
    elif CI:
        found.fatal.append(f"CI=true requires Chromium for the browser tests: {problem}.")
    else:
        found.chromium_note = f"{problem}: browser tests skipped"
    return found


# The decision must be made at import, before pytest-django configures Django.
os.environ.setdefault("DEBUG", "true")
SERVICES = _probe()


def pytest_configure(config: pytest.Config) -> None:
    if SERVICES.fatal:
        pytest.exit(
            "Required test services missing:\n  " + "\n  ".join(SERVICES.fatal), returncode=3
        )


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [f"tumorboard: database={SERVICES.database}; CI={CI}"]
    for note in (SERVICES.database_note, SERVICES.broker_note, SERVICES.chromium_note):
        if note:
            lines.append(f"tumorboard: SKIPPING because {note}")
    return lines


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reasons = {
        "postgres": None if SERVICES.database == "postgresql" else SERVICES.database_note,
        "redis": None if SERVICES.broker_url else SERVICES.broker_note,
        "worker": None if SERVICES.broker_url else SERVICES.broker_note,
        "browser": None if SERVICES.chromium else SERVICES.chromium_note,
    }
    for item in items:
        for marker, reason in reasons.items():
            if reason and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))
                break
