"""A real Celery worker on Redis prepares a 10-case meeting end to end (tests/conftest.py)."""

from __future__ import annotations

import time

import pytest

from recommendations.models import PreMeetingSummary
from recommendations.summaries.selectors import meeting_preparation_progress, summary_is_stale
from tests.agendas import agenda, give_opinion

pytestmark = [pytest.mark.worker, pytest.mark.slow]

ITEM_TASK = "recommendations.summaries.tasks.prepare_agenda_item_summary"
MEETING_TASK = "recommendations.summaries.tasks.prepare_meeting_summaries"


def wait_for(condition, *, timeout: float, what: str, worker=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    log = worker.worker_log.read_text()[-3000:] if worker is not None else ""
    pytest.fail(f"timed out waiting for {what}\n{log}")


def test_a_real_worker_prepares_a_ten_case_meeting(real_worker, cast):
    client, queue = real_worker
    meeting, items = agenda(cast.board, 10)
    surgeon_view = give_opinion(items[0], cast.surgeon, ["separation_surgery"])
    give_opinion(items[0], cast.specialists["radiation_oncology"], ["cebrt"], regimen="8 Gy x 1")
    give_opinion(items[1], cast.specialists["medical_oncology"], ["systemic_start"])

    # The meeting task sends the items in batches, on the queue it came from.
    fanned = client.send_task(MEETING_TASK, args=[meeting.pk], queue=queue)
    assert fanned.get(timeout=60) == 10

    def prepared() -> bool:
        return PreMeetingSummary.objects.filter(agenda_item__meeting=meeting).count() == 10

    wait_for(
        lambda: prepared() and meeting_preparation_progress(meeting).complete,
        timeout=120,
        what="10 prepared summaries",
        worker=client,
    )
    progress = meeting_preparation_progress(meeting)
    assert (progress.prepared, progress.total, progress.failed) == (10, 10, 0)
    first = PreMeetingSummary.objects.get(agenda_item=items[0])
    assert [op["discipline"] for op in first.content["opinions"]] == [
        "radiation_oncology",
        "spine_surgery",
    ]
    assert first.content["case"]["uuid"] == str(items[0].case.uuid)

    # The same task run twice makes no second version.
    again = client.send_task(ITEM_TASK, args=[items[0].pk], queue=queue)
    assert again.get(timeout=60) == "skipped: nothing to prepare"
    assert PreMeetingSummary.objects.filter(agenda_item=items[0]).count() == 1

    # A changed opinion makes the summary stale; the next run makes version 2.
    surgeon_view.options = ["no_surgery"]
    surgeon_view.revision += 1
    surgeon_view.save()
    assert summary_is_stale(items[0]) is True
    regenerated = client.send_task(ITEM_TASK, args=[items[0].pk], queue=queue)
    assert regenerated.get(timeout=60) == "prepared: version 2"
    assert summary_is_stale(items[0]) is False
    assert list(
        PreMeetingSummary.objects.filter(agenda_item=items[0]).values_list("version", flat=True)
    ) == [2, 1]
