"""Real Celery worker processes on Redis, for the tests that need one (fixtures in the root
conftest: `celery_workers`, `real_worker`)."""

from __future__ import annotations

import os
import signal
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
READY_TIMEOUT = 60


def _database_url_for_worker() -> str:
    """The URL of the database this test is using (the test database), for the worker process."""
    s = connection.settings_dict
    if connection.vendor != "postgresql":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class CeleryWorkers:
    """`celery worker` processes consuming one queue private to the test, one at a time.

    `start()` runs a worker (by default the project's app) and waits until it is ready; `kill()`
    ends it with SIGKILL, as a crash or the OOM killer would (no warm shutdown, no acks);
    `stop()` asks it to finish its task and leave. Each worker writes its own log; `client` sends
    tasks (client.send_task(name, args=[...], queue=queue)) and carries `worker_log` and
    `worker_process` of the worker started last.
    """

    def __init__(self, log_dir: Path):
        assert SERVICES.broker_url, "a real worker needs Redis (the test should be marked 'worker')"
        self.queue = f"tumorboard-test-{uuid.uuid4().hex[:10]}"
        self.log_dir = log_dir
        self.backend = SERVICES.broker_url.rsplit("/", 1)[0] + "/15"
        # Not the current app: shared tasks bind to the current app, and the project's (eager in
        # tests) must stay current for the tests that run after this one.
        self.client = Celery(
            "tumorboard-test-client",
            broker=SERVICES.broker_url,
            backend=self.backend,
            set_as_current=False,
        )
        self.client.conf.task_default_queue = self.queue
        self.process: subprocess.Popen | None = None
        self.log: Path | None = None
        self.started = 0

    def start(self, *, app: str = "tumorboard", env: dict[str, str] | None = None):
        """Start a worker of `app` (a module Celery's -A accepts) with extra `env`; wait for it."""
        assert self.process is None or self.process.poll() is not None, "a worker is running"
        self.started += 1
        self.log = self.log_dir / f"worker-{self.started}.log"
        worker_env = {
            **os.environ,
            "DATABASE_URL": _database_url_for_worker(),
            "CELERY_BROKER_URL": SERVICES.broker_url,
            "CELERY_RESULT_BACKEND": self.backend,
            "DEBUG": "true",
            **(env or {}),
        }
        argv = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            app,
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            self.queue,
            "--loglevel=INFO",
            "-n",
            f"{self.queue}-{self.started}@%h",
        ]
        with self.log.open("w") as out:
            self.process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                argv, cwd=ROOT, env=worker_env, stdout=out, stderr=subprocess.STDOUT
            )
        self.client.worker_log = self.log
        self.client.worker_process = self.process
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"celery worker exited early:\n{self.log_text()}")
            if "ready." in self.log.read_text():
                return self.process
            time.sleep(0.3)
        pytest.fail(f"celery worker did not start:\n{self.log_text()}")

    def kill(self) -> None:
        """SIGKILL the worker and reap it: it finishes nothing and acknowledges nothing."""
        assert self.process is not None and self.process.poll() is None, "no worker is running"
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)

    def log_text(self, tail: int = 3000) -> str:
        return self.log.read_text()[-tail:] if self.log is not None else ""

    def close(self) -> None:
        self.stop()
        self.client.close()
