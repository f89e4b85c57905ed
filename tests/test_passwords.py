"""The password policy, the password change page, the reset by e-mail (tumorboard.account_pages)."""

from __future__ import annotations

import re

import pytest
from celery.exceptions import Retry
from django.contrib.auth import SESSION_KEY, password_validation
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.factories import UserFactory
from tumorboard import queue, tasks
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


@pytest.fixture
def ask_reset(django_capture_on_commit_callbacks, monkeypatch):
    """ask_reset(email, client=None, **extra) -> the response; the reset request is posted, then
    what it queued on commit runs (eager Celery in tests). Each task sent is kept in
    `ask_reset.sent` as (task name, args), and the e-mails in the outbox when the response came
    back in `ask_reset.mailed_during_request`."""
    sent: list[tuple[str, list]] = []
    mailed_during_request: list[int] = []
    original = queue.send_now

    def recording(task, *, args=(), **options):
        sent.append((task.name, list(args)))
        return original(task, args=args, **options)

    monkeypatch.setattr(queue, "send_now", recording)

    def ask(email: str, client: Client | None = None, **extra):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = (client or Client()).post(
                reverse("password-reset"), {"email": email}, **extra
            )
        mailed_during_request.append(len(mail.outbox))
        for callback in callbacks:
            callback()
        return response

    ask.sent = sent
    ask.mailed_during_request = mailed_during_request
    return ask


def test_a_known_address_gets_a_reset_e_mail_with_a_site_link(ask_reset, settings):
    settings.SITE_URL = "https://board.example.org"
    user = UserFactory(username="resetme", email="resetme@example.org")
    response = ask_reset("ResetMe@example.org")
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


def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(ask_reset):
    UserFactory(username="known", email="known@example.org")
    known = ask_reset("known@example.org")
    unknown = ask_reset("nobody@example.org")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert unknown.content == known.content
    assert [m.to for m in mail.outbox] == [["known@example.org"]]
    done = Client().get(unknown["Location"]).content.decode()
    assert "If an account has this address" in done


def test_the_e_mail_is_sent_by_a_task_after_the_request_by_user_id_only(ask_reset):
    user = UserFactory(username="queued", email="queued@example.org")
    ask_reset("queued@example.org", HTTP_ACCEPT_LANGUAGE="es")
    # Nothing was sent while the request ran; the task sent it, with the id and the page's
    # language as its only arguments: no address, no token.
    assert ask_reset.mailed_during_request == [0]
    assert ask_reset.sent == [("tumorboard.send_password_reset_email", [user.pk, "es"])]
    [message] = mail.outbox
    assert message.subject == "Restablecer su contraseña del comité de tumores"
    token = _reset_link(message).rstrip("/").rsplit("/", 1)[-1]
    for argument in ask_reset.sent[0][1]:
        assert "@" not in str(argument) and token not in str(argument)


def test_the_task_builds_a_working_link_and_sends_nothing_to_a_closed_account(settings):
    settings.SITE_URL = "https://board.example.org"
    user = UserFactory(username="direct", email="direct@example.org")
    closed = UserFactory(username="closed", email="closed@example.org", is_active=False)
    no_password = UserFactory(username="sso", email="sso@example.org")
    no_password.set_unusable_password()
    no_password.save()
    assert tasks.send_password_reset_email.apply(args=[user.pk, "en"]).get() is True
    for other in (closed, no_password):
        assert tasks.send_password_reset_email.apply(args=[other.pk, "en"]).get() is False
    assert tasks.send_password_reset_email.apply(args=[10**9, "en"]).get() is False
    [message] = mail.outbox
    assert message.to == ["direct@example.org"]
    assert message.subject == "Reset your tumor board password"
    page = Client().get(_reset_link(message), follow=True).content.decode()
    assert "Choose a new password" in page


def test_a_repeated_task_run_sends_one_more_e_mail_and_an_unknown_language_falls_back():
    user = UserFactory(username="twice", email="twice@example.org")
    for _run in range(2):
        assert tasks.send_password_reset_email.apply(args=[user.pk, "xx"]).get() is True
    assert [m.subject for m in mail.outbox] == ["Reset your tumor board password"] * 2


def test_a_failing_mail_server_is_retried_and_logged_without_the_address(monkeypatch, caplog):
    user = UserFactory(username="unlucky", email="unlucky@example.org")

    def broken(**kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("tumorboard.password_reset.send_email", broken)
    # Eagerly, the bounded retry surfaces as Retry; a worker would try again in a minute.
    with pytest.raises(Retry):
        tasks.send_password_reset_email.apply(args=[user.pk, "en"], throw=True)
    assert f"user {user.pk} failed" in caplog.text
    assert "unlucky@" not in caplog.text
    assert mail.outbox == []


def test_reset_requests_are_limited_per_address_with_the_same_answer(ask_reset, settings):
    settings.PASSWORD_RESET_REQUESTS_PER_HOUR = 2
    UserFactory(username="popular", email="popular@example.org")
    answers = [
        ask_reset(email, REMOTE_ADDR=f"10.0.0.{n}")
        for n, email in enumerate(
            ["popular@example.org", "Popular@example.org ", "POPULAR@example.org"], start=1
        )
    ]
    # Three clients, one address: the third request sends nothing and looks the same.
    assert len(mail.outbox) == 2
    assert {(a.status_code, a["Location"], a.content) for a in answers} == {
        (302, reverse("password-reset-done"), b"")
    }
    # Another address is not held back by this one's limit.
    UserFactory(username="other", email="other@example.org")
    ask_reset("other@example.org", REMOTE_ADDR="10.0.0.9")
    assert len(mail.outbox) == 3


def test_reset_requests_are_limited_per_client(ask_reset, settings):
    settings.PASSWORD_RESET_REQUESTS_PER_HOUR = 2
    for n in range(3):
        UserFactory(username=f"member{n}", email=f"member{n}@example.org")
    answers = [ask_reset(f"member{n}@example.org", REMOTE_ADDR="10.0.0.7") for n in range(3)]
    assert [m.to for m in mail.outbox] == [["member0@example.org"], ["member1@example.org"]]
    assert len(ask_reset.sent) == 2
    assert {(a.status_code, a["Location"]) for a in answers} == {
        (302, reverse("password-reset-done"))
    }
    # Over the limit, an unknown address still gets the same answer as a known one.
    unknown = ask_reset("nobody@example.org", REMOTE_ADDR="10.0.0.7")
    assert (unknown.status_code, unknown["Location"], unknown.content) == (
        302,
        reverse("password-reset-done"),
        answers[-1].content,
    )
    # Another client may still ask.
    ask_reset("member2@example.org", REMOTE_ADDR="10.0.0.8")
    assert mail.outbox[-1].to == ["member2@example.org"]


def test_the_reset_link_sets_a_new_password_once_and_ends_the_api_token(ask_reset):
    user = UserFactory(username="forgetful", email="forgetful@example.org")
    token = Token.objects.create(user=user)
    ask_reset("forgetful@example.org")
    link = _reset_link(mail.outbox[0])
    client = Client()
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


def test_the_reset_refuses_a_weak_password(ask_reset):
    user = UserFactory(username="weakling", email="weakling@example.org")
    ask_reset("weakling@example.org")
    client = Client()
    set_url = client.get(_reset_link(mail.outbox[0]), follow=True).redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": "short-pw-1", "new_password2": "short-pw-1"})
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_reset_pages_are_in_spanish_for_a_spanish_browser(client):
    login = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "¿Olvidó su contraseña?" in login
    reset = client.get(reverse("password-reset"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Restablecer su contraseña" in reset
