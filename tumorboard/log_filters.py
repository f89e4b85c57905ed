"""Logging filters: secrets that travel in URLs never reach a log line.

A calendar feed (/calendar/<token>.ics), a patient's single-use summary link (/s/<token>/), an
invitation (/join/<token>/) and a password-reset link (/account/password/reset/<uid>/<token>/)
carry their credential in the path. Django logs paths: "Not Found:
/calendar/….ics" from django.request for a revoked feed, the request line from runserver's
django.server. `MaskUrlTokens` sits on the handlers (settings.LOGGING) and replaces the token with
"[token]" in every record they write, whichever logger it came from, also where the path is
percent-encoded (a login redirect's ?next=).
"""

from __future__ import annotations

import logging
import re

MASK = "[token]"
# Tokens are URL-safe base64 (secrets.token_urlsafe).
_SEP = r"(?:/|%2F)"
TOKEN_IN_URL = re.compile(
    rf"(?P<head>{_SEP}(?:calendar{_SEP}|s{_SEP}|join{_SEP}|reset{_SEP}[A-Za-z0-9_-]+{_SEP}))"
    r"(?P<token>[A-Za-z0-9_-]+)",
    re.IGNORECASE,
)


def mask_url_tokens(text: str) -> str:
    """`text` with the token of every feed, summary-link and invitation path replaced."""
    return TOKEN_IN_URL.sub(lambda match: match["head"] + MASK, text)


class MaskUrlTokens(logging.Filter):
    """Rewrites a record whose message carries a tokened URL; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_url_tokens(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
