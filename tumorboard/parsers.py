"""Request parsers for the API."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

UNPAIRED_SURROGATE = "JSON parse error - a string holds an unpaired UTF-16 surrogate escape."
# No request of this API nests deeper than a handful of levels (a plan's activities with their
# details); 32 leaves room and keeps every later walk (validation, rendering, jsonb) far from
# Python's recursion limit.
MAX_JSON_DEPTH = 32
TOO_DEEP = f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels."


def _is_unencodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check(data: Any) -> None:
    """Walk the parsed document without recursion: refuse it when it nests deeper than
    MAX_JSON_DEPTH or when a string or key holds an unpaired surrogate."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if _is_unencodable(value):
                raise ParseError(UNPAIRED_SURROGATE)
        elif isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise ParseError(TOO_DEEP)
            if isinstance(value, dict):
                for key, item in value.items():
                    if _is_unencodable(key):
                        raise ParseError(UNPAIRED_SURROGATE)
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)


class StrictJSONParser(JSONParser):
    """JSON whose every string and key is valid Unicode, nested at most MAX_JSON_DEPTH deep.

    JSON may spell a lone surrogate ("\\ud800"), which Python decodes but UTF-8 cannot encode:
    such text can be neither stored nor sent back, so an error message that quoted it (an unknown
    choice, an unknown key) failed with a 500 (found by the API fuzzer). It is a 400 here instead,
    before any field sees it.

    A document nested thousands of levels deep made the decoder raise RecursionError (a 500,
    even before signing in, on the token endpoint); it is a 400 too, and so is anything deeper
    than MAX_JSON_DEPTH that the decoder could still read.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(TOO_DEEP) from exc
        _check(data)
        return data


FHIR_JSON = "application/fhir+json"


class BoundedJSONParser(StrictJSONParser):
    """StrictJSONParser that also refuses a body larger than settings.FHIR_MAX_BUNDLE_BYTES.

    Django bounds `request.body` (DATA_UPLOAD_MAX_MEMORY_SIZE), but DRF's parsers read the stream
    itself; a FHIR Bundle is the one body of this API that may be large, so it is bounded here
    before it is decoded."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.FHIR_MAX_BUNDLE_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise ParseError(f"The document is larger than {limit} bytes.")
        return super().parse(io.BytesIO(raw), media_type, parser_context)


class FhirJSONParser(BoundedJSONParser):
    """FHIR's JSON media type, with the same limits as every JSON body."""

    media_type = FHIR_JSON
