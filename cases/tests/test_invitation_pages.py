"""The patient-access section of the case page, the sign-up page the invitation opens, and the API
equivalents. Allowed/refused pairs; refusals are messages or 400s, never a 500."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from cases.models import PatientInvitation
from tests.factories import CaseFactory, PatientFactory, UserFactory
from tumorboard import roles

pytestmark = pytest.mark.django_db

STRONG = "violet-harbour-9271"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://board.example.org"


@pytest.fixture
def case(cast):
    return CaseFactory(board=cast.board, patient=PatientFactory(email="ana@example.org"))


def _invite(client, case, email, callbacks):
    with callbacks(execute=True):
        return client.post(f"/cases/{case.uuid}/patient-invitation/", {"email": email})


def test_page_the_coordinator_sees_the_actions_a_specialist_does_not(client, cast, case):
    client.force_login(cast.coordinator)
    html = client.get(f"/cases/{case.uuid}/").content.decode()
    assert "Invite patient to their summaries" in html
    assert 'value="ana@example.org"' in html
    assert "Link an existing patient account" in html
    client.force_login(cast.surgeon)
    html = client.get(f"/cases/{case.uuid}/").content.decode()
    assert "Patient's access to their summaries" in html
    assert "Invite patient to their summaries" not in html


def test_page_invite_sign_up_and_read(
    client, cast, case, mailoutbox, django_capture_on_commit_callbacks, caplog
):
    client.force_login(cast.coordinator)
    response = _invite(client, case, "ana@example.org", django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"].endswith("#patient-access")
    page = client.get(response["Location"]).content.decode()
    assert "An invitation to read their summaries was e-mailed to ana@example.org" in page
    assert "Invitation e-mailed to ana@example.org" in page

    link = re.search(r"https://board\.example\.org(/join/\S+/)", mailoutbox[0].body).group(1)
    client.logout()
    form = client.get(link)
    assert form.status_code == 200 and "ana@example.org" in form.content.decode()
    assert "no-store" in form["Cache-Control"]

    mismatch = client.post(link, {"password1": STRONG, "password2": "other"})
    assert mismatch.status_code == 200 and "not the same" in mismatch.content.decode()
    weak = client.post(link, {"password1": "12345678", "password2": "12345678"})
    assert weak.status_code == 200 and "entirely numeric" in weak.content.decode()
    assert link not in caplog.text  # a token that still works is never logged

    done = client.post(link, {"password1": STRONG, "password2": STRONG})
    assert done.status_code == 302 and done["Location"] == "/my/summaries/"
    assert client.get("/my/summaries/").status_code == 200
    case.patient.refresh_from_db()
    assert case.patient.user.username == "ana@example.org"

    client.logout()
    again = client.get(link)
    assert again.status_code == 410 and "already been used" in again.content.decode()
    assert client.post(link, {"password1": STRONG, "password2": STRONG}).status_code == 410


def test_page_an_expired_or_unknown_link_is_a_clear_page(
    client, cast, case, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(cast.coordinator)
    _invite(client, case, "ana@example.org", django_capture_on_commit_callbacks)
    link = re.search(r"https://board\.example\.org(/join/\S+/)", mailoutbox[0].body).group(1)
    PatientInvitation.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    expired = client.get(link)
    assert expired.status_code == 410 and "has expired" in expired.content.decode()
    unknown = client.get("/join/" + "a" * 43 + "/")
    assert unknown.status_code == 404 and "not valid" in unknown.content.decode()


def test_page_a_bad_address_is_a_message(client, cast, case, django_capture_on_commit_callbacks):
    client.force_login(cast.coordinator)
    response = _invite(client, case, "nonsense", django_capture_on_commit_callbacks)
    page = client.get(response["Location"]).content.decode()
    assert "nonsense is not an e-mail address." in page
    assert not PatientInvitation.objects.exists()


def test_page_a_chair_is_refused(client, cast, case, django_capture_on_commit_callbacks):
    client.force_login(cast.chair)
    assert _invite(
        client, case, "a@example.org", django_capture_on_commit_callbacks
    ).status_code == (403)


def test_page_the_coordinator_links_an_existing_account(client, cast, case):
    account = UserFactory(username="ana-r", roles=[roles.PATIENT])
    client.force_login(cast.coordinator)
    response = client.post(f"/cases/{case.uuid}/patient-account/", {"account": "nobody"})
    assert "No unlinked patient account" in client.get(response["Location"]).content.decode()
    response = client.post(f"/cases/{case.uuid}/patient-account/", {"account": "ana-r"})
    page = client.get(response["Location"]).content.decode()
    assert "The patient&#x27;s account ana-r is linked." in page
    assert "with the account <strong>ana-r</strong>" in page
    case.patient.refresh_from_db()
    assert case.patient.user == account


# --- API -----------------------------------------------------------------------------------------


def test_api_invite_and_link(api, cast, case, mailoutbox, django_capture_on_commit_callbacks):
    client = api(cast.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/cases/{case.uuid}/patient-invitations/", {"email": "ana@example.org"}
        )
    assert response.status_code == 201
    assert set(response.json()) == {"uuid", "email", "created_at"}
    assert len(mailoutbox) == 1

    bad = client.post(f"/api/v1/cases/{case.uuid}/patient-invitations/", {"email": "x"})
    assert bad.status_code == 400 and "email" in bad.json()

    UserFactory(username="ana-r", roles=[roles.PATIENT])
    linked = client.post(f"/api/v1/cases/{case.uuid}/patient-account/", {"account": "ana-r"})
    assert linked.status_code == 200 and linked.json() == {"username": "ana-r"}
    again = client.post(f"/api/v1/cases/{case.uuid}/patient-account/", {"account": "ana-r"})
    assert again.status_code == 400


def test_api_a_specialist_is_refused(api, cast, case):
    response = api(cast.surgeon).post(
        f"/api/v1/cases/{case.uuid}/patient-invitations/", {"email": "ana@example.org"}
    )
    assert response.status_code == 403


def test_page_an_existing_account_for_the_address_is_explained(
    client, cast, case, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(cast.coordinator)
    _invite(client, case, "ana@example.org", django_capture_on_commit_callbacks)
    link = re.search(r"https://board\.example\.org(/join/\S+/)", mailoutbox[0].body).group(1)
    UserFactory(username="ana", email="ana@example.org")
    client.logout()
    response = client.post(link, {"password1": STRONG, "password2": STRONG})
    assert "An account with this e-mail address already exists" in response.content.decode()
    case.patient.refresh_from_db()
    assert case.patient.user is None
