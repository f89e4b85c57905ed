"""`make run`: a port that can be changed, and beat's periodic work in the embedded default.

The embedded default has no broker (tasks run in-process), so no celery beat; `make run` starts
`manage.py run_periodic` beside the server, which runs beat's schedule in-process: summaries are
prepared at the opinion deadline and reminders are sent on a first run too.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from celery.schedules import crontab
from django.core.management import call_command
from django.utils import timezone

from recommendations.models import PreMeetingSummary
from tests.agendas import agenda
from tests.factories import MeetingFactory
from tumorboard.celery import app
from tumorboard.management.commands import run_periodic
from tumorboard.management.commands.run_periodic import Periodic

ROOT = Path(__file__).resolve().parent.parent


def _make_n(*args: str, **env: str) -> str:
    """What `make run` would execute (`make -n`), outside any calling make."""
    clean = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    clean.pop("PORT", None)
    clean.pop("SITE_URL", None)
    done = subprocess.run(
        ["make", "-n", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout


# --- the port ------------------------------------------------------------------------------------


def test_make_run_serves_on_127_0_0_1_8000_by_default():
    commands = _make_n("run")
    assert "manage.py runserver 127.0.0.1:8000" in commands
    assert "seed_demo --url http://127.0.0.1:8000/" in commands


def test_port_changes_the_port_the_server_and_the_printed_address_use():
    commands = _make_n("run", PORT="8001")
    assert "manage.py runserver 127.0.0.1:8001" in commands
    assert "seed_demo --url http://127.0.0.1:8001/" in commands
    assert "SITE_URL=${SITE_URL:-http://127.0.0.1:8001}" in commands  # e-mailed links follow
    assert "8000" not in commands


def test_the_readme_keeps_its_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make run     # virtualenv, install, migrate, demo data;" in readme
    assert "make test    # virtualenv, install, the whole test suite" in readme
    assert "PORT=8001 make run" in readme


def test_the_demo_prints_the_address_it_is_served_on(db, settings):
    settings.DEBUG = True  # as `make run` sets it
    out = StringIO()
    call_command("seed_demo", "--url", "http://127.0.0.1:8001/", stdout=out)
    assert "Open http://127.0.0.1:8001/ and sign in." in out.getvalue()


# --- beat's work, in-process -------------------------------------------------------------------


def test_make_run_starts_the_periodic_runner_beside_the_server():
    commands = _make_n("run")
    periodic = commands.index("manage.py run_periodic &")
    assert periodic < commands.index("manage.py runserver")


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 2, 10, 1, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def test_the_runner_runs_everything_at_start_then_each_entry_on_its_schedule():
    clock, ran = Clock(), []
    schedule = {
        "every-5": {"task": "five", "schedule": crontab(minute="*/5")},
        "nightly": {"task": "night", "schedule": crontab(hour=2, minute=10)},
    }
    periodic = Periodic(schedule, run=ran.append, now=clock)
    assert periodic.tick() == ["five", "night"]  # work that came due while nothing ran
    assert periodic.tick() == []
    clock.now += dt.timedelta(minutes=3)  # 10:04
    assert periodic.tick() == []
    clock.now += dt.timedelta(minutes=1)  # 10:05
    assert periodic.tick() == ["five"]
    clock.now = dt.datetime(2026, 3, 3, 2, 10, tzinfo=dt.UTC)
    assert periodic.tick() == ["five", "night"]
    assert ran == ["five", "night", "five", "five", "night"]


def test_the_runner_runs_every_beat_task():
    ran: list[str] = []
    Periodic(app.conf.beat_schedule, run=ran.append).tick()
    assert ran == [entry["task"] for entry in app.conf.beat_schedule.values()]
    assert "recommendations.summaries.tasks.prepare_due_meetings" in ran
    assert "recommendations.opinions.tasks.send_due_opinion_reminders" in ran
    assert all(name in app.tasks for name in ran)


def test_a_failing_task_is_logged_and_the_next_one_still_runs(db, monkeypatch):
    first, second = (entry["task"] for entry in list(app.conf.beat_schedule.values())[:2])

    def broken(*args, **kwargs):
        raise RuntimeError("down")

    logged: list[str] = []
    monkeypatch.setattr(run_periodic.logger, "exception", lambda msg, *a: logged.append(msg % a))
    periodic = Periodic(app.conf.beat_schedule)
    monkeypatch.setattr(app.tasks[first], "run", broken)
    assert periodic.tick()[:2] == [first, second]
    assert logged[0] == f"periodic task {first} failed; it runs again at its next time"


def test_the_runner_prepares_summaries_at_the_opinion_deadline(
    cast, django_capture_on_commit_callbacks
):
    due, _ = agenda(
        cast.board,
        2,
        meeting=MeetingFactory(board=cast.board, starts_at=timezone.now() + dt.timedelta(hours=2)),
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_periodic", "--once", stdout=StringIO())
    assert PreMeetingSummary.objects.filter(agenda_item__meeting=due).count() == 2


def test_with_a_broker_the_runner_leaves_the_work_to_celery_beat(settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(Periodic, "tick", lambda self: pytest.fail("ran beside a real beat"))
    out = StringIO()
    call_command("run_periodic", "--once", stdout=out)
    assert "celery beat" in out.getvalue()


SEARCH_IN_NAME_ORDER = (
    "from cases.models import Patient; from cases.selectors import PATIENT_SEARCH_ORDER; "
    "born = '1960-01-01'; "
    "Patient.objects.create(mrn='X1', family_name='Dean', given_name='A', date_of_birth=born); "
    "Patient.objects.create(mrn='X2', family_name='de Silva', given_name='B', date_of_birth=born); "
    "print([p.family_name for p in Patient.objects.order_by(*PATIENT_SEARCH_ORDER)])"
)


def test_the_embedded_default_migrates_and_searches_names_on_sqlite(tmp_path):
    """`make run` on a fresh machine: the PostgreSQL-only indexes are left out on SQLite, and a
    name search orders by bytes there too (BINARY for PostgreSQL's "C")."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_URL": "",
        "DEBUG": "true",
    }

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    migrated = manage("migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    searched = manage("shell", "-c", SEARCH_IN_NAME_ORDER)
    assert searched.returncode == 0, searched.stderr[-2000:]
    # Upper-case byte order: a space sorts before any letter.
    assert searched.stdout.strip().splitlines()[-1] == "['de Silva', 'Dean']"
