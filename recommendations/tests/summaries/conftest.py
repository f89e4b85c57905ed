"""Fixtures shared by the summary tests (the cast, `api` and the database come from the root)."""

from __future__ import annotations

import pytest


@pytest.fixture
def open_board(cast):
    """Opinions not blind: every member reads every summary."""
    cast.board.opinions_blind = False
    cast.board.save()
    return cast
