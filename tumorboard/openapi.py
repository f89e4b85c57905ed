"""drf-spectacular post-processing: responses every operation of a kind can give."""

from __future__ import annotations

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
