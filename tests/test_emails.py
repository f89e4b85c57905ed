"""Every e-mail the service sends has a plain-text and an HTML part, and its links are absolute,
starting with the configured site address (settings.SITE_URL)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from cases import invitations
from scheduling import notifications
from scheduling.models import Notification
from tests.factories import CaseFactory, PatientFactory
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


def test_the_patient_invitation_is_emailed_with_both_parts_and_an_absolute_link(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    case = CaseFactory(board=cast.board, patient=PatientFactory())
    with django_capture_on_commit_callbacks(execute=True):
        invitations.patient_invite(case=case, by=cast.coordinator, email="p@example.org")
    [message] = mailoutbox
    link = re.search(rf"{SITE}/join/\S+/", message.body).group(0)
    assert_both_parts_with_absolute_links(message, link=link)


def test_every_email_template_has_a_text_and_an_html_part():
    """A kind of e-mail added later cannot forget one of its parts."""
    folder = Path(django_settings.BASE_DIR) / "templates" / "emails"
    names = {path.stem for path in folder.iterdir() if path.suffix in (".txt", ".html")}
    names.discard("base")
    assert names == {"notification", "patient_invitation", "password_reset"}
    for name in names:
        assert (folder / f"{name}.txt").exists() and (folder / f"{name}.html").exists()
