"""One domain error type and the API exception handler that turns bad input into a 400.

A database that is unreachable or gives up on a statement (connection lost, lock or statement
timeout, serialization failure: Django's OperationalError and InterfaceError) is answered 503 with
a message, by this handler for the API and by `tumorboard.middleware` for pages. Services write in
one transaction, so such a failure has saved nothing. Other database errors (IntegrityError,
ProgrammingError...) mean a bug and stay 500s.
"""

import logging
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApplicationError(Exception):
    """A refusal the user can act on. `fields` maps field names to messages (may be empty)."""

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None, code="invalid"):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.code = code


class ConflictError(ApplicationError):
    """A stale write or a state clash (answered 409)."""


class StaleVersionError(ConflictError):
    """Optimistic concurrency: the record changed since the client read it. `current` is the row
    as it is now (with `version`, `updated_by`, `updated_at`); the message says who changed it
    and when, so the user knows whose work they are about to meet."""

    def __init__(self, current: Any, what: str):
        super().__init__(
            f"Someone else saved this {what} while you were editing: {changed_by(current)}, "
            f"at {changed_at(current)} (it is now at version {current.version}). Nothing was "
            "saved: review their change, then save again.",
            fields={"version": [f"The current version is {current.version}."]},
            code="stale",
        )
        self.current = current


class VersionRequiredError(ApplicationError):
    """A change that does not say which version it is based on (the API answers 428)."""

    def __init__(self, what: str):
        super().__init__(
            f"Say which version of the {what} you are changing.",
            fields={"version": ['Send the version you read (or an If-Match: "<version>" header).']},
            code="version_required",
        )


def changed_by(record: Any) -> str:
    user = getattr(record, "updated_by", None)
    if user is None:
        return "an unknown user"
    return user.get_full_name() or user.get_username()


def changed_at(record: Any) -> str:
    when = getattr(record, "updated_at", None)
    if when is None:
        return "an unknown time"
    return f"{timezone.localtime(when):%d %b %Y %H:%M}"


BAD_INPUT = "Please correct the errors below."

logger = logging.getLogger(__name__)

DATABASE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
DATABASE_UNAVAILABLE = "The database is unavailable; nothing was saved. Try again."
DATABASE_UNAVAILABLE_READ = "The database is unavailable. Try again in a moment."
RETRY_AFTER_SECONDS = 30


def database_unavailable(request, exc: Exception) -> str:
    """Log the failure (its kind only: a database message may quote data) and return the
    message for the user: a write was not saved, a read can simply be tried again."""
    # The view's name, not the path: some paths carry secrets (calendar feed tokens).
    view = getattr(getattr(request, "resolver_match", None), "view_name", "") or "?"
    logger.error("database unavailable during %s %s (%s)", request.method, view, type(exc).__name__)
    return DATABASE_UNAVAILABLE_READ if request.method in ("GET", "HEAD") else DATABASE_UNAVAILABLE


def error_fields(exc: DjangoValidationError) -> dict[str, list[str]]:
    """Field name -> messages; record-level errors under "non_field_errors" as DRF names them."""
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if k == NON_FIELD_ERRORS else k): [
                str(m) for e in v for m in e.messages
            ]
            for k, v in exc.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


def api_exception_handler(exc, context):
    if isinstance(exc, DATABASE_ERRORS):
        message = database_unavailable(context["request"], exc)
        return Response(
            {"detail": message},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, ConflictError):
        body = {"detail": exc.message, **exc.fields}
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ApplicationError):
        body = {"detail": exc.message, **exc.fields}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=error_fields(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    # Every 400 carries a summary line, so a client always has something to show.
    if (
        response is not None
        and response.status_code == status.HTTP_400_BAD_REQUEST
        and isinstance(response.data, dict)
        and "detail" not in response.data
    ):
        response.data = {"detail": BAD_INPUT, **response.data}
    return response
