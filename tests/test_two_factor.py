"""Two-factor sign-in for staff (tumorboard.two_factor, the account pages, the session gate and the
token endpoint), with REQUIRE_STAFF_2FA on as in production. Codes are computed here from the
device's key, as an authenticator app does."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tumorboard import roles
from tumorboard.session_policy import TWO_FACTOR_NEEDED
from tumorboard.two_factor import secret_text

pytestmark = pytest.mark.django_db
PASSWORD = "pw-test-1234"


@pytest.fixture(autouse=True)
def _required(settings):
    settings.REQUIRE_STAFF_2FA = True


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def wrong_code_for(device: TOTPDevice) -> str:
    return f"{(int(code_for(device)) + 1) % 1_000_000:06d}"


def enrolled(user, recovery=("rcvcode1", "rcvcode2")) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    for code in recovery:
        StaticToken.objects.create(device=static, token=code)
    return device


def signed_in(user) -> Client:
    """A password sign-in through the login page, as a person does it."""
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


# --- the gate -----------------------------------------------------------------------------------


def test_staff_pages_wait_for_the_second_factor(cast):
    client = signed_in(cast.coordinator)
    response = client.get(reverse("case-list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("two-factor") + "?next=%2Fcases%2F"
    assert client.session[SESSION_KEY] == str(cast.coordinator.pk)  # signed in, not verified


def test_staff_without_an_authenticator_are_sent_to_enrol(cast):
    client = signed_in(cast.surgeon)
    response = client.get(reverse("two-factor") + "?next=/cases/")
    assert response.status_code == 302
    assert response["Location"] == reverse("two-factor-setup") + "?next=%2Fcases%2F"


def test_the_api_refuses_an_unverified_staff_session(cast):
    client = signed_in(cast.coordinator)
    response = client.get("/api/v1/boards/")
    assert response.status_code == 403
    assert response.json()["detail"] == TWO_FACTOR_NEEDED


def test_a_patient_is_not_asked(cast):
    client = signed_in(cast.patient_user)
    assert client.get(reverse("my-summaries")).status_code == 200
    assert client.get(reverse("two-factor")).status_code == 403
    assert client.get(reverse("two-factor-setup")).status_code == 403


def test_signing_out_stays_open(cast):
    client = signed_in(cast.coordinator)
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert SESSION_KEY not in client.session


def test_nothing_is_asked_when_the_setting_is_off(cast, settings):
    settings.REQUIRE_STAFF_2FA = False
    assert signed_in(cast.coordinator).get(reverse("case-list")).status_code == 200


# --- enrolment ----------------------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_the_secret_then_ten_recovery_codes(cast):
    client = signed_in(cast.coordinator)
    page = client.get(reverse("two-factor-setup"))
    assert page.status_code == 200
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=cast.coordinator, confirmed=False)
    assert 'src="data:image/svg+xml' in html
    assert secret_text(device) in html
    # The strict CSP holds: no inline script or style, the QR code is a data: image.
    csp = page.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "img-src 'self' data:" in csp
    assert "<script" not in html and "<style" not in html

    done = client.post(reverse("two-factor-setup"), {"code": code_for(device), "next": "/cases/"})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == len(set(codes)) == 10
    assert all(code in done.content.decode() for code in codes)
    device.refresh_from_db()
    assert device.confirmed
    stored = StaticToken.objects.filter(device__user=cast.coordinator)
    assert sorted(stored.values_list("token", flat=True)) == sorted(codes)
    assert client.get(reverse("case-list")).status_code == 200  # verified by enrolling


def test_reloading_the_enrolment_page_keeps_the_secret(cast):
    client = signed_in(cast.coordinator)
    first = client.get(reverse("two-factor-setup")).context["secret"]
    assert client.get(reverse("two-factor-setup")).context["secret"] == first
    assert TOTPDevice.objects.filter(user=cast.coordinator).count() == 1


def test_a_wrong_enrolment_code_enrols_nothing(cast):
    client = signed_in(cast.coordinator)
    client.get(reverse("two-factor-setup"))
    device = TOTPDevice.objects.get(user=cast.coordinator)
    response = client.post(reverse("two-factor-setup"), {"code": wrong_code_for(device)})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticDevice.objects.filter(user=cast.coordinator).exists()
    assert client.get(reverse("case-list")).status_code == 302


def test_an_enrolled_user_cannot_enrol_again_before_verifying(cast):
    enrolled(cast.coordinator)
    client = signed_in(cast.coordinator)
    response = client.get(reverse("two-factor-setup"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two-factor"))
    assert TOTPDevice.objects.filter(user=cast.coordinator).count() == 1


def test_a_verified_user_can_replace_the_recovery_codes(cast):
    device = enrolled(cast.coordinator)
    client = signed_in(cast.coordinator)
    client.post(reverse("two-factor"), {"code": code_for(device)})
    response = client.post(reverse("two-factor-setup"), {"action": "renew"})
    codes = response.context["codes"]
    assert len(codes) == 10
    tokens = StaticToken.objects.filter(device__user=cast.coordinator)
    assert sorted(tokens.values_list("token", flat=True)) == sorted(codes)


# --- verification after the password ------------------------------------------------------------


def test_the_current_code_opens_the_staff_pages(cast):
    device = enrolled(cast.chair)
    client = signed_in(cast.chair)
    response = client.post(reverse("two-factor"), {"code": code_for(device), "next": "/cases/"})
    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert client.get(reverse("case-list")).status_code == 200
    assert client.get("/api/v1/boards/").status_code == 200


def test_a_wrong_code_is_refused(cast):
    device = enrolled(cast.chair)
    client = signed_in(cast.chair)
    response = client.post(reverse("two-factor"), {"code": wrong_code_for(device)})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert client.get(reverse("case-list")).status_code == 302


def test_an_outside_next_address_is_not_followed(cast):
    device = enrolled(cast.chair)
    client = signed_in(cast.chair)
    response = client.post(
        reverse("two-factor"), {"code": code_for(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


def test_a_recovery_code_works_once(cast):
    enrolled(cast.surgeon, recovery=("abcd2345", "efgh6723"))
    first = signed_in(cast.surgeon)
    response = first.post(reverse("two-factor"), {"code": "ABCD 2345"})
    assert response.status_code == 302
    assert first.get(reverse("case-list")).status_code == 200
    second = signed_in(cast.surgeon)
    again = second.post(reverse("two-factor"), {"code": "abcd2345"})
    assert again.status_code == 200
    assert second.get(reverse("case-list")).status_code == 302
    assert list(StaticToken.objects.values_list("token", flat=True)) == ["efgh6723"]


# --- a verified session and the device that verified it -----------------------------------------


def verified(user, code: str) -> Client:
    client = signed_in(user)
    assert client.post(reverse("two-factor"), {"code": code}).status_code == 302
    assert client.get(reverse("case-list")).status_code == 200
    return client


def asked_for_a_code(client) -> bool:
    response = client.get(reverse("case-list"))
    return response.status_code == 302 and response["Location"].startswith(reverse("two-factor"))


def test_deleting_a_device_ends_the_sessions_it_verified(cast):
    # An administrator resets a lost authenticator by deleting the user's devices.
    device = enrolled(cast.chair, recovery=("rcvcode1",))
    by_app = verified(cast.chair, code_for(device))
    by_code = verified(cast.chair, "rcvcode1")
    TOTPDevice.objects.filter(user=cast.chair).delete()
    assert asked_for_a_code(by_app)
    assert DEVICE_ID_SESSION_KEY not in by_app.session
    assert by_app.get("/api/v1/boards/").status_code == 403
    # The session verified with a recovery code stands while those do.
    assert by_code.get(reverse("case-list")).status_code == 200
    StaticDevice.objects.filter(user=cast.chair).delete()
    assert by_code.get("/api/v1/boards/").status_code == 403
    assert asked_for_a_code(by_code)
    # Nothing left to verify with: enrol again.
    again = by_code.get(reverse("two-factor"))
    assert again["Location"].startswith(reverse("two-factor-setup"))


def test_replacing_the_recovery_codes_ends_the_other_sessions_they_verified(cast):
    device = enrolled(cast.coordinator, recovery=("rcvcode1", "rcvcode2"))
    renewing = verified(cast.coordinator, "rcvcode1")
    other = verified(cast.coordinator, "rcvcode2")
    by_app = verified(cast.coordinator, code_for(device))
    response = renewing.post(reverse("two-factor-setup"), {"action": "renew"})
    assert len(response.context["codes"]) == 10
    assert renewing.get(reverse("case-list")).status_code == 200  # it asked for the new codes
    assert asked_for_a_code(other)
    assert by_app.get(reverse("case-list")).status_code == 200  # its authenticator is still there


def test_a_session_naming_no_device_of_the_user_is_not_verified(cast):
    device = enrolled(cast.chair)
    client = verified(cast.chair, code_for(device))
    theirs = TOTPDevice.objects.create(user=cast.surgeon, name="Authenticator app", confirmed=True)
    for named in (theirs.persistent_id, "auth.user/1", "nonsense"):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = named
        session.save()
        assert asked_for_a_code(client), named


def test_checking_the_device_costs_no_query(cast, settings):
    """A verified session's request runs as many queries as one with two-factor off: whether the
    device exists is a column of the query that loads the user."""
    device = enrolled(cast.coordinator)
    client = verified(cast.coordinator, code_for(device))
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/v1/boards/").status_code == 200
    checked = [query["sql"] for query in captured]  # read now: the next request resets the log
    settings.REQUIRE_STAFF_2FA = False
    plain = Client()
    plain.force_login(cast.coordinator)
    plain.get(reverse("case-list"))  # the session's times stamped, as above
    with CaptureQueriesContext(connection) as captured:
        assert plain.get("/api/v1/boards/").status_code == 200
    unchecked = [query["sql"] for query in captured]
    assert len(checked) == len(unchecked) > 0
    [user_query] = [sql for sql in checked if '"otp_totp_totpdevice"' in sql]
    assert user_query.startswith('SELECT "auth_user"."id"')
    assert not any('"otp_totp_totpdevice"' in sql for sql in unchecked)


# --- the API token ------------------------------------------------------------------------------


def _token(username: str, **extra):
    body = {"username": username, "password": PASSWORD, **extra}
    return APIClient().post(reverse("api:token"), body, format="json")


def test_staff_need_a_code_for_an_api_token(cast):
    enrolled(cast.coordinator)
    response = _token("coord")
    assert response.status_code == 400
    assert "two-factor code" in response.json()["otp"][0]


def test_staff_without_an_authenticator_are_told_to_enrol_first(cast):
    response = _token("coord", otp="123456")
    assert response.status_code == 400
    assert "Set up two-factor sign-in" in response.json()["otp"][0]


def test_a_wrong_code_gets_no_api_token(cast):
    device = enrolled(cast.coordinator)
    response = _token("coord", otp=wrong_code_for(device))
    assert response.status_code == 400
    assert "not right" in response.json()["otp"][0]
    assert "token" not in response.json()


def test_the_current_code_gets_an_api_token(cast):
    device = enrolled(cast.coordinator)
    response = _token("coord", otp=code_for(device))
    assert response.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/boards/").status_code == 200


def test_a_patient_gets_an_api_token_without_a_code(cast):
    assert _token("patient").status_code == 200


def test_the_account_menu_offers_two_factor_to_staff_only(cast, settings):
    settings.REQUIRE_STAFF_2FA = False
    link = f'href="{reverse("two-factor-setup")}"'
    assert link in signed_in(cast.coordinator).get(reverse("case-list")).content.decode()
    page = signed_in(cast.patient_user).get(reverse("my-summaries")).content.decode()
    assert link not in page


def test_an_administrator_verifies_before_the_admin_site(client):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two-factor"))


def test_the_privacy_officer_verifies_before_the_read_log(db):
    """The read log shows who read every patient's data: its reader uses a second factor too."""
    officer = UserFactory(username="privacy", roles=[roles.PRIVACY_OFFICER])
    client = signed_in(officer)
    response = client.get(reverse("read-log"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two-factor"))
    device = enrolled(officer)
    verify = client.post(reverse("two-factor"), {"code": code_for(device)})
    assert verify.status_code == 302
    assert client.get(reverse("read-log")).status_code == 200
