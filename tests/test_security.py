"""Security hardening: CSP and frame protection, login throttling, CSRF on every form."""

import re
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


def test_pages_send_a_strict_content_security_policy_and_deny_framing(client):
    response = client.get(reverse("login"))
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_repeated_failed_logins_lock_the_account_even_for_the_right_password(settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="target")
    client = Client()
    for _ in range(3):
        response = client.post(reverse("login"), {"username": "target", "password": "wrong"})
    assert response.status_code == 429
    assert b"Sign-in paused" in response.content
    right = client.post(reverse("login"), {"username": "target", "password": "pw-test-1234"})
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_correct_login_before_the_limit_works(settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="someone")
    client = Client()
    client.post(reverse("login"), {"username": "someone", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "someone", "password": "pw-test-1234"})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_login_without_csrf_token_is_refused():
    UserFactory(username="csrf")
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "csrf", "password": "pw-test-1234"})
    assert response.status_code == 403


FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.S | re.I)


def test_every_post_form_in_the_templates_carries_a_csrf_token():
    forms = []
    for path in (ROOT / "templates").rglob("*.html"):
        for match in FORM.finditer(path.read_text()):
            forms.append((path.relative_to(ROOT), "{% csrf_token %}" in match.group(1)))
    assert forms, "no POST forms found: the pattern is wrong"
    missing = [str(path) for path, has_token in forms if not has_token]
    assert missing == []


def test_api_docs_load_their_assets_from_this_server(client, cast):
    client.force_login(cast.coordinator)
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in page
    assert "cdn.jsdelivr.net" not in page
    # Strict CSP forbids inline scripts: the split view serves its script as a separate file.
    assert re.search(r"<script>\s*\S", page) is None


LONG_USERNAME = "u" * 300  # over AccessAttempt.username's 255 characters


@pytest.mark.parametrize("url_name", ["login", "admin:login"])
def test_an_overlong_username_on_a_login_page_is_a_form_error(url_name):
    client = Client(raise_request_exception=False)
    response = client.post(reverse(url_name), {"username": LONG_USERNAME, "password": "wrong"})
    assert response.status_code == 200
    assert "at most 150 characters" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_overlong_username_for_an_api_token_is_a_400():
    client = APIClient(raise_request_exception=False)
    response = client.post(
        reverse("api:token"), {"username": LONG_USERNAME, "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["username"] == ["Ensure this field has no more than 150 characters."]


def test_the_throttle_records_an_overlong_username_cut_to_its_column(rf):
    """The backstop for any other caller of authenticate(): no DataError, one attempt recorded."""
    request = rf.post("/login/")
    assert authenticate(request, username=LONG_USERNAME, password="wrong") is None
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == [LONG_USERNAME[:255]]
