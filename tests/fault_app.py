"""The project's Celery app with summary preparation held open: for tests/test_faults.py only.

Started as `celery -A tests.fault_app worker`. It is the real app and the real tasks; the one
difference is that `summaries_prepare`, after it has inserted the summary rows and before its
transaction commits, writes a marker file and waits, so the test can kill the worker at exactly
that point. Production code has no test hooks.

Environment: TUMORBOARD_FAULT_MARKER (the marker file, required) and
TUMORBOARD_FAULT_HOLD_SECONDS (how long to wait; default 90).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import django

from tumorboard.celery import app  # sets DJANGO_SETTINGS_MODULE

django.setup()

from django.db import connection  # noqa: E402 - needs the app registry

from recommendations.models import PreMeetingSummary  # noqa: E402
from recommendations.summaries import preparation  # noqa: E402

MARKER = Path(os.environ["TUMORBOARD_FAULT_MARKER"])
HOLD_SECONDS = float(os.environ.get("TUMORBOARD_FAULT_HOLD_SECONDS", "90"))

_finish = preparation._preparations_finish


def _held_finish(agenda_item_ids: list[int], *, reclaimed: set[int]) -> None:
    """Record what this transaction has written so far, then wait before finishing it."""
    written = list(
        PreMeetingSummary.objects.filter(agenda_item_id__in=agenda_item_ids).values_list(
            "agenda_item_id", "version"
        )
    )
    state = {
        "agenda_item_ids": agenda_item_ids,
        "summaries_in_transaction": written,
        "in_transaction": connection.in_atomic_block,
        "pid": os.getpid(),
    }
    partial = MARKER.with_suffix(".tmp")
    partial.write_text(json.dumps(state))
    partial.replace(MARKER)  # the test never reads half a file
    time.sleep(HOLD_SECONDS)
    _finish(agenda_item_ids, reclaimed=reclaimed)


preparation._preparations_finish = _held_finish

__all__ = ["app"]
