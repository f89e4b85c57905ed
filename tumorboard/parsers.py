"""Request parsers for the API."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

UNPAIRED_SURROGATE = "JSON parse error - a string holds an unpaired UTF-16 surrogate escape."


def _has_unpaired_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(
            _has_unpaired_surrogate(k) or _has_unpaired_surrogate(v) for k, v in value.items()
        )
    if isinstance(value, list):
        return any(_has_unpaired_surrogate(item) for item in value)
    return False


class StrictJSONParser(JSONParser):
    """JSON whose every string and key is valid Unicode.

    JSON may spell a lone surrogate ("\\ud800"), which Python decodes but UTF-8 cannot encode:
    such text can be neither stored nor sent back, so an error message that quoted it (an unknown
    choice, an unknown key) failed with a 500 (found by the API fuzzer). It is a 400 here instead,
    before any field sees it.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if _has_unpaired_surrogate(data):
            raise ParseError(UNPAIRED_SURROGATE)
        return data
