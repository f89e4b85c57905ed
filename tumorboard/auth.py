"""Sign-in forms and the name the login throttle records.

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
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

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


class TokenRequestSerializer(AuthTokenSerializer):
    """The API token request: the same username bound as the forms."""

    username = serializers.CharField(
        label="Username", write_only=True, max_length=USERNAME_MAX_LENGTH
    )


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
