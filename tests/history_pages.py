"""What a history page must never show people (issue 14): a Python dict or list, `True`/`False`,
an ISO timestamp or date, a username."""

from __future__ import annotations

import re

from django.utils.html import strip_tags

ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def visible_section(page: str, section_id: str) -> str:
    """The text a person reads in the section (attributes such as <time datetime> left out)."""
    start = page.index(f'id="{section_id}"')
    end = page.find("</section>", start)
    return strip_tags(page[start:end])


def assert_in_the_clinics_words(text: str, *usernames: str) -> None:
    for token in ("{", "}", "[", "]", "True", "False", "None"):
        assert token not in text, f"{token!r} in: {text}"
    assert not ISO.search(text), ISO.search(text)
    for username in usernames:
        assert username not in text, f"username {username!r} in: {text}"
