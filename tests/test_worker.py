"""A real Celery worker process on Redis runs the project's tasks."""

import time

import pytest

pytestmark = [pytest.mark.worker, pytest.mark.slow]


def test_real_worker_completes_a_task(real_worker):
    client, queue = real_worker
    result = client.send_task("tumorboard.ping", queue=queue)
    assert result.get(timeout=60) == "pong"
    # The worker logs success just after storing the result: give the log a moment.
    deadline = time.monotonic() + 10
    while "succeeded" not in client.worker_log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    log = client.worker_log.read_text()
    assert f"Task tumorboard.ping[{result.id}] succeeded" in log
