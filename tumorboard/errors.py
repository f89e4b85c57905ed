"""One domain error type and the API exception handler that turns bad input into a 400."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
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


def error_fields(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
    return {"non_field_errors": [str(m) for m in exc.messages]}


def api_exception_handler(exc, context):
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
    return exception_handler(exc, context)
