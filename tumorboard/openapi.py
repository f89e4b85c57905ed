"""OpenAPI helpers: a choice field with a named enum, and responses every operation can give."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_choice_description_list
from rest_framework import serializers


class NamedChoiceField(serializers.ChoiceField):
    """A choice field whose enum is its own named schema component, so a `status`, `kind` or
    `urgency` here never collides with another choice set of the same field name elsewhere."""

    def __init__(self, *, choices, component: str, **kwargs):
        self.component = component
        super().__init__(choices=choices, **kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField

    def get_name(self) -> str:
        return self.target.component

    def map_serializer_field(self, auto_schema, direction) -> dict:
        choices = [(value, label) for value, label in self.target.choices.items() if value != ""]
        values = [value for value, _label in choices]
        if self.target.allow_blank:
            values.append("")
        return {
            "type": "string",
            "enum": values,
            "description": build_choice_description_list(choices),
        }


UNSUPPORTED_MEDIA_TYPE = {
    "description": "The body was sent without a media type, or in one the endpoint does not read "
    "(it reads JSON, form data and multipart form data)."
}


def document_unsupported_media_type(result, generator, request, public):
    """Every operation that reads a body answers 415 to a body it cannot parse by its type.

    DRF raises it before the view runs, so no view's own schema mentions it.
    """
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                operation.setdefault("responses", {}).setdefault("415", UNSUPPORTED_MEDIA_TYPE)
    return result
