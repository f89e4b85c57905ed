"""Amendments of a signed plan (services.amendments): a chair or coordinator, a reason, what
changed; the signed version stays readable in the plan's history."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from recommendations.decisions import services
from recommendations.decisions.selectors import plan_history
from recommendations.decisions.services import ActivityChange
from recommendations.models import (
    PlanActivity,
    PlanAmendment,
)
from scheduling.models import Notification
from tests.meeting_mode import started_agenda
from tumorboard.errors import ApplicationError, ConflictError

pytestmark = pytest.mark.django_db


def test_an_amendment_keeps_the_signed_version_readable(cast, signed_plan):
    plan = signed_plan
    signed_version = plan.version
    surgery, radiation = plan.activities.order_by("position")
    amendment = services.plan_amend(
        plan=plan,
        reason="Surgery declined by the patient after the meeting.",
        by=cast.coordinator,
        changes={"summary": "SBRT alone to T10."},
        activities=[
            ActivityChange("remove", activity=surgery),
            ActivityChange(
                "change", activity=radiation, fields={"details": {"regimen": "27 Gy/3"}}
            ),
            ActivityChange(
                "add",
                fields={
                    "kind": "pain",
                    "description": "Analgesia review",
                    "responsible_user": cast.specialists["pain_medicine"],
                    "details": {"medication": "Oxycodone", "procedure": "none"},
                },
            ),
        ],
    )
    plan.refresh_from_db()
    assert (plan.status, plan.version, plan.summary) == (
        "signed",
        signed_version + 1,
        "SBRT alone to T10.",
    )
    assert amendment.plan_version_before == signed_version
    assert amendment.author == cast.coordinator
    assert amendment.changes["plan"] == {
        "summary": {"old": "Separation surgery at T10, then SBRT.", "new": "SBRT alone to T10."}
    }
    assert [c["action"] for c in amendment.changes["activities"]] == ["removed", "changed", "added"]

    history = plan_history(plan)
    current, before = history.versions[0], history.versions[1]
    assert (current.version, current.current, current.amendment) == (plan.version, True, amendment)
    assert [a["description"] for a in current.activities] == ["SBRT to T10", "Analgesia review"]
    assert before.version == signed_version and before.signed
    assert before.summary == "Separation surgery at T10, then SBRT."
    assert [a["description"] for a in before.activities] == [
        "Separation surgery T10",
        "SBRT to T10",
    ]
    assert before.activities[1]["details"]["regimen"] == "24 Gy/2"
    assert history.amendments == [amendment]
    # Every change is attributed.
    assert all(entry["by"] is not None for entry in history.entries)
    assert {"decision_record", "plan", "activity"} <= {e["record"] for e in history.entries}
    # The new owner is told.
    assert Notification.objects.filter(
        recipient=cast.specialists["pain_medicine"],
        dedupe_key__startswith=f"plan-amendment:{amendment.pk}:",
    ).exists()


def test_amending_needs_a_signed_plan_a_reason_and_a_chair_or_coordinator(cast, signed_plan):
    meeting, (item,) = started_agenda(cast.board)
    record = services.decision_record_open(agenda_item=item, by=cast.chair)
    with pytest.raises(ConflictError):
        services.plan_amend(plan=record.plan, reason="x", by=cast.chair, changes={"summary": "y"})
    plan = signed_plan
    with pytest.raises(PermissionDenied):
        services.plan_amend(plan=plan, reason="x", by=cast.surgeon, changes={"summary": "y"})
    with pytest.raises(ApplicationError) as caught:
        services.plan_amend(plan=plan, reason=" ", by=cast.chair, changes={"summary": "y"})
    assert "reason" in caught.value.fields
    with pytest.raises(ApplicationError) as caught:
        services.plan_amend(plan=plan, reason="x", by=cast.chair, changes={"outcome": "rediscuss"})
    assert "outcome" in caught.value.fields
    with pytest.raises(ApplicationError) as caught:
        services.plan_amend(plan=plan, reason="x", by=cast.chair, changes={"summary": plan.summary})
    assert "changes" in caught.value.fields
    assert not PlanAmendment.objects.exists()
    amendment = services.plan_amend(plan=plan, reason="x", by=cast.chair, changes={"summary": "y"})
    assert amendment.plan_version_before == plan.version


def test_an_activity_that_started_cannot_be_removed_by_amendment(cast, signed_plan):
    plan = signed_plan
    surgery = plan.activities.get(kind="surgery")
    services.activity_set_status(activity=surgery, status="in_progress", by=cast.surgeon)
    with pytest.raises(ApplicationError) as caught:
        services.plan_amend(
            plan=plan,
            reason="x",
            by=cast.chair,
            activities=[ActivityChange("remove", activity=surgery)],
        )
    assert "record its status instead" in caught.value.fields["activity"][0]
    assert PlanActivity.objects.filter(pk=surgery.pk).exists()
