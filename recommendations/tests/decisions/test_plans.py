"""The draft plan (services.plans): activities added, changed and removed in one version, their
details validated, dissents by name; an activity's status follow-up is allowed after sign-off
(how activities end: recommendations/tests/follow_through)."""

from __future__ import annotations

import pytest

from recommendations.decisions import services
from recommendations.decisions.services import ActivityChange
from recommendations.models import (
    ConsensusPlan,
    PlanActivity,
)
from tests.meeting_mode import quorum, ready_to_sign, started_agenda
from tumorboard.errors import ApplicationError

pytestmark = pytest.mark.django_db


def test_plan_save_adds_changes_and_removes_activities_in_one_version(cast):
    meeting, (item,) = started_agenda(cast.board)
    record, plan = ready_to_sign(cast, item)
    assert plan.version == 2
    surgery, radiation = plan.activities.order_by("position")
    assert (surgery.position, radiation.position) == (1, 2)
    assert radiation.details == {"regimen": "24 Gy/2", "timing": "after_surgery"}

    plan = services.plan_save(
        plan=plan,
        expected_version=2,
        by=cast.chair,
        fields={"summary": "Changed"},
        activities=[
            ActivityChange("change", activity=surgery, fields={"due_date": None}),
            ActivityChange("remove", activity=radiation),
            ActivityChange(
                "add",
                fields={
                    "kind": "imaging",
                    "description": "MRI whole spine",
                    "responsible_discipline": "radiology",
                    "details": {"interval": "6 weeks after surgery"},
                },
            ),
        ],
    )
    assert plan.version == 3
    assert [(a.description, a.due_date) for a in plan.activities.order_by("position")] == [
        ("Separation surgery T10", None),
        ("MRI whole spine", None),
    ]
    assert PlanActivity.history.filter(id=radiation.pk, history_type="-").exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"kind": "radiation", "details": {"surgery_type": "x"}}, "details", "is not a detail"),
        ({"kind": "radiation", "details": {"timing": "whenever"}}, "details", "choose one of"),
        ({"kind": "pain", "description": "", "details": {}}, "description", "Describe"),
        ({"kind": "pain", "responsible_discipline": ""}, "responsible_discipline", "Name the"),
        ({"kind": "dance"}, "kind", "Choose one of"),
    ],
)
def test_bad_activities_are_refused(cast, fields, field, message):
    meeting, (item,) = started_agenda(cast.board)
    record = services.decision_record_open(agenda_item=item, by=cast.coordinator)
    good = {"kind": "pain", "description": "Analgesia", "responsible_discipline": "pain_medicine"}
    with pytest.raises(ApplicationError) as caught:
        services.activity_add(plan=record.plan, by=cast.chair, **(good | fields))
    assert any(message in m for m in caught.value.fields[field])
    assert not PlanActivity.objects.exists()


def test_the_responsible_person_must_be_a_board_member(cast):
    meeting, (item,) = started_agenda(cast.board)
    record = services.decision_record_open(agenda_item=item, by=cast.coordinator)
    fields = {"kind": "pain", "description": "Nerve block", "details": {"procedure": "nerve_block"}}
    with pytest.raises(ApplicationError) as caught:
        services.activity_add(
            plan=record.plan, by=cast.chair, responsible_user=cast.outsider, **fields
        )
    assert "responsible_user" in caught.value.fields
    activity = services.activity_add(
        plan=record.plan,
        by=cast.chair,
        responsible_user=cast.specialists["pain_medicine"],
        **fields,
    )
    assert activity.responsible_user == cast.specialists["pain_medicine"]


def test_adding_an_activity_moves_the_plan_version_so_an_older_screen_is_stale(cast):
    meeting, (item,) = started_agenda(cast.board)
    record = services.decision_record_open(agenda_item=item, by=cast.coordinator)
    services.activity_add(
        plan=record.plan,
        by=cast.surgeon,
        kind="surgery",
        description="Separation surgery",
        responsible_discipline="spine_surgery",
    )
    with pytest.raises(services.StaleVersionError):
        services.plan_update(plan=record.plan, expected_version=1, by=cast.chair, outcome="agreed")
    assert ConsensusPlan.objects.get(pk=record.plan.pk).outcome == ""


def test_dissent_is_recorded_by_name(cast):
    meeting, (item,) = started_agenda(cast.board)
    record = services.decision_record_open(agenda_item=item, by=cast.chair)
    with pytest.raises(ApplicationError):
        services.dissent_add(plan=record.plan, member=cast.outsider, view="No", by=cast.chair)
    dissent = services.dissent_add(
        plan=record.plan, member=cast.surgeon, view="Prefers radiotherapy alone.", by=cast.chair
    )
    assert (dissent.member, dissent.created_by) == (cast.surgeon, cast.chair)
    assert ConsensusPlan.objects.get(pk=record.plan.pk).version == 2


def test_activity_status_is_follow_up_and_allowed_on_a_signed_plan(cast):
    meeting, (item,) = started_agenda(cast.board)
    quorum(cast, meeting)
    record, plan = ready_to_sign(cast, item)
    plan = services.plan_sign(plan=plan, by=cast.chair)
    activity = plan.activities.get(kind="surgery")
    services.activity_set_status(activity=activity, status="in_progress", by=cast.surgeon)
    activity.refresh_from_db()
    plan.refresh_from_db()
    assert activity.status == "in_progress"
    assert plan.version == 3  # the plan itself did not change
