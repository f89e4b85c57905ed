"""A signed plan for the cast's patient (on the cast's board) whose surgery was done 50 days ago,
and one on the other board."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from recommendations.models import PlanActivity
from scheduling.models import Meeting
from tests.factories import AgendaItemFactory, MeetingFactory, PatientFactory
from tests.meeting_mode import scheduled_case
from tests.worklists import plan_row


def signed_plan(board, chair, *, patient=None):
    now = timezone.now()
    meeting = MeetingFactory(
        board=board,
        starts_at=now - dt.timedelta(days=60),
        ends_at=now - dt.timedelta(days=60) + dt.timedelta(hours=1),
        status=Meeting.Status.CLOSED,
    )
    case = scheduled_case(board, status="plan_signed", patient=patient or PatientFactory())
    return plan_row(AgendaItemFactory(meeting=meeting, case=case), chair=chair)


def done_activity(plan, *, kind=PlanActivity.Kind.SURGERY, completed_on, position=1):
    return PlanActivity.objects.create(
        plan=plan,
        kind=kind,
        description=f"{kind} done",
        responsible_discipline="spine_surgery",
        status=PlanActivity.Status.DONE,
        completed_on=completed_on,
        position=position,
    )


@pytest.fixture
def outc(cast):
    today = timezone.localdate()
    ns = SimpleNamespace(today=today, treated_on=today - dt.timedelta(days=50))
    ns.plan = signed_plan(cast.board, cast.chair, patient=cast.patient)
    ns.case = ns.plan.decision.agenda_item.case
    ns.other_plan = signed_plan(cast.other_board, cast.outsider)
    return ns


@pytest.fixture
def scheduled(cast, outc):
    """The follow-ups of the cast's patient's plan, scheduled from the surgery 50 days ago: the
    42-day one is missing, the others to come."""
    from recommendations.outcomes.services import follow_ups_schedule

    return follow_ups_schedule(plan=outc.plan, treatment_date=outc.treated_on, by=cast.surgeon)
