import pytest

from tests.results_world import build_results_world


@pytest.fixture
def results_world(cast):
    return build_results_world(cast)
