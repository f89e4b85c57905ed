"""One domain error type and the API exception handler that turns bad input into a 400."""

from django.core.exceptions import NON_FIELD_ERRORS
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


BAD_INPUT = "Please correct the errors below."


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
