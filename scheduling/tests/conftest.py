"""Fixtures of the scheduling tests (the cast, `meeting`, `api` and `client_for` are in the root
conftest)."""

import time

import pytest

import scheduling.services.agenda
from scheduling.models import BoardMembership
from tests.factories import MembershipFactory, UserFactory
from tumorboard import roles


@pytest.fixture
def other_coordinator(cast):
    """The coordinator of the other board (and of no board of the cast's)."""
    user = UserFactory(username="other_coord", roles=[roles.COORDINATOR])
    MembershipFactory(board=cast.other_board, user=user, role=BoardMembership.Role.COORDINATOR)
    return user


@pytest.fixture
def coordinator(client, cast):
    """The page client, signed in as the cast's coordinator."""
    client.force_login(cast.coordinator)
    return client


@pytest.fixture
def slow_renumbering(monkeypatch):
    """Slip a pause into the agenda renumbering so two transactions really overlap."""
    original = scheduling.services.agenda._write_positions

    def slow(*args, **kwargs):
        time.sleep(0.3)
        return original(*args, **kwargs)

    monkeypatch.setattr(scheduling.services.agenda, "_write_positions", slow)


@pytest.fixture
def person(cast, other_coordinator):
    """person(name) -> the cast's user of that name, or the other board's coordinator."""

    def get(name: str):
        return other_coordinator if name == "other_coordinator" else getattr(cast, name)

    return get
