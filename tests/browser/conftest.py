"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Browser tests are marked `browser` and `slow`; tests/services.py skips them, with the reason, when
Chromium or Playwright is missing off CI. A failing test leaves a full-page screenshot in
test-artifacts/screenshots/<test name>.png.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _screenshot_path(config: pytest.Config, name: str) -> Path:
    folder = config.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"


@pytest.fixture
def browser_page(request, monkeypatch):
    """A fresh Chromium page; screenshot on failure."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an asyncio loop in this thread, and Django refuses synchronous
    # database calls while a loop runs. The test's own ORM calls are ordinary synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            report = getattr(request.node, "rep_call", None)
            if report is None or report.failed:
                try:
                    page.screenshot(
                        path=_screenshot_path(request.config, request.node.name), full_page=True
                    )
                except Exception as exc:  # a failed screenshot must not hide the test's own failure
                    print(f"screenshot failed: {exc}")
            context.close()
            browser.close()


@pytest.fixture
def screenshot(request):
    """screenshot(page, suffix="") saves a full-page screenshot named after the test."""

    def take(page, suffix: str = "") -> Path:
        path = _screenshot_path(
            request.config, request.node.name + (f"-{suffix}" if suffix else "")
        )
        page.screenshot(path=path, full_page=True)
        return path

    return take


@pytest.fixture
def numbered_screenshot(request):
    """numbered_screenshot(page, prefix, name) saves <prefix>-NN-<name>.png, NN counting the calls
    of this test from 01: a journey's steps, in order, for people to look through."""
    taken = 0

    def take(page, prefix: str, name: str) -> Path:
        nonlocal taken
        taken += 1
        path = _screenshot_path(request.config, f"{prefix}-{taken:02d}-{name}")
        page.screenshot(path=path, full_page=True)
        return path

    return take


# The password of every user made by tests.factories.UserFactory.
PASSWORD = "pw-test-1234"


def sign_in(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real form; returns once the page shows the signed-in header."""
    from playwright.sync_api import expect

    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_out(page) -> None:
    """Sign out with the header's button; returns on the sign-in page."""
    from playwright.sync_api import expect

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()


def emailed_link(site: str, path_pattern: str, *, to: str | None = None) -> str:
    """The first absolute link `site` + `path_pattern` (a regular expression of the path) in an
    e-mail of django.core.mail.outbox, sent to `to` when given. Waits up to five seconds: pages
    send their e-mails once the request's transaction commits, in the live server's thread."""
    import time

    from django.core import mail

    for _ in range(50):
        for message in mail.outbox:
            if to is not None and to not in message.to:
                continue
            found = re.search(rf"{re.escape(site)}{path_pattern}", message.body)
            if found:
                return found.group(0)
        time.sleep(0.1)
    raise AssertionError(f"no e-mail{f' to {to}' if to else ''} links to {path_pattern}")
