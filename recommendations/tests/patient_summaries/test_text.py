"""The stored body read back as sections (text): the page and the PDF show the same structure."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from recommendations.patient_summaries.text import Block, Section, body_sections, long_date


def test_body_sections_read_headings_warning_lists_and_paragraphs():
    body = (
        "Opening line.\n\n"
        "## What happens next\n- First step\n- Second step\nA paragraph\nthat goes on.\n\n"
        "!! Warning signs: get help now\n- You cannot walk\n"
    )
    assert body_sections(body) == [
        Section(heading="", alert=False, blocks=[Block("p", ["Opening line."])]),
        Section(
            heading="What happens next",
            alert=False,
            blocks=[
                Block("ul", ["First step", "Second step"]),
                Block("p", ["A paragraph that goes on."]),
            ],
        ),
        Section(
            heading="Warning signs: get help now",
            alert=True,
            blocks=[Block("ul", ["You cannot walk"])],
        ),
    ]
    assert body_sections("") == []


def test_long_date_speaks_the_language():
    day = dt.date(2026, 11, 27)
    with translation.override("en"):
        assert long_date(day, "en") == "27 November 2026"
    with translation.override("es"):
        assert long_date(day, "es") == "27 de noviembre de 2026"
