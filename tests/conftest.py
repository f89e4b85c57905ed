"""Fixtures for cross-app tests: a real Celery worker process on Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from tests.services import SERVICES

ROOT = Path(__file__).resolve().parent.parent


def _database_url_for_worker() -> str:
    """The URL of the database this test is using (the test database), for the worker process."""
    s = connection.settings_dict
    if connection.vendor != "postgresql":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def real_worker(transactional_db, tmp_path):
    """Start `celery worker` as a separate process on Redis, consuming a queue private to this test.

    Yields (client_app, queue): send with client_app.send_task(name, args=[...], queue=queue).
    Data written by the test must be committed (transactional_db) for the worker to see it.
    """
    assert SERVICES.broker_url, "real_worker needs Redis (the test should be marked 'worker')"
    queue = f"tumorboard-test-{uuid.uuid4().hex[:10]}"
    backend = SERVICES.broker_url.rsplit("/", 1)[0] + "/15"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url_for_worker(),
        "CELERY_BROKER_URL": SERVICES.broker_url,
        "CELERY_RESULT_BACKEND": backend,
        "DEBUG": "true",
    }
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tumorboard",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-Q",
                queue,
                "--loglevel=INFO",
                "-n",
                f"{queue}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    client = Celery("tumorboard-test-client", broker=SERVICES.broker_url, backend=backend)
    client.conf.task_default_queue = queue
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"celery worker exited early:\n{log.read_text()[-3000:]}")
            if "ready." in log.read_text():
                break
            time.sleep(0.3)
        else:
            pytest.fail(f"celery worker did not start:\n{log.read_text()[-3000:]}")
        client.worker_log = log
        client.worker_process = proc
        yield client, queue
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        client.close()
