"""Missing follow-ups on the coordinator's worklist (issue 16, outcomes)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from recommendations.outcomes import services
from recommendations.outcomes.selectors import missing_follow_ups
from scheduling.selectors import WORKLIST_LIMIT

from .conftest import signed_plan

pytestmark = pytest.mark.django_db


def _section(html: str) -> str:
    found = re.search(r'<section[^>]*id="missing-follow-ups".*?</section>', html, re.S)
    return found.group(0) if found else ""


def test_coordinator_sees_missing_follow_ups_of_their_boards(cast, outc, scheduled, client_for):
    services.follow_ups_schedule(
        plan=outc.other_plan, treatment_date=outc.treated_on, by=cast.outsider
    )
    html = _section(client_for(cast.coordinator).get("/").content.decode())
    link = reverse("case-follow-ups", args=[outc.case.uuid]) + f"#follow-up-{scheduled[0].uuid}"
    assert link in html
    assert '<span class="tag">1</span>' in html  # only the 42-day one, only on their board
    assert cast.patient.family_name.upper() in html
    # Recorded, it leaves the list.
    services.follow_up_record(
        follow_up=scheduled[0],
        by=cast.coordinator,
        expected_version=1,
        status="missed",
        missed_reason="Admitted elsewhere.",
    )
    html = _section(client_for(cast.coordinator).get("/").content.decode())
    assert link not in html and "No follow-up is overdue" in html
    # A specialist has no coordinator section.
    assert _section(client_for(cast.surgeon).get("/").content.decode()) == ""


def test_missing_follow_ups_are_bounded(cast, outc, django_assert_num_queries):
    for _ in range(WORKLIST_LIMIT + 2):
        plan = signed_plan(cast.board, cast.chair)
        services.follow_ups_schedule(plan=plan, treatment_date=outc.treated_on, by=cast.chair)
    with django_assert_num_queries(3):  # the coordinated boards' subquery is inlined
        shortlist = missing_follow_ups(user=cast.coordinator)
        rows = [(f.case.patient.family_name, f.case.board.name) for f in shortlist.rows]
    assert len(rows) == WORKLIST_LIMIT and shortlist.count == WORKLIST_LIMIT + 2
    assert missing_follow_ups(user=cast.outsider).count == 0
