"""Every e-mail the service sends has a plain-text and an HTML part, and its links are absolute,
starting with the configured site address (settings.SITE_URL)."""

from __future__ import annotations

import re

import pytest

from scheduling import notifications
from scheduling.models import Notification
from tumorboard.mail import absolute_url

pytestmark = pytest.mark.django_db

SITE = "https://board.example.org"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def assert_both_parts_with_absolute_links(message, *, link: str) -> None:
    """The text and the HTML part both carry `link`, and no link of either is relative."""
    assert link.startswith(SITE + "/")
    assert link in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert f'href="{link}"' in html
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs and all(href.startswith(SITE) for href in hrefs), hrefs
    assert not re.search(r"(?<![\w/.:])/[a-z]+/[0-9a-f-]{36}/", message.body)  # no bare paths


@pytest.mark.parametrize("kind", Notification.Kind.values)
def test_every_notification_kind_is_emailed_with_both_parts_and_absolute_links(
    kind, cast, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(
            recipient=cast.surgeon,
            kind=kind,
            dedupe_key=f"{kind}:1",
            subject="Something to look at",
            body="First paragraph.\n\nSecond paragraph.",
            link="/meetings/0b7d3a38-5d43-4d55-9c5e-2f3b6cb0a1a2/",
        )
    [message] = mailoutbox
    assert_both_parts_with_absolute_links(
        message, link=f"{SITE}/meetings/0b7d3a38-5d43-4d55-9c5e-2f3b6cb0a1a2/"
    )
    assert "<p>Second paragraph.</p>" in message.alternatives[0][0]


def test_a_notification_without_a_link_still_has_both_parts(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(
            recipient=cast.surgeon, kind="general", dedupe_key="g:1", subject="S", body="B"
        )
    [message] = mailoutbox
    assert message.body == "B\n"
    assert "<p>B</p>" in message.alternatives[0][0]


def test_an_already_absolute_link_is_kept(cast):
    notification = Notification(link="https://elsewhere.example.org/x/")
    assert notifications.email_link(notification) == "https://elsewhere.example.org/x/"


@pytest.mark.parametrize("path", ["meetings/", "//evil.example.org/", "https://x.org/"])
def test_absolute_url_takes_only_a_site_path(path):
    with pytest.raises(ValueError, match="single '/'"):
        absolute_url(path)
