"""A real Celery worker process on Redis runs the project's tasks."""

import pytest

pytestmark = [pytest.mark.worker, pytest.mark.slow]


def test_real_worker_completes_a_task(real_worker):
    client, queue = real_worker
    result = client.send_task("tumorboard.ping", queue=queue)
    assert result.get(timeout=60) == "pong"
    assert "tumorboard.ping" in client.worker_log.read_text()
    assert "succeeded" in client.worker_log.read_text()
