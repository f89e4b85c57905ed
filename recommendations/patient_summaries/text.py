"""How a summary's stored text is read back: its tiny markup as sections, and dates in the
patient's language.

The body is plain text the clinician can edit: a line starting "## " is a heading, "!! " the
warning-signs heading, "- " a list item; blank lines separate paragraphs. The page and the PDF
both show it through `body_sections`, so they never disagree on what a line means.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import dateformat, timezone

# Django date formats; Spanish needs the "de" escaped.
DATE_FORMATS = {"en": "l j F Y", "es": r"l j \d\e F \d\e Y"}
LONG_DATE_FORMATS = {"en": "j F Y", "es": r"j \d\e F \d\e Y"}


def day_date(value: dt.date, language: str) -> str:
    """ "Tuesday 27 November 2026" / "martes 27 de noviembre de 2026"; call under override."""
    return dateformat.format(value, DATE_FORMATS.get(language, DATE_FORMATS["en"]))


def long_date(moment: dt.datetime | dt.date, language: str) -> str:
    """ "27 November 2026" / "27 de noviembre de 2026" (local time); call under override."""
    if isinstance(moment, dt.datetime):
        moment = timezone.localtime(moment).date()
    return dateformat.format(moment, LONG_DATE_FORMATS.get(language, LONG_DATE_FORMATS["en"]))


@dataclass
class Block:
    kind: str  # "p" or "ul" (the PDF adds "term")
    lines: list[str]


@dataclass
class Section:
    heading: str
    alert: bool
    blocks: list[Block] = field(default_factory=list)


def body_sections(body: str) -> list[Section]:
    """The body as sections of paragraphs and lists (for the page and the PDF)."""
    sections: list[Section] = []
    current = Section(heading="", alert=False)
    paragraph: list[str] = []

    def close_paragraph() -> None:
        if paragraph:
            current.blocks.append(Block("p", [" ".join(paragraph)]))
            paragraph.clear()

    for raw in body.splitlines():
        line = raw.strip()
        if line.startswith(("## ", "!! ")):
            close_paragraph()
            if current.heading or current.blocks:
                sections.append(current)
            current = Section(heading=line[3:].strip(), alert=line.startswith("!!"))
        elif line.startswith("- "):
            close_paragraph()
            if current.blocks and current.blocks[-1].kind == "ul":
                current.blocks[-1].lines.append(line[2:].strip())
            else:
                current.blocks.append(Block("ul", [line[2:].strip()]))
        elif not line:
            close_paragraph()
        else:
            paragraph.append(line)
    close_paragraph()
    if current.heading or current.blocks:
        sections.append(current)
    return sections
