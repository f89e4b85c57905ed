"""Fixtures of the scheduling tests (the cast of users is in the root conftest)."""

import pytest

from scheduling.models import BoardMembership
from tests.factories import MembershipFactory, UserFactory
from tumorboard import roles


@pytest.fixture
def other_coordinator(cast):
    """The coordinator of the other board (and of no board of the cast's)."""
    user = UserFactory(username="other_coord", roles=[roles.COORDINATOR])
    MembershipFactory(board=cast.other_board, user=user, role=BoardMembership.Role.COORDINATOR)
    return user
