"""Fixtures of the opinion tests (the cast, `meeting`, `api` and `client_for` are in the root
conftest)."""

import pytest

from tests.factories import AgendaItemFactory, CaseFactory


@pytest.fixture
def case(cast, meeting):
    """A case of the cast's board on the meeting's agenda."""
    case = CaseFactory(board=cast.board)
    AgendaItemFactory(meeting=meeting, case=case)
    return case
