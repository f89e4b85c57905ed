"""Password reset by e-mail, away from the request that asks for it.

The reset page answers at once, and the same way whether or not the address belongs to an account:
the e-mail is sent afterwards by a Celery task (tumorboard.tasks.send_password_reset_email) that
receives the user's id and builds the link itself, so neither the address nor a token is in the
broker, and the mail server's delay does not tell a known address from an unknown one.

Requests are limited per client address and per submitted e-mail address (kept in the cache only
as a keyed hash), PASSWORD_RESET_REQUESTS_PER_HOUR each; over the limit the page answers as
always and nothing is sent, so the limit does not tell either whether an address is known.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from .mail import absolute_url, send_email

WINDOW_SECONDS = 3600
_KEY_SALT = "tumorboard.password_reset"


def _hits(key: str) -> int:
    """Count one more request under `key`; the count starts over an hour after its first."""
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=WINDOW_SECONDS)
        return 1


def request_allowed(*, client_ip: str | None, email: str) -> bool:
    """Count this reset request against its client address and its e-mail address; False when
    either has asked more than PASSWORD_RESET_REQUESTS_PER_HOUR times in the hour."""
    limit = settings.PASSWORD_RESET_REQUESTS_PER_HOUR
    address = salted_hmac(_KEY_SALT, email.strip().lower()).hexdigest()
    by_client = _hits(f"password-reset:client:{client_ip or 'unknown'}")
    by_address = _hits(f"password-reset:address:{address}")
    return by_client <= limit and by_address <= limit


def reset_recipient(user_id: int) -> AbstractBaseUser | None:
    """The user, if a reset e-mail may go to them now: active, with a usable password and an
    address (as Django's PasswordResetForm.get_users asks)."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password() or not user.email:
        return None
    return user


def reset_email_send(user: AbstractBaseUser) -> None:
    """E-mail `user` a fresh reset link (text and HTML, from SITE_URL), in the active language.

    Raises what the mail backend raises (SMTPException, OSError)."""
    path = reverse(
        "password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    send_email(
        to=user.email,
        subject=_("Reset your tumor board password"),
        template="password_reset",
        context={
            "username": user.get_username(),
            "link": absolute_url(path),
            "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        },
    )
