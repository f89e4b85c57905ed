"""The readiness board page (views.readiness)."""

import re

import pytest
from django.urls import reverse

from cases.models import Case
from scheduling import services
from scheduling.selectors import READINESS_PER_COLUMN
from scheduling.tests.helpers import count_queries, page, ready_case
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_readiness_board_groups_by_state(cast, coordinator, meeting):
    referred = CaseFactory(board=cast.board)
    ready = ready_case(cast.board)
    scheduled = ready_case(cast.board)
    services.agenda_item_add(meeting=meeting, case=scheduled, by=cast.coordinator)
    discussed = ready_case(cast.board, status=Case.Status.DISCUSSED)
    signed = ready_case(cast.board, status=Case.Status.PLAN_SIGNED)
    html = page(coordinator, reverse("readiness-board"))

    def column(state):
        match = re.search(rf'kanban__column--{state}".*?</section>', html, re.S)
        return match.group(0)

    for state, case in (
        ("referred", referred),
        ("ready", ready),
        ("scheduled", scheduled),
        ("discussed", discussed),
        ("follow_up", signed),
    ):
        col = column(state)
        assert reverse("case-detail", args=[case.uuid]) in col
        assert len(re.findall(r'<li class="kanban__card', col)) == 1
    assert "Performance status (KPS or ECOG)" in column("referred")
    assert reverse("meeting-detail", args=[meeting.uuid]) in column("scheduled")


def test_readiness_board_query_count_is_constant(cast, coordinator, meeting):
    for _ in range(3):
        ready_case(cast.board)
    three = count_queries(coordinator, reverse("readiness-board"))
    for i in range(9):
        ready_case(cast.board, status=Case.Status.REFERRED if i % 2 else Case.Status.READY)
    assert Case.objects.count() == 12
    assert count_queries(coordinator, reverse("readiness-board")) == three


def test_a_full_column_links_to_its_pages(cast, coordinator):
    cases = [CaseFactory(board=cast.board) for _ in range(READINESS_PER_COLUMN + 1)]
    html = page(coordinator, reverse("readiness-board"))
    assert f"All {READINESS_PER_COLUMN + 1} cases in this column" in html
    assert reverse("case-detail", args=[cases[-1].uuid]) not in html  # the newest: not shown
    first = page(coordinator, reverse("readiness-column", args=["referred"]))
    assert reverse("case-detail", args=[cases[-1].uuid]) not in first
    after = re.search(r'rel="next" href="\?after=([^"]+)"', first).group(1)
    second = page(coordinator, reverse("readiness-column", args=["referred"]) + f"?after={after}")
    assert reverse("case-detail", args=[cases[-1].uuid]) in second
    assert "Next page" not in second
    assert coordinator.get(reverse("readiness-column", args=["nowhere"])).status_code == 404
