"""Who may read the read log: the privacy officer, and nobody else (not a superuser without the
role, not a board's coordinator or chair)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from tumorboard.roles import PRIVACY_OFFICER, has_role


def can_read_log(user) -> bool:
    return bool(user and user.is_authenticated and has_role(user, PRIVACY_OFFICER))


def privacy_officer_required(view):
    """Signed in (else the login page) and a privacy officer (else 403)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can_read_log(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)


class IsPrivacyOfficer(BasePermission):
    message = "Only the privacy officer can read the read log."

    def has_permission(self, request, view) -> bool:
        return can_read_log(request.user)
