"""Optimistic concurrency on the API, the same for every editable clinical record: the record's
`version` is its ETag; a change names the version it is based on as `If-Match: "<version>"` or as
`version` in the body. A stale change writes nothing and is answered with the current record:
**412** when the version came as If-Match, **409** when it came in the body; a change that names
no version is answered **428 Precondition Required**. The services compare and bump the version
on the row they lock (`tumorboard.services.check_version`).

Apart from `tumorboard.api` because it catches the domain errors of `tumorboard.errors`, whose
DRF import loads `tumorboard.api` (the browsable renderer) first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from .api import if_match
from .errors import StaleVersionError, VersionRequiredError

VERSION_HELP = "The version you read (or send If-Match); a stale one is refused."


def version_field() -> serializers.IntegerField:
    """An input's `version`: the version of the record the change is based on."""
    return serializers.IntegerField(min_value=1, required=False, help_text=VERSION_HELP)


IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='The version you read (the ETag), e.g. "3" (instead of `version` in the body).',
)


@dataclass(frozen=True)
class Precondition:
    """The version a change is based on, and whether it came as If-Match (a stale one is then a
    412) or in the body (409)."""

    version: int | None
    via_header: bool


def precondition(request, data: dict) -> Precondition:
    """The version the client read: If-Match, else the body's `version` (they must agree).
    `version` is taken out of `data`, which is left with the fields to change."""
    body = data.pop("version", None)
    version = if_match(request, field="version")
    if version is None:
        return Precondition(body, via_header=False)
    if body is not None and body != version:
        raise ValidationError({"version": ["The body's version and If-Match disagree."]})
    return Precondition(version, via_header=True)


def body_version(request) -> int | None:
    """The `version` of a body that has nothing else (a DELETE)."""
    value = request.data.get("version") if hasattr(request.data, "get") else None
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError({"version": ["Give the version as a number."]}) from None


def with_etag(response: Response, version: int) -> Response:
    response["ETag"] = f'"{version}"'
    return response


def guarded(
    pre: Precondition, write: Callable[[], Response], current: Callable[[Any], Response]
) -> Response:
    """Run a versioned write. A stale version is answered with the current record (`current`
    shapes it): 412 when the version came as If-Match, 409 when in the body; none → 428."""
    try:
        return write()
    except StaleVersionError as exc:
        code = status.HTTP_412_PRECONDITION_FAILED if pre.via_header else status.HTTP_409_CONFLICT
        body = {"detail": exc.message, **exc.fields, "current": current(exc.current).data}
        return with_etag(Response(body, status=code), exc.current.version)
    except VersionRequiredError as exc:
        body = {"detail": exc.message, **exc.fields}
        return Response(body, status=status.HTTP_428_PRECONDITION_REQUIRED)
