"""Migration 0008 carries the old activity statuses over: not done → cancelled (its reason kept),
changed at the patient's wish → deviated (what was done instead = the reason given), and every
done or deviated activity gets the day it ended."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from recommendations.decisions import services
from recommendations.models import PlanActivity
from tests.meeting_mode import ready_to_sign, started_agenda

BEFORE = [("recommendations", "0007_patient_summary_version")]
AFTER = [("recommendations", "0008_plan_follow_through")]


def _migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


@pytest.mark.django_db(transaction=True)
def test_old_statuses_become_cancelled_and_deviated(cast):
    _meeting, (item,) = started_agenda(cast.board)
    _record, plan = ready_to_sign(cast, item)
    services.activity_add(
        plan=plan,
        by=cast.chair,
        kind="pain",
        description="Nerve block",
        responsible_discipline="pain_medicine",
    )
    surgery, radiation, pain = plan.activities.order_by("position")
    meeting_day = min(timezone.localtime(item.meeting.starts_at).date(), timezone.localdate())
    try:
        _migrate(BEFORE)
        with connection.cursor() as cursor:
            table = "recommendations_planactivity"
            cursor.execute(
                f"UPDATE {table} SET status='not_done', status_reason='Too unwell' WHERE id=%s",  # noqa: S608
                [surgery.pk],
            )
            cursor.execute(
                f"UPDATE {table} SET status='changed_by_patient', status_reason='Stays home' "  # noqa: S608
                "WHERE id=%s",
                [radiation.pk],
            )
            cursor.execute(f"UPDATE {table} SET status='done' WHERE id=%s", [pain.pk])  # noqa: S608
        _migrate(AFTER)
    finally:
        _migrate(AFTER)
    surgery, radiation, pain = (
        PlanActivity.objects.get(pk=a.pk) for a in (surgery, radiation, pain)
    )
    assert (surgery.status, surgery.status_reason, surgery.completed_on) == (
        "cancelled",
        "Too unwell",
        None,
    )
    # No history row in the old status (changed by SQL here): the meeting's day.
    assert (radiation.status, radiation.done_instead, radiation.completed_on) == (
        "deviated",
        "Stays home",
        meeting_day,
    )
    assert (pain.status, pain.completed_on) == ("done", meeting_day)
