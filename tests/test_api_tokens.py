"""API tokens expire after API_TOKEN_HOURS (401 "Token expired"), a new one is issued in their
place, and a password change or reset deletes them (tumorboard.roles, tumorboard.auth)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tumorboard.roles import RoleAwareTokenAuthentication

pytestmark = pytest.mark.django_db
PASSWORD = "pw-test-1234"


def _token(username: str) -> str:
    response = APIClient().post(
        reverse("api:token"), {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()["token"]


def _age(key: str, hours: float) -> None:
    Token.objects.filter(key=key).update(created=timezone.now() - dt.timedelta(hours=hours))


def _boards(key: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/boards/")


def test_the_token_answer_says_when_it_expires(cast):
    response = APIClient().post(
        reverse("api:token"), {"username": "coord", "password": PASSWORD}, format="json"
    )
    expires = parse_datetime(response.json()["expires_at"])
    expected = timezone.now() + dt.timedelta(hours=12)
    assert abs((expires - expected).total_seconds()) < 60


def test_a_token_works_until_it_expires(cast):
    key = _token("coord")
    _age(key, 11.9)
    assert _boards(key).status_code == 200


def test_an_expired_token_answers_401_token_expired(cast):
    key = _token("coord")
    _age(key, 12.1)
    response = _boards(key)
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Token expired")
    assert response["WWW-Authenticate"] == "Token"


def test_the_lifetime_is_a_setting(cast, settings):
    settings.API_TOKEN_HOURS = 1
    key = _token("coord")
    _age(key, 1.1)
    assert _boards(key).status_code == 401


def test_an_expired_token_is_replaced_by_a_new_one(cast):
    old = _token("coord")
    _age(old, 13)
    new = _token("coord")
    assert new != old
    assert not Token.objects.filter(key=old).exists()
    assert _boards(new).status_code == 200


def test_a_live_token_is_given_again(cast):
    assert _token("coord") == _token("coord")


def test_token_authentication_costs_one_query(cast, django_assert_num_queries):
    """The expiry is read from the token's row: still one query for token and user together."""
    key = _token("coord")
    with django_assert_num_queries(1):
        user, token = RoleAwareTokenAuthentication().authenticate_credentials(key)
    assert user == cast.coordinator and token.key == key


def test_a_password_change_deletes_the_token(client_for, cast):
    key = _token("coord")
    client = client_for(cast.coordinator)
    response = client.post(
        reverse("password-change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase-77",
            "new_password2": "a-new-long-passphrase-77",
        },
    )
    assert response.status_code == 302
    assert not Token.objects.filter(user=cast.coordinator).exists()
    assert _boards(key).status_code in (401, 403)


def test_a_refused_password_change_keeps_the_token(client_for, cast):
    key = _token("coord")
    client_for(cast.coordinator).post(
        reverse("password-change"),
        {"old_password": "wrong", "new_password1": "x", "new_password2": "x"},
    )
    assert _boards(key).status_code == 200


def test_a_password_set_anywhere_ends_the_token(cast):
    """The admin's "change password" and `manage.py changepassword` call set_password and save:
    the token ends there too (tumorboard.auth.TokensEndWithThePassword)."""
    key = _token("coord")
    other = _token("chair")
    cast.coordinator.set_password("an-admin-chosen-passphrase-5")
    cast.coordinator.save()
    assert not Token.objects.filter(key=key).exists()
    assert Token.objects.filter(key=other).exists()  # only the changed user's
    cast.chair.first_name = "Renamed"
    cast.chair.save()  # a save without a new password keeps the token
    assert Token.objects.filter(key=other).exists()
