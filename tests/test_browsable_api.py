"""The browsable API opens in a browser: every API endpoint answers a signed-in person whose
browser asks for HTML with a page, never a server error.

The records are the permission matrix's (tests/test_permission_matrix.py), so a new endpoint is
covered here as soon as it has a row there.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.permission_matrix import MATRIX, Expect
from tests.test_permission_matrix import (  # noqa: F401 (module-scoped fixtures)
    QUERIES,
    endpoints,
    path_kwargs,
    world,
)

HTML = "text/html"
API_GETS = sorted(name for (name, method) in MATRIX if name.startswith("api:") and method == "GET")
# Answers that are files or feeds, not API resources: they keep their own content type.
NOT_BROWSABLE = frozenset(
    {
        "api:meeting-calendar",
        "api:my-calendar-feed",
        "api:schema",
        # FHIR Bundles (application/fhir+json), documents for another system.
        "api:case-fhir",
        "api:fhir-meeting-export-bundle",
    }
)


def _browser(w, role: str) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = w.sessions[role]
    return client


def _allowed_role(name: str, method: str) -> str:
    """A role this endpoint answers (the coordinator, else the first one the matrix allows)."""
    cells = MATRIX[(name, method)]
    for role in ("coordinator", "chair", "spine_surgery", "patient", "privacy_officer"):
        if cells[role] is Expect.OK:
            return role
    pytest.fail(f"{name} {method}: no signed-in role may use it")


@pytest.mark.parametrize("name", sorted(set(API_GETS) - NOT_BROWSABLE))
def test_every_api_get_opens_in_a_browser(world, endpoints, db, name):  # noqa: F811
    url = reverse(name, kwargs=path_kwargs(endpoints[name], world))
    query = QUERIES.get((name, "GET"), lambda w: {})(world)
    response = _browser(world, _allowed_role(name, "GET")).get(url, query, HTTP_ACCEPT=HTML)
    assert response.status_code == 200, f"{name}: {response.status_code}"
    assert response["Content-Type"].startswith(HTML)
    assert b"Django REST framework" in response.content  # the browsable page, not a JSON dump


def test_a_list_without_a_queryset_on_its_view_opens_in_a_browser(world, db):  # noqa: F811
    browser = _browser(world, "coordinator")
    for name in ("api:meeting-list", "api:board-list", "api:patient-list"):
        assert browser.get(reverse(name), HTTP_ACCEPT=HTML).status_code == 200, name
    cases = browser.get(reverse("api:case-list"), HTTP_ACCEPT=HTML)
    assert cases.status_code == 200
    assert str(world.case.uuid).encode() in cases.content


def test_a_post_only_search_opens_and_answers_in_a_browser(world, db):  # noqa: F811
    browser = _browser(world, "coordinator")
    url = reverse("api:case-search")
    opened = browser.get(url, HTTP_ACCEPT=HTML)
    # GET is not this endpoint's method: the page says so and offers the POST form.
    assert opened.status_code == 405
    assert opened["Content-Type"].startswith(HTML)
    assert b'name="_content"' in opened.content
    answered = browser.post(
        url,
        {"mrn": world.case.patient.mrn},
        content_type="application/json",
        HTTP_ACCEPT=HTML,
    )
    assert answered.status_code == 200
    assert answered["Content-Type"].startswith(HTML)
    assert str(world.case.uuid).encode() in answered.content
