"""Two people saving the same record at the same moment, each on their own database connection:
exactly one save wins, the other is told (StaleVersionError) and nothing is silently lost."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from recommendations.decisions import services
from recommendations.models import ConsensusPlan, DecisionRecord, PlanActivity
from tests.meeting_mode import started_agenda

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _waiting_on_locks() -> int:
    """Sessions of this test database waiting for a row lock (statistics are snapshotted per
    transaction, so the snapshot is cleared first)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0]


def race(*writes):
    """Run the writes in threads that all block on the plan row (held here) and are then released
    together; returns each write's result or exception, in order."""
    results: list = [None] * len(writes)

    def run(index, write):
        try:
            results[index] = write()
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(writes)]
    plan_ids = list(ConsensusPlan.objects.values_list("pk", flat=True))
    with transaction.atomic():
        # Hold the plan rows so both writers are inside their transactions, waiting, at once.
        list(ConsensusPlan.objects.select_for_update().filter(pk__in=plan_ids))
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while _waiting_on_locks() < len(writes) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting_on_locks() >= len(writes), "the writers never met at the lock"
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_simultaneous_saves_of_the_decision_record_one_wins_one_is_told(cast):
    meeting, (item,) = started_agenda(cast.board)
    record = services.decision_record_open(agenda_item=item, by=cast.coordinator)

    results = race(
        lambda: services.decision_record_update(
            record=record, expected_version=1, by=cast.surgeon, uncertainties="Surgeon's words"
        ),
        lambda: services.decision_record_update(
            record=record, expected_version=1, by=cast.chair, uncertainties="Chair's words"
        ),
    )

    winners = [r for r in results if isinstance(r, DecisionRecord)]
    losers = [r for r in results if isinstance(r, services.StaleVersionError)]
    assert (len(winners), len(losers)) == (1, 1), results
    record.refresh_from_db()
    assert record.version == 2
    assert record.uncertainties == winners[0].uncertainties
    # The loser was shown exactly what the winner saved.
    assert losers[0].current.uncertainties == record.uncertainties
    assert losers[0].current.version == 2
    assert record.history.filter(history_type="~").count() == 1


def test_two_simultaneous_plan_saves_one_wins_and_no_activity_is_lost_or_doubled(cast):
    meeting, (item,) = started_agenda(cast.board)
    record = services.decision_record_open(agenda_item=item, by=cast.coordinator)
    plan = record.plan

    def add(description, by):
        return lambda: services.plan_save(
            plan=plan,
            expected_version=1,
            by=by,
            activities=[
                services.ActivityChange(
                    "add",
                    fields={
                        "kind": "imaging",
                        "description": description,
                        "responsible_discipline": "radiology",
                    },
                )
            ],
        )

    results = race(add("MRI in 6 weeks", cast.surgeon), add("CT in 3 months", cast.chair))

    winners = [r for r in results if isinstance(r, ConsensusPlan)]
    losers = [r for r in results if isinstance(r, services.StaleVersionError)]
    assert (len(winners), len(losers)) == (1, 1), results
    assert ConsensusPlan.objects.get(pk=plan.pk).version == 2
    assert PlanActivity.objects.filter(plan=plan).count() == 1
