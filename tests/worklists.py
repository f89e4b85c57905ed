"""A board's week as the worklists see it (all fictional data), shared by tests/test_worklists.py
and the browser test: opinions owed (one overdue), a referred case missing data, a ready case on
no agenda, a started meeting with a plan to sign, and a signed plan with activities owned by the
spine surgeon (by name, overdue) and by spine surgery (the discipline)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from recommendations.models import ConsensusPlan, DecisionRecord, PlanActivity
from scheduling.models import Meeting
from scheduling.tests.helpers import ready_case
from tests.factories import AgendaItemFactory, CaseFactory, MeetingFactory
from tests.meeting_mode import give_opinion, ready_to_sign, scheduled_case, started_agenda


def plan_row(item, *, chair, status=ConsensusPlan.Status.SIGNED) -> ConsensusPlan:
    """A plan for an agenda item written straight to the tables (signed by `chair` unless draft)."""
    record = DecisionRecord.objects.create(agenda_item=item, created_by=chair)
    signed = status == ConsensusPlan.Status.SIGNED
    return ConsensusPlan.objects.create(
        decision=record,
        outcome=ConsensusPlan.Outcome.AGREED,
        summary="Separation surgery at T10, then SBRT.",
        status=status,
        signed_by=chair if signed else None,
        signed_at=timezone.now() if signed else None,
        quorum_met=True if signed else None,
        created_by=chair,
    )


def board_week(cast, meeting) -> SimpleNamespace:
    """The week on the cast's board; `meeting` (in five days) is one of its meetings."""
    now = timezone.now()
    week = SimpleNamespace(meeting=meeting)
    # A meeting in ten hours: its opinions (due 24 hours before) are overdue.
    week.soon = MeetingFactory(
        board=cast.board,
        starts_at=now + dt.timedelta(hours=10),
        ends_at=now + dt.timedelta(hours=11),
    )
    week.overdue_case = scheduled_case(
        cast.board, patient__family_name="Overdue", patient__given_name="Olive"
    )
    week.overdue_item = AgendaItemFactory(meeting=week.soon, case=week.overdue_case, position=1)
    week.due_case = scheduled_case(
        cast.board, patient__family_name="Later", patient__given_name="Lee"
    )
    week.due_item = AgendaItemFactory(meeting=meeting, case=week.due_case, position=1)
    given = scheduled_case(cast.board, patient__family_name="Given", patient__given_name="Gil")
    given_item = AgendaItemFactory(meeting=meeting, case=given, position=2)
    give_opinion(given_item, cast.surgeon, ["surgery"])
    # The coordinator's gaps and cases to schedule.
    week.gap_case = CaseFactory(
        board=cast.board,
        status="referred",
        patient__family_name="Gap",
        patient__given_name="Greta",
    )
    week.ready_case = ready_case(
        cast.board, patient__family_name="Waiting", patient__given_name="Walt"
    )
    # The chair's started meeting with a plan to sign.
    week.started, (week.to_sign_item,) = started_agenda(cast.board)
    week.to_sign_case = week.to_sign_item.case
    week.to_sign_case.patient.family_name = "Unsigned"
    week.to_sign_case.patient.save()
    _record, week.to_sign = ready_to_sign(cast, week.to_sign_item)
    # A plan signed at last week's meeting, with the surgeon's activities.
    last = MeetingFactory(
        board=cast.board,
        starts_at=now - dt.timedelta(days=7),
        ends_at=now - dt.timedelta(days=7) + dt.timedelta(hours=1),
        status=Meeting.Status.CLOSED,
    )
    signed_case = scheduled_case(
        cast.board, status="plan_signed", patient__family_name="Signed", patient__given_name="Sam"
    )
    week.signed = plan_row(AgendaItemFactory(meeting=last, case=signed_case), chair=cast.chair)
    today = timezone.localdate()
    week.named_activity = PlanActivity.objects.create(
        plan=week.signed,
        kind=PlanActivity.Kind.SURGERY,
        description="Posterior fixation T9-T11",
        responsible_user=cast.surgeon,
        due_date=today - dt.timedelta(days=2),
        position=1,
    )
    week.discipline_activity = PlanActivity.objects.create(
        plan=week.signed,
        kind=PlanActivity.Kind.IMAGING,
        description="Post-operative CT",
        responsible_discipline="spine_surgery",
        due_date=today + dt.timedelta(days=10),
        position=2,
    )
    week.other_activity = PlanActivity.objects.create(
        plan=week.signed,
        kind=PlanActivity.Kind.RADIATION,
        description="SBRT to T10",
        responsible_discipline="radiation_oncology",
        due_date=today + dt.timedelta(days=20),
        position=3,
    )
    return week
