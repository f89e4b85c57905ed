"""Staff sessions end when idle (SESSION_IDLE_MINUTES) and when too old (SESSION_MAX_HOURS), at no
query's cost; patients keep their session (tumorboard.session_policy)."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tumorboard.session_policy import BEGAN_KEY, SEEN_KEY

pytestmark = pytest.mark.django_db
POLICY = "tumorboard.session_policy.SessionPolicyMiddleware"


def _stamp(client, *, began_ago: int, seen_ago: int) -> None:
    now = int(time.time())
    session = client.session
    session[BEGAN_KEY] = now - began_ago
    session[SEEN_KEY] = now - seen_ago
    session.save()


def test_a_staff_session_gets_its_times_at_the_first_request(client_for, cast):
    client = client_for(cast.coordinator)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    assert abs(session[BEGAN_KEY] - time.time()) < 5
    assert session[SEEN_KEY] == session[BEGAN_KEY]


def test_an_idle_staff_session_is_signed_out_with_a_message(client_for, cast):
    client = client_for(cast.coordinator)
    _stamp(client, began_ago=3600, seen_ago=31 * 60)
    response = client.get(reverse("case-list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=" + reverse("case-list")
    assert SESSION_KEY not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "signed out after 30 minutes without activity" in page


def test_an_active_staff_session_stays_and_is_marked_seen(client_for, cast):
    client = client_for(cast.coordinator)
    _stamp(client, began_ago=3600, seen_ago=29 * 60)
    assert client.get(reverse("case-list")).status_code == 200
    assert client.session[SESSION_KEY] == str(cast.coordinator.pk)
    assert abs(client.session[SEEN_KEY] - time.time()) < 5


def test_last_seen_is_written_at_most_once_a_minute(client_for, cast):
    client = client_for(cast.coordinator)
    _stamp(client, began_ago=600, seen_ago=20)
    seen = client.session[SEEN_KEY]
    assert client.get(reverse("case-list")).status_code == 200
    assert client.session[SEEN_KEY] == seen


def test_a_staff_session_ends_after_its_lifetime_however_active(client_for, cast):
    client = client_for(cast.chair)
    _stamp(client, began_ago=12 * 3600 + 60, seen_ago=0)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert SESSION_KEY not in client.session
    assert "a session lasts at most 12 hours" in client.get(reverse("login")).content.decode()


def test_the_limits_are_settings(client_for, cast, settings):
    settings.SESSION_IDLE_MINUTES = 5
    settings.SESSION_MAX_HOURS = 1
    idle = client_for(cast.coordinator)
    _stamp(idle, began_ago=60, seen_ago=6 * 60)
    assert idle.get(reverse("case-list")).status_code == 302
    old = client_for(cast.surgeon)
    _stamp(old, began_ago=3601, seen_ago=0)
    assert old.get(reverse("case-list")).status_code == 302
    fresh = client_for(cast.chair)
    _stamp(fresh, began_ago=3000, seen_ago=4 * 60)
    assert fresh.get(reverse("case-list")).status_code == 200


def test_a_patient_keeps_a_long_idle_session(client_for, cast):
    client = client_for(cast.patient_user)
    _stamp(client, began_ago=3 * 24 * 3600, seen_ago=2 * 24 * 3600)
    assert client.get(reverse("my-summaries")).status_code == 200
    assert client.session[SESSION_KEY] == str(cast.patient_user.pk)


def test_the_api_refuses_an_expired_session(client_for, cast):
    client = client_for(cast.coordinator)
    assert client.get("/api/v1/boards/").status_code == 200
    _stamp(client, began_ago=3600, seen_ago=31 * 60)
    response = client.get("/api/v1/boards/")
    assert response.status_code in (401, 403)
    assert SESSION_KEY not in client.session


def test_the_policy_costs_no_query(client_for, cast, settings):
    """The same request with and without the middleware runs the same queries (the last-seen
    time is fresh, so the session is not written)."""
    client = client_for(cast.coordinator)
    client.get(reverse("case-list"))  # times stamped
    _stamp(client, began_ago=120, seen_ago=5)
    with CaptureQueriesContext(connection) as with_policy:
        assert client.get("/api/v1/boards/").status_code == 200
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != POLICY]
    plain = client_for(cast.coordinator)  # a new client loads the middleware anew
    with CaptureQueriesContext(connection) as without_policy:
        assert plain.get("/api/v1/boards/").status_code == 200
    assert len(with_policy) == len(without_policy) > 0
