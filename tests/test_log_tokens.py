"""Feed, summary-link and invitation tokens never reach a log line.

Through the project's own console handler (settings.LOGGING), as a server writes it: a revoked
calendar feed, a used-up summary link and an unknown invitation answer 404, which Django logs with
the path ("Not Found: /calendar/<token>.ics"); runserver logs each request line. The gunicorn
access log, if an operator turns it on, has no path at all.
"""

from __future__ import annotations

import io
import logging
import runpy
from pathlib import Path

import pytest
from django.conf import settings

from tumorboard.log_filters import MaskUrlTokens, mask_url_tokens

ROOT = Path(__file__).resolve().parent.parent
SECRET = "Zq9SecretTok3n_abcdefghijklmnopqrstuv"


@pytest.fixture
def console():
    """What the project's console handler writes, while the test runs."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, MaskUrlTokens) for f in h.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


@pytest.mark.django_db
def test_not_found_warnings_carry_no_token(client, console):
    for path in (f"/calendar/{SECRET}.ics", f"/s/{SECRET}/", f"/join/{SECRET}/"):
        client.get(path)
    written = console.getvalue()
    assert "Not Found: /calendar/[token].ics" in written  # the warning is still written
    assert SECRET not in written


def test_runserver_request_lines_carry_no_token(console):
    logging.getLogger("django.server").info(
        '"%s" %s %s', f"GET /calendar/{SECRET}.ics HTTP/1.1", 200, 512
    )
    written = console.getvalue()
    assert '"GET /calendar/[token].ics HTTP/1.1" 200 512' in written
    assert SECRET not in written


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"/calendar/{SECRET}.ics", "/calendar/[token].ics"),
        (f"https://x.org/s/{SECRET}/", "https://x.org/s/[token]/"),
        (f"/join/{SECRET}/?a=1", "/join/[token]/?a=1"),
        (
            f"/accounts/login/?next=%2Fjoin%2F{SECRET}%2F",
            "/accounts/login/?next=%2Fjoin%2F[token]%2F",
        ),
        (
            "/account/password/reset/MQ/cz1k2a-0f3e9a8b7c6d5e4f3a2b/",
            "/account/password/reset/MQ/[token]/",
        ),
        ("/account/password/reset/sent/", "/account/password/reset/sent/"),  # untouched
        ("/cases/3f1c/ and /meetings/9/", "/cases/3f1c/ and /meetings/9/"),  # untouched
    ],
)
def test_mask_url_tokens(text, masked):
    assert mask_url_tokens(text) == masked


def test_the_gunicorn_access_log_has_no_path():
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    atoms = dict.fromkeys("htmsBMa", "-")
    atoms |= {"r": f"GET /s/{SECRET}/ HTTP/1.1", "U": f"/s/{SECRET}/", "q": f"t={SECRET}"}
    line = conf["access_log_format"] % atoms
    assert SECRET not in line
    assert "mask_url_tokens" in settings.LOGGING["handlers"]["console"]["filters"]
