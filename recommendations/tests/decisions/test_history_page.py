"""The plan page's versions and change history speak the clinic's language (issue 14): a
sentence per change, field labels, people by name, dates and times on the board's clock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from recommendations.decisions import services
from recommendations.decisions.services import ActivityChange
from tests.history_pages import assert_in_the_clinics_words, visible_section

pytestmark = pytest.mark.django_db


def test_the_plan_history_reads_in_the_clinics_words(cast, client_for, signed_plan):
    plan = signed_plan
    record = plan.decision
    surgery, radiation = plan.activities.order_by("position")
    record.options = [*record.options, {"option": "Best supportive care", "source": "team"}]
    record.save()
    services.plan_amend(
        plan=plan,
        reason="Surgery declined by the patient after the meeting.",
        by=cast.coordinator,
        changes={"summary": "SBRT alone to T10."},
        activities=[
            ActivityChange("remove", activity=surgery),
            ActivityChange(
                "change",
                activity=radiation,
                fields={
                    "details": {"regimen": "27 Gy/3"},
                    "due_date": dt.date(2031, 5, 6),
                    "responsible_user": cast.specialists["radiation_oncology"],
                },
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
    page = client_for(cast.chair).get(reverse("plan-page", args=[plan.uuid])).content.decode()
    history = visible_section(page, "history")
    versions = visible_section(page, "versions")
    usernames = [u.username for u in (cast.chair, cast.coordinator, *cast.specialists.values())]
    assert_in_the_clinics_words(history, *usernames)
    assert_in_the_clinics_words(versions, *usernames)
    assert "Activity removed: Separation surgery T10" in history
    assert "Activity added: Analgesia review" in history
    assert "Plan changed" in history
    assert "Summary" in history and "SBRT alone to T10." in history
    assert "Due date" in history and "6 May 2031" in history
    assert "Responsible user" in history
    assert cast.specialists["radiation_oncology"].get_full_name() in history
    assert "Regimen: 27 Gy/3" in history
    assert "Best supportive care" in history
    assert cast.coordinator.get_full_name() in history
    assert (
        "Radiation oncology" in versions
        or cast.specialists["radiation_oncology"].get_full_name() in versions
    )
