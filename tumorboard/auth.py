"""Sign-in forms, the API token request, and the name the login throttle records.

Django's AuthenticationForm sets the username field's max_length after the field is built, so
it renders maxlength but never validates it: a 300-character username reached authenticate(),
and django-axes then failed to store it in its 255-character column (a 500 on every login form
and on the token endpoint). The forms here refuse it as a field error first, and the throttle's
username is cut to its column as a backstop for any other caller of authenticate().
"""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer

from . import two_factor
from .roles import token_expires_at

USERNAME_MAX_LENGTH: int = get_user_model()._meta.get_field("username").max_length or 150
THROTTLE_USERNAME_LENGTH: int = AccessAttempt._meta.get_field("username").max_length or 255


class _BoundedUsername:
    fields: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        field = self.fields["username"]
        field.max_length = USERNAME_MAX_LENGTH
        field.validators.append(MaxLengthValidator(USERNAME_MAX_LENGTH))
        field.widget.attrs["maxlength"] = USERNAME_MAX_LENGTH


class LoginForm(_BoundedUsername, AuthenticationForm):
    """The sign-in page's form."""


class AdminLoginForm(_BoundedUsername, AdminAuthenticationForm):
    """The admin site's sign-in form."""


OTP_MAX_LENGTH = 16  # a recovery code (django-otp's StaticToken) is at most 16 characters
OTP_MISSING = (
    "Staff need a two-factor code: the 6-digit code of your authenticator app, or a recovery code."
)
OTP_NOT_ENROLLED = "Set up two-factor sign-in on the website first, then ask for a token again."
OTP_WRONG = "That two-factor code is not right (or was used already). Try the current code."


class TokenRequestSerializer(AuthTokenSerializer):
    """The API token request: the same username bound as the forms and, for staff when
    REQUIRE_STAFF_2FA is on, a two-factor code (`otp`)."""

    username = serializers.CharField(
        label="Username", write_only=True, max_length=USERNAME_MAX_LENGTH
    )
    otp = serializers.CharField(
        label="Two-factor code",
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=OTP_MAX_LENGTH,
        help_text="Staff, when two-factor sign-in is required: the authenticator app's 6-digit "
        "code or a recovery code.",
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        user = attrs["user"]
        if two_factor.required_for(user):
            code = attrs.get("otp") or ""
            if not code.strip():
                raise serializers.ValidationError({"otp": [OTP_MISSING]})
            if not two_factor.is_enrolled(user):
                raise serializers.ValidationError({"otp": [OTP_NOT_ENROLLED]})
            if two_factor.code_check(user=user, code=code) is None:
                raise serializers.ValidationError({"otp": [OTP_WRONG]})
        return attrs


class TokenSerializer(serializers.Serializer):
    """The token answer: the key and when it stops working (settings.API_TOKEN_HOURS)."""

    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


def api_token_issue(user) -> Token:
    """The user's API token: the current one, or a new one when it has expired."""
    token, created = Token.objects.get_or_create(user=user)
    if not created and token_expires_at(token) <= timezone.now():
        token.delete()
        token = Token.objects.create(user=user)
    return token


def api_tokens_revoke(user) -> None:
    """Delete the user's API token (after a password change or reset)."""
    Token.objects.filter(user=user).delete()


class TokensEndWithThePassword:
    """Not a check of the password: Django tells every configured validator when a user's
    password has been saved (`password_validation.password_changed`, called by
    `AbstractBaseUser.save` after `set_password`), so this ends the user's API token however the
    password changed: the account pages, the admin, `manage.py changepassword`."""

    def validate(self, password, user=None) -> None:
        return None

    def password_changed(self, password, user=None) -> None:
        if user is not None and user.pk is not None:
            api_tokens_revoke(user)

    def get_help_text(self) -> str:
        return gettext("A new password ends your API token: ask for a new one.")


def throttle_username(request: Any, credentials: dict[str, Any] | None = None) -> str | None:
    """The username django-axes records for an attempt, cut to its column
    (AXES_USERNAME_CALLABLE)."""
    if credentials:
        username = credentials.get("username")
    else:
        data = getattr(request, "data", None) or request.POST
        username = data.get("username")
    if not isinstance(username, str):
        return None
    return username[:THROTTLE_USERNAME_LENGTH]
