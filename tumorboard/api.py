"""Shared API plumbing for every app's DRF views: who may call the API, the documented error
answers, and the serializer pieces every input shares (unknown fields refused, related records
named by uuid and looked up only within the caller's scope).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from typing import ClassVar

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse
from rest_framework import renderers, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated

from .roles import is_staff_member

# --- who may call -------------------------------------------------------------------------------


class IsClinicalStaff(BasePermission):
    """Coordinators, chairs and specialists; patients and users without a role are refused."""

    message = "Only clinical staff of a board can use this."

    def has_permission(self, request, view) -> bool:
        return is_staff_member(request.user)


class StaffApiMixin:
    permission_classes = [IsAuthenticated, IsClinicalStaff]


class ApiDocsAccess(BasePermission):
    """The API schema and its documentation page: for signed-in users unless API_DOCS_PUBLIC.

    They describe every endpoint and field of a clinical system; read at each request, so the
    setting can be changed without reloading the URL configuration.
    """

    def has_permission(self, request, view) -> bool:
        return settings.API_DOCS_PUBLIC or bool(request.user and request.user.is_authenticated)


# --- the browsable API ------------------------------------------------------------------------


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """The API in a browser, for people trying it while signed in to the pages.

    Our list views take their queryset from a selector scoped to the user and filter there, so
    they declare no `queryset` and no filter backends; DRF's renderer would still ask the view for
    a queryset to draw a filter form and fail. Without filter backends there is no form to draw.
    """

    def get_filter_form(self, data, view, request):
        if not getattr(view, "filter_backends", None):
            return None
        return super().get_filter_form(data, view, request)


# --- documented error answers -------------------------------------------------------------------

STANDARD_ERRORS: dict[int, str] = {
    400: "Bad input: `detail` plus a list of messages per field.",
    403: "Not clinical staff.",
    404: "No such record within your boards.",
    409: "The record changed meanwhile: reload and retry.",
    412: "Stale If-Match (the current record is returned).",
    415: "The body is not JSON, a form or multipart data.",
    428: "No version given: send If-Match or `version`.",
}


def error_responses(
    wording: Mapping[int, str | OpenApiResponse] | None = None,
) -> Callable[..., dict[int, OpenApiResponse]]:
    """The `errors(*codes)` helper of one API module, for `extend_schema(responses=...)`.

    Each status code has one standard description; a module words a code for its own resource
    (a description, or an OpenApiResponse with a body) by passing it in `wording`.
    """
    table: dict[int, OpenApiResponse] = {
        code: OpenApiResponse(description=text) for code, text in STANDARD_ERRORS.items()
    }
    for code, value in (wording or {}).items():
        table[code] = (
            value if isinstance(value, OpenApiResponse) else OpenApiResponse(description=value)
        )

    def errors(*codes: int) -> dict[int, OpenApiResponse]:
        return {code: table[code] for code in codes}

    return errors


# --- optimistic concurrency: If-Match -----------------------------------------------------------

# The version (or revision) a client read, as it sends it back: 3, "3" or W/"3".
IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')


def if_match(request, *, field: str = "version") -> int | None:
    """The number an If-Match header names; None without the header. A header that names no
    number is a 400 on `field` (the body field it stands for: "version", "revision")."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    match = IF_MATCH.match(header)
    if match is None:
        raise ValidationError({field: [f'If-Match must be a {field} number, e.g. "3".']})
    return int(match.group(1))


# --- serializer pieces --------------------------------------------------------------------------


DRF_INVALID_CHOICE = serializers.ChoiceField.default_error_messages["invalid_choice"]


def list_valid_choices(field: serializers.Field) -> None:
    """Make an invalid choice name the valid values ('"4" is not a valid choice. Valid values:
    0, 1a, 1b, 1c, 2, 3.'), in a choice field or a list of them; a field with its own wording
    (a spinal level) keeps it."""
    if isinstance(field, serializers.ListField):
        list_valid_choices(field.child)
        return
    if not isinstance(field, serializers.ChoiceField):
        return
    if field.error_messages.get("invalid_choice") != DRF_INVALID_CHOICE:
        return
    values = ", ".join(str(value) for value in field.choices)
    field.error_messages = {
        **field.error_messages,
        "invalid_choice": DRF_INVALID_CHOICE + " Valid values: " + values + ".",
    }


class StrictInputMixin:
    """Refuse fields the endpoint does not know, instead of silently ignoring them, and name the
    valid values of a choice the input got wrong.

    A client that PATCHes `status` must learn that it did not happen. Read-only fields of the
    same shape (uuid, timestamps) are ignored, so a client may send back what it was given.
    """

    # Words the refusal for fields that exist elsewhere (e.g. a case's status).
    not_settable: ClassVar[Mapping[str, str]] = {}

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            list_valid_choices(field)
        return fields

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [self.not_settable.get(name, "This field cannot be set here.")]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)


class ReadOnlyBlankChoicesMixin:
    """Keep `allow_blank` on read-only copies of model choice fields that may be blank.

    DRF drops it for read-only fields, so the schema's enum would leave out the "" that the
    response carries for an unanswered ASIA grade or growth rate.
    """

    def include_extra_kwargs(self, kwargs, extra_kwargs):
        blank_choice = bool(kwargs.get("allow_blank")) and "choices" in kwargs
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if blank_choice:
            kwargs["allow_blank"] = True
        return kwargs


class ScopedUUIDField(serializers.SlugRelatedField):
    """A related record named by its uuid, found only among those the requesting user may use.

    Anything else (unknown, or outside the user's scope) gets the same answer, so the API does not
    reveal which records exist.
    """

    default_error_messages = {
        "does_not_exist": "No such {model} is available to you.",
        "invalid": "Enter a valid UUID.",
    }

    def __init__(self, *, model, scope: Callable[..., QuerySet], **kwargs):
        self.scope = scope
        self.model_name = model._meta.verbose_name
        # The queryset only names the model (for the schema); lookups go through `scope`.
        super().__init__(slug_field="uuid", queryset=model.objects.none(), **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return self.queryset
        return self.scope(request.user)

    def to_internal_value(self, data):
        try:
            value = uuid.UUID(str(data))
        except (TypeError, ValueError, AttributeError):
            self.fail("invalid")
        try:
            return self.get_queryset().get(uuid=value)
        except self.queryset.model.DoesNotExist:
            self.fail("does_not_exist", model=self.model_name)

    def to_representation(self, obj):
        return str(obj.uuid)


class UserSummarySerializer(serializers.Serializer):
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(source="get_full_name", read_only=True)
