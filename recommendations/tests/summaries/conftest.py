"""Fixtures shared by the summary tests (the cast, `api` and the database come from the root)."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def open_board(cast):
    """Opinions not blind: every member reads every summary."""
    cast.board.opinions_blind = False
    cast.board.save()
    return cast


@pytest.fixture
def client_for():
    """client_for(user) -> a page client logged in as that user (None: anonymous)."""

    def make(user=None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make
