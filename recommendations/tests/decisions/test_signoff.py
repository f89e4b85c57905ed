"""Sign-off (services.signoff): the chair only, once the meeting has started, with quorum or a
reason; the plan locks, the case follows the outcome, the owners are told."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cases.models import Case
from recommendations.decisions import services
from recommendations.models import (
    ConsensusPlan,
)
from scheduling.models import AgendaItem, Notification
from tests.factories import MeetingFactory
from tests.meeting_mode import quorum, ready_to_sign, started_agenda
from tumorboard.errors import ApplicationError, ConflictError

pytestmark = pytest.mark.django_db


def test_signing_without_quorum_is_refused_unless_a_reason_is_recorded(cast):
    meeting, (item,) = started_agenda(cast.board)
    record, plan = ready_to_sign(cast, item)
    with pytest.raises(ApplicationError) as caught:
        services.plan_sign(plan=plan, by=cast.chair)
    assert caught.value.fields["quorum_override_reason"] == [
        "Quorum is not met (missing: Spine surgery, Radiation oncology, Medical oncology). "
        "Record why the board proceeds without it."
    ]
    plan.refresh_from_db()
    item.case.refresh_from_db()
    assert (plan.status, item.case.status) == ("draft", "scheduled")

    plan = services.plan_sign(
        plan=plan, by=cast.chair, quorum_override_reason="Cord compression: cannot wait a week."
    )
    plan.refresh_from_db()
    assert plan.status == "signed"
    assert plan.quorum_met is False
    assert plan.quorum_override_reason == "Cord compression: cannot wait a week."


def test_signing_with_quorum_locks_moves_the_case_and_notifies_the_owners(
    cast, django_capture_on_commit_callbacks
):
    meeting, (item,) = started_agenda(cast.board)
    quorum(cast, meeting)
    record, plan = ready_to_sign(cast, item)
    with django_capture_on_commit_callbacks() as callbacks:
        plan = services.plan_sign(plan=plan, by=cast.chair, expected_version=plan.version)
    plan.refresh_from_db()
    assert (plan.status, plan.signed_by, plan.quorum_met) == ("signed", cast.chair, True)
    assert plan.quorum_override_reason == ""
    case = Case.objects.get(pk=item.case_id)
    assert case.status == "plan_signed"
    assert list(case.history.order_by("history_id").values_list("status", flat=True))[-2:] == [
        "discussed",
        "plan_signed",
    ]
    surgery, radiation = plan.activities.order_by("position")
    notes = Notification.objects.filter(kind="plan_activity").order_by("dedupe_key")
    assert sorted((n.recipient.username, n.dedupe_key) for n in notes) == sorted(
        [
            ("spec_spine_surgery", f"plan-activity:{surgery.uuid}:{cast.surgeon.pk}"),
            (
                "spec_radiation_oncology",
                f"plan-activity:{radiation.uuid}:{cast.specialists['radiation_oncology'].pk}",
            ),
        ]
    )
    assert all(n.link == f"/plans/{plan.uuid}/" for n in notes)
    assert all(case.patient.family_name not in n.subject + n.body for n in notes)
    assert len(callbacks) == 2  # one e-mail per notification, after the commit


@pytest.mark.parametrize("who", ["coordinator", "surgeon", "outsider"])
def test_only_the_chair_signs(cast, who):
    meeting, (item,) = started_agenda(cast.board)
    quorum(cast, meeting)
    record, plan = ready_to_sign(cast, item)
    with pytest.raises(PermissionDenied):
        services.plan_sign(plan=plan, by=getattr(cast, who))
    plan.refresh_from_db()
    assert plan.status == "draft"
    assert not Notification.objects.exists()


def test_signing_needs_an_outcome_activities_and_involvement(cast):
    meeting, (item,) = started_agenda(cast.board)
    quorum(cast, meeting)
    record = services.decision_record_open(agenda_item=item, by=cast.chair)
    with pytest.raises(ApplicationError) as caught:
        services.plan_sign(plan=record.plan, by=cast.chair)
    assert set(caught.value.fields) == {"outcome"}
    services.plan_update(plan=record.plan, expected_version=1, by=cast.chair, outcome="agreed")
    with pytest.raises(ApplicationError) as caught:
        services.plan_sign(plan=record.plan, by=cast.chair)
    assert set(caught.value.fields) == {"activities", "patient_involvement"}


def test_signing_waits_for_the_meeting_to_start(cast):
    meeting, (item,) = started_agenda(cast.board, meeting=MeetingFactory(board=cast.board))
    record, plan = ready_to_sign(cast, item)
    with pytest.raises(ApplicationError) as caught:
        services.plan_sign(plan=plan, by=cast.chair, quorum_override_reason="x")
    assert "once it has started" in caught.value.fields["plan"][0]


def test_a_signed_plan_is_locked(cast):
    meeting, (item,) = started_agenda(cast.board)
    quorum(cast, meeting)
    record, plan = ready_to_sign(cast, item)
    plan = services.plan_sign(plan=plan, by=cast.chair)
    record.refresh_from_db()
    activity = plan.activities.first()
    attempts = [
        lambda: services.decision_record_update(
            record=record, expected_version=record.version, by=cast.chair, uncertainties="x"
        ),
        lambda: services.plan_update(
            plan=plan, expected_version=plan.version, by=cast.chair, summary="x"
        ),
        lambda: services.activity_add(
            plan=plan, by=cast.chair, kind="pain", description="x", responsible_discipline="x"
        ),
        lambda: services.activity_update(
            activity=activity, expected_version=plan.version, by=cast.chair, description="x"
        ),
        lambda: services.activity_remove(
            activity=activity, expected_version=plan.version, by=cast.chair
        ),
        lambda: services.dissent_add(plan=plan, member=cast.surgeon, view="x", by=cast.chair),
        lambda: services.plan_sign(plan=plan, by=cast.chair),
    ]
    for attempt in attempts:
        with pytest.raises(ConflictError) as caught:
            attempt()
        assert caught.value.code == "locked"
    assert plan.activities.count() == 2
    assert ConsensusPlan.objects.get(pk=plan.pk).summary == "Separation surgery at T10, then SBRT."


def test_deferred_pending_information_defers_the_case_and_tells_the_coordinators(cast):
    meeting, (item,) = started_agenda(cast.board)
    quorum(cast, meeting)
    record, plan = ready_to_sign(cast, item, outcome="deferred_pending_information")
    services.plan_sign(plan=plan, by=cast.chair)
    case = Case.objects.get(pk=item.case_id)
    assert case.status == "deferred"
    assert case.status_reason == "Deferred pending information: Repeat MRI of the whole spine."
    assert Notification.objects.filter(
        recipient=cast.coordinator, kind="case_deferred", dedupe_key__startswith="plan-deferred:"
    ).exists()


def test_deferral_needs_the_information_awaited(cast):
    meeting, (item,) = started_agenda(cast.board)
    quorum(cast, meeting)
    record = services.decision_record_open(agenda_item=item, by=cast.chair)
    services.decision_record_update(
        record=record, expected_version=1, by=cast.chair, information_needed=""
    )
    services.plan_update(
        plan=record.plan,
        expected_version=1,
        by=cast.chair,
        outcome="deferred_pending_information",
    )
    with pytest.raises(ApplicationError) as caught:
        services.plan_sign(plan=record.plan, by=cast.chair)
    assert set(caught.value.fields) == {"information_needed"}


def test_rediscuss_puts_the_case_on_the_next_meeting(cast):
    meeting, (item,) = started_agenda(cast.board)
    quorum(cast, meeting)
    later = MeetingFactory(board=cast.board, starts_at=timezone.now() + dt.timedelta(days=7))
    record, plan = ready_to_sign(cast, item, outcome="rediscuss")
    services.plan_sign(plan=plan, by=cast.chair)
    case = Case.objects.get(pk=item.case_id)
    assert case.status == "scheduled"
    assert AgendaItem.objects.filter(meeting=later, case=case, is_open=True).exists()
    item.refresh_from_db()
    assert item.is_open is False  # kept on this meeting's agenda as a record
    assert "discussed" in case.history.values_list("status", flat=True)
