"""Fixtures of the meeting-mode tests (decision record, plan, sign-off, amendments, API, pages).
The helpers they are built from are in tests/meeting_mode.py."""

from __future__ import annotations

import pytest

from recommendations.decisions import services
from tests.meeting_mode import quorum, ready_to_sign, started_agenda


@pytest.fixture
def item(cast):
    """The one scheduled case on the agenda of a meeting of the board that has started."""
    _meeting, (item,) = started_agenda(cast.board)
    return item


@pytest.fixture
def signed_plan(cast, item):
    """A plan the chair signed with quorum: surgery (the surgeon's) and SBRT (radiation
    oncology's)."""
    quorum(cast, item.meeting)
    _record, plan = ready_to_sign(cast, item)
    return services.plan_sign(plan=plan, by=cast.chair)
