"""The database keeps the follow-through rules even when the services are bypassed: a done or
deviated activity has the day it ended, a deviated one says why and what was done instead, a
cancelled one why; a re-discussion says why, and a case has one open re-discussion at a time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from recommendations.models import PlanActivity, Rediscussion
from tests.meeting_mode import quorum, ready_to_sign, started_agenda

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 1, 5)


@pytest.fixture
def plan(cast):
    meeting, (item,) = started_agenda(cast.board)
    quorum(cast, meeting)
    _record, plan = ready_to_sign(cast, item)
    return plan


def _update(activity, **fields):
    with transaction.atomic():
        PlanActivity.objects.filter(pk=activity.pk).update(**fields)


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "done"},
        {"status": "deviated", "status_reason": "r", "done_instead": "x"},
        {"status": "deviated", "completed_on": DAY, "done_instead": "x"},
        {"status": "deviated", "completed_on": DAY, "status_reason": "r"},
        {"status": "cancelled"},
        {"status": "cancelled", "status_reason": "r", "completed_on": DAY},
        {"status": "planned", "completed_on": DAY},
        {"status": "in_progress", "completed_on": DAY},
    ],
)
def test_constraints_refuse_an_ending_without_what_it_needs(plan, fields):
    activity = plan.activities.first()
    with pytest.raises(IntegrityError):
        _update(activity, **fields)
    activity.refresh_from_db()
    assert activity.status == "planned"


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "done", "completed_on": DAY},
        {"status": "deviated", "completed_on": DAY, "status_reason": "r", "done_instead": "x"},
        {"status": "cancelled", "status_reason": "r"},
        {"status": "in_progress"},
    ],
)
def test_constraints_accept_a_complete_ending(plan, fields):
    activity = plan.activities.first()
    _update(activity, **fields)
    activity.refresh_from_db()
    assert activity.status == fields["status"]


def test_a_rediscussion_needs_a_detail_and_one_is_open_per_case(cast, plan):
    case = plan.decision.agenda_item.case
    with pytest.raises(IntegrityError), transaction.atomic():
        Rediscussion.objects.create(
            case=case, earlier_plan=plan, trigger="progression", detail="", requested_by=cast.chair
        )
    Rediscussion.objects.create(
        case=case,
        earlier_plan=plan,
        trigger="progression",
        detail="New lesion",
        requested_by=cast.chair,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Rediscussion.objects.create(
            case=case, earlier_plan=plan, trigger="other", detail="Again", requested_by=cast.chair
        )
    assert Rediscussion.objects.filter(case=case).count() == 1


def test_overdue_is_open_and_past_its_due_date(plan):
    activity = plan.activities.first()
    activity.due_date = DAY
    assert activity.is_overdue(DAY + dt.timedelta(days=1))
    assert not activity.is_overdue(DAY)
    activity.status = "done"
    assert not activity.is_overdue(DAY + dt.timedelta(days=1))
