from unittest import mock

import pytest
from django.db.utils import OperationalError


def test_healthz_answers_without_a_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_the_database(client):
    assert client.get("/readyz").json() == {"status": "ok"}
    with mock.patch("tumorboard.health.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "database unavailable"}
