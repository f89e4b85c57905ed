"""Roles are Django groups; board duties (coordinator, chair, member) are BoardMembership rows.

Access decisions live in each app's selectors (querysets scoped to the user) and are tested as
allowed/refused pairs.
"""

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from .precompiled import Precompiled, fits_primary_key

COORDINATOR = "coordinator"
CHAIR = "chair"
SPECIALIST = "specialist"
PATIENT = "patient"
# Reads the read log (who read which patient's data) and nothing clinical: not a board role.
PRIVACY_OFFICER = "privacy_officer"
STAFF_ROLES = (COORDINATOR, CHAIR, SPECIALIST)
ALL_ROLES = (*STAFF_ROLES, PATIENT, PRIVACY_OFFICER)


def user_roles(user) -> frozenset[str]:
    if not user or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_tumorboard_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ALL_ROLES).values_list("name", flat=True))
        user._tumorboard_roles = cached
    return cached


def _role_flags(user_ref: str) -> dict[str, Exists]:
    """One EXISTS per role, so a user's roles come back in the query that loads the user
    (portable: the first-run SQLite default has no ARRAY_AGG)."""
    membership = get_user_model().groups.through
    return {
        f"has_role_{name}": Exists(
            membership.objects.filter(user_id=OuterRef(user_ref), group__name=name)
        )
        for name in ALL_ROLES
    }


def _remember_roles(user, row) -> None:
    user._tumorboard_roles = frozenset(
        name for name in ALL_ROLES if getattr(row, f"has_role_{name}", False)
    )


def users_with_roles() -> QuerySet:
    """Users annotated with their roles; `remember_roles` then caches them on each user."""
    return get_user_model()._default_manager.annotate(**_role_flags("pk"))


@dataclass(frozen=True)
class ExtraColumns:
    """Columns to load the session's user with, in the same query (roles.loading_user_with):
    `columns(**parameters)` builds the annotations; `shape` names the query they make (one
    compiled query per shape, tumorboard.precompiled), `types` the parameters' types and `values`
    this request's values. tumorboard.two_factor.session_device_column makes one: whether the
    second-factor device that verified the session still exists."""

    shape: str
    columns: Callable[..., dict[str, Any]]
    types: dict[str, type] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


_extra_columns: ContextVar[ExtraColumns | None] = ContextVar(
    "tumorboard_user_extra_columns", default=None
)


@contextmanager
def loading_user_with(extra: ExtraColumns | None) -> Iterator[None]:
    """While active, RoleAwareModelBackend.get_user annotates the user with `extra`'s columns."""
    token = _extra_columns.set(extra)
    try:
        yield
    finally:
        _extra_columns.reset(token)


# The session user's compiled queries, one per shape of ExtraColumns ("" for none).
_USER_QUERIES: dict[str, Precompiled] = {}


def _user_query(extra: ExtraColumns | None) -> Precompiled:
    """The session user's query (with the roles, and `extra`'s columns), compiled once per shape:
    every page request runs it, and building its SQL took ~3.5 ms of Python a request."""
    shape = extra.shape if extra is not None else ""
    query = _USER_QUERIES.get(shape)
    if query is None:
        columns = extra.columns if extra is not None else dict
        types = extra.types if extra is not None else {}

        def build(user, **parameters):
            return users_with_roles().annotate(**columns(**parameters)).filter(pk=user)

        query = _USER_QUERIES[shape] = Precompiled(build, user=int, **types)
    return query


class RoleAwareModelBackend(ModelBackend):
    """Django's ModelBackend, loading the session's user and their roles in one query: every
    request reads the roles (menus, scoping), and a second query per request was pure overhead.
    Columns asked for with `loading_user_with` come in the same query."""

    def get_user(self, user_id):
        extra = _extra_columns.get()
        try:
            pk = get_user_model()._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        if not isinstance(pk, int):
            user = users_with_roles().filter(pk=pk).first()  # a custom user model's key
        elif not fits_primary_key(get_user_model(), pk):  # no such user
            return None
        else:
            values = extra.values if extra is not None else {}
            user = _user_query(extra).first(user=pk, **values)
        if user is None or not self.user_can_authenticate(user):
            return None
        _remember_roles(user, user)
        return user


def token_expires_at(token: Token) -> dt.datetime:
    """When an API token stops working: settings.API_TOKEN_HOURS after it was issued."""
    return token.created + dt.timedelta(hours=settings.API_TOKEN_HOURS)


class TokenExpired(exceptions.APIException):
    """401, not DRF's 403 for a failed authentication: the session authenticator comes first
    and has no WWW-Authenticate challenge, but an expired token has one answer: get a new one."""

    status_code = 401
    default_detail = "Token expired: request a new one (POST /api/v1/auth/token/)."
    default_code = "token_expired"
    auth_header = "Token"


def _token_with_roles(key: str) -> QuerySet:
    return Token.objects.select_related("user").annotate(**_role_flags("user_id")).filter(key=key)


# Compiled once: every API request runs it (tumorboard.precompiled).
_TOKEN_WITH_ROLES = Precompiled(_token_with_roles, key=str)


class RoleAwareTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, with the user's roles loaded in the same query; a token
    older than settings.API_TOKEN_HOURS is refused (its `created` is on the row already read)."""

    def authenticate_credentials(self, key):
        token = _TOKEN_WITH_ROLES.first(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        if token_expires_at(token) <= timezone.now():
            raise TokenExpired()
        _remember_roles(token.user, token)
        return (token.user, token)


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def is_staff_member(user) -> bool:
    """Clinical staff of some board (not a patient, not an outsider)."""
    return user.is_authenticated and (user.is_superuser or has_role(user, *STAFF_ROLES))


def ensure_role_groups() -> dict[str, Group]:
    return {name: Group.objects.get_or_create(name=name)[0] for name in ALL_ROLES}


def roles_context(request):
    user = getattr(request, "user", None)
    roles = user_roles(user) if user is not None else frozenset()
    return {
        "user_roles": roles,
        "is_clinical_staff": bool(user and is_staff_member(user)),
        "is_coordinator": COORDINATOR in roles,
        "is_chair": CHAIR in roles,
        "is_patient": PATIENT in roles,
        "is_privacy_officer": PRIVACY_OFFICER in roles,
    }
