"""The password policy, the password change page, the reset by e-mail (tumorboard.account_pages)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY, password_validation
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.factories import UserFactory
from tumorboard.demo.data import DEMO_PASSWORD

pytestmark = pytest.mark.django_db
PASSWORD = "pw-test-1234"
NEW = "granite-harbour-lantern-9"


# --- the policy --------------------------------------------------------------------------------


def test_eleven_characters_are_too_few():
    with pytest.raises(ValidationError) as refused:
        password_validation.validate_password("tq8-vmz-r2k")
    assert "at least 12 characters" in " ".join(refused.value.messages)


def test_twelve_characters_pass_and_so_does_the_demo_password():
    password_validation.validate_password("tq8-vmz-r2kw")
    password_validation.validate_password(DEMO_PASSWORD)


def test_common_and_numeric_passwords_are_refused():
    for weak in ("123456789012", "password1234"):
        with pytest.raises(ValidationError):
            password_validation.validate_password(weak)


# --- changing it --------------------------------------------------------------------------------


def test_the_account_menu_links_to_the_password_page(client_for, cast):
    for user in (cast.coordinator, cast.patient_user):
        page = client_for(user).get(reverse("home"), follow=True).content.decode()
        assert f'href="{reverse("password-change")}"' in page


def test_a_signed_in_user_changes_their_password(client_for, cast):
    client = client_for(cast.patient_user)
    response = client.post(
        reverse("password-change"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
        follow=True,
    )
    assert response.redirect_chain[0] == (reverse("home"), 302)
    assert "Your password is changed" in response.content.decode()
    cast.patient_user.refresh_from_db()
    assert cast.patient_user.check_password(NEW)
    assert client.session[SESSION_KEY] == str(cast.patient_user.pk)  # this session stays


def test_a_wrong_old_password_or_a_short_new_one_changes_nothing(client_for, cast):
    client = client_for(cast.coordinator)
    wrong = client.post(
        reverse("password-change"),
        {"old_password": "not-it", "new_password1": NEW, "new_password2": NEW},
    )
    short = client.post(
        reverse("password-change"),
        {"old_password": PASSWORD, "new_password1": "short-pw-1", "new_password2": "short-pw-1"},
    )
    assert wrong.status_code == short.status_code == 200
    assert "Your old password was entered incorrectly" in wrong.content.decode()
    assert "at least 12 characters" in short.content.decode()
    cast.coordinator.refresh_from_db()
    assert cast.coordinator.check_password(PASSWORD)


def test_the_password_page_needs_a_sign_in(client):
    response = client.get(reverse("password-change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- resetting it by e-mail ---------------------------------------------------------------------


def test_the_sign_in_page_links_to_the_reset(client):
    page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password-reset")}"' in page


def _reset_link(message) -> str:
    found = re.search(r"https?://\S+/account/password/reset/\S+/\S+/", message.body)
    assert found, message.body
    return found.group(0)


def test_a_known_address_gets_a_reset_e_mail_with_a_site_link(client, settings):
    settings.SITE_URL = "https://board.example.org"
    user = UserFactory(username="resetme", email="resetme@example.org")
    response = client.post(reverse("password-reset"), {"email": "ResetMe@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password-reset-done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["resetme@example.org"]
    link = _reset_link(message)
    assert link.startswith("https://board.example.org/account/password/reset/")
    html, kind = message.alternatives[0]
    assert kind == "text/html" and link in html
    assert user.get_username() in message.body


def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(client):
    UserFactory(username="known", email="known@example.org")
    known = Client().post(reverse("password-reset"), {"email": "known@example.org"})
    unknown = client.post(reverse("password-reset"), {"email": "nobody@example.org"})
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert [m.to for m in mail.outbox] == [["known@example.org"]]
    done = client.get(unknown["Location"]).content.decode()
    assert "If an account has this address" in done


def test_the_reset_link_sets_a_new_password_once_and_ends_the_api_token(client):
    user = UserFactory(username="forgetful", email="forgetful@example.org")
    token = Token.objects.create(user=user)
    client.post(reverse("password-reset"), {"email": "forgetful@example.org"})
    link = _reset_link(mail.outbox[0])
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == reverse("password-reset-complete")
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert not Token.objects.filter(pk=token.pk).exists()
    again = Client().get(link, follow=True).content.decode()
    assert "This link does not work" in again


def test_the_reset_refuses_a_weak_password(client):
    user = UserFactory(username="weakling", email="weakling@example.org")
    client.post(reverse("password-reset"), {"email": "weakling@example.org"})
    set_url = client.get(_reset_link(mail.outbox[0]), follow=True).redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": "short-pw-1", "new_password2": "short-pw-1"})
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_failing_mail_server_answers_like_an_unknown_address(client, monkeypatch):
    UserFactory(username="unlucky", email="unlucky@example.org")

    def broken(**kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("tumorboard.account_pages.send_email", broken)
    response = client.post(reverse("password-reset"), {"email": "unlucky@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password-reset-done")


def test_the_reset_pages_are_in_spanish_for_a_spanish_browser(client):
    login = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "¿Olvidó su contraseña?" in login
    reset = client.get(reverse("password-reset"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Restablecer su contraseña" in reset
