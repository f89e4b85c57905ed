"""The meeting packet as a PDF (fpdf2, pure Python): a cover with the agenda, then one case per
page with the same sections as the printable packet page.

Core PDF fonts only (no font files to ship), so text is reduced to Latin-1: dashes and arrows
become ASCII, anything else unknown a '?'. The page is the source of truth; this is its download.
"""

from __future__ import annotations

import io
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from fpdf import FPDF

from recommendations.summaries.selectors import PacketEntry

REPLACEMENTS = {
    "–": "-",
    "—": "-",
    "→": "->",
    "›": ">",
    "≥": ">=",
    "≤": "<=",
    "’": "'",
    "‘": "'",
    "“": '"',
    "”": '"',
    "…": "...",
    "•": "-",
    "×": "x",
}


def _latin1(value: Any) -> str:
    text = "" if value is None else str(value)
    for old, new in REPLACEMENTS.items():
        text = text.replace(old, new)
    return text.encode("latin-1", "replace").decode("latin-1")


def _yes_no(value) -> str:
    return {True: "yes", False: "no"}.get(value, "not recorded")


class PacketPdf(FPDF):
    def __init__(self, title: str):
        super().__init__(format="A4")
        self.packet_title = _latin1(title)
        self.set_auto_page_break(auto=True, margin=16)
        self.set_margins(14, 14, 14)

    def header(self) -> None:
        self.set_font("Helvetica", "", 8)
        self.set_text_color(90)
        self.cell(0, 5, self.packet_title, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(90)
        self.cell(
            0,
            5,
            f"Confidential: patient data for the board only.  Page {self.page_no()}/{{nb}}",
            align="C",
        )
        self.set_text_color(0)

    # Building blocks ---------------------------------------------------------------------------

    def heading(self, text: str, size: int = 12) -> None:
        self.ln(1.5)
        self.set_font("Helvetica", "B", size)
        self.multi_cell(0, size * 0.5, _latin1(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(0.5)

    def para(self, text: str, *, bold: bool = False, size: int = 9) -> None:
        if not text:
            return
        self.set_font("Helvetica", "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, _latin1(text), new_x="LMARGIN", new_y="NEXT")

    def fact(self, label: str, value: str) -> None:
        self.set_font("Helvetica", "B", 9)
        self.cell(40, 4.5, _latin1(label))
        self.set_font("Helvetica", "", 9)
        self.multi_cell(0, 4.5, _latin1(value or "-"), new_x="LMARGIN", new_y="NEXT")

    def bullets(self, lines: list[str]) -> None:
        for line in lines:
            self.para(f"- {line}")


def _brief(pdf: PacketPdf, c: dict) -> None:
    p, e, n, perf, pain, goals = (
        c["primary"],
        c["extent"],
        c["neuro"],
        c["performance"],
        c["pain"],
        c["goals"],
    )
    proven = {True: ", tissue-proven", False: ", not tissue-proven"}.get(
        p["histology_confirmed"], ""
    )
    pdf.fact("Primary", f"{p['label']}{' - ' + p['histology'] if p['histology'] else ''}{proven}")
    levels = ", ".join(lesion["level"] for lesion in e["lesions"]) or "no lesion recorded"
    pdf.fact(
        "Extent",
        f"{levels}; vertebral bodies {e['vertebral_body_mets'] or '-'}, extraspinal bone "
        f"{e['extraspinal_bone_mets'] or '-'}, visceral {e['visceral_mets'] or '-'}, "
        f"brain {e['brain_mets'] or '-'}",
    )
    pdf.fact(
        "Neurological",
        f"Frankel {n['frankel_grade'] or '-'}; {n['progression_label'] or 'progression -'}; "
        f"ambulatory {_yes_no(n['ambulatory'])}. {n['deficits']}",
    )
    pdf.fact(
        "Performance",
        f"KPS {perf['kps'] if perf['kps'] is not None else '-'}, ECOG "
        f"{perf['ecog'] if perf['ecog'] is not None else '-'}; fit for surgery "
        f"{_yes_no(perf['fit_for_surgery'])}",
    )
    score = f"{pain['score']}/10" if pain["score"] is not None else "-"
    mechanical = ", ".join(pain["mechanical_levels"])
    pdf.fact(
        "Pain",
        f"{score}{'; mechanical at ' + mechanical if mechanical else ''}. {pain['analgesics']}",
    )
    prior = "; ".join(
        f"{t['label']} {t['levels']} ({t['treated_on']})"
        + (f", {t['dose_gy']} Gy/{t['fractions']}" if t["dose_gy"] else "")
        for t in c["prior_treatments"]
    )
    pdf.fact("Prior treatment", prior or "None recorded")
    ranked = " > ".join(goals["ranked"]) or "Not recorded"
    words = f'. In their words: "{goals["notes"]}"' if goals["notes"] else ""
    pdf.fact("Goals", ranked + words)


def _summary(pdf: PacketPdf, s: dict) -> None:
    pdf.heading("Question for the board", 10)
    pdf.para(s["case"]["clinical_question"], bold=True, size=10)
    for flag in s["flags"]:
        pdf.para(f"! {flag['text']}", bold=True)
    pdf.heading("The case in brief", 10)
    _brief(pdf, s["case"])
    pdf.heading("Scores and the NOMS suggestion", 10)
    pdf.para("; ".join(f"{score['label']}: {score['value']}" for score in s["scores"]))
    for row in s["noms"]:
        if row["computable"]:
            unconfirmed = "" if row["confirmed"] else " (UNCONFIRMED row: confirm or override)"
            text = f"{row['level']}: SINS {row['sins']}, ESCC {row['escc']} -> {row['suggestion']}"
            pdf.para(text + unconfirmed)
        else:
            pdf.para(f"{row['level']}: NOMS not computable ({'; '.join(row['missing'])})")
    pdf.heading(f"Opinions ({len(s['opinions'])})", 10)
    for op in s["opinions"]:
        options = ", ".join(option["label"] for option in op["options"])
        extra = f", {op['regimen']}" if op["regimen"] else ""
        pdf.para(f"{op['discipline_label']} - {op['author']}", bold=True)
        pdf.para(
            f"{options}{extra}. Urgency {op['urgency_label']}, confidence {op['confidence_label']}."
        )
        pdf.para(op["rationale"])
    if not s["opinions"]:
        pdf.para("No opinion has been given yet.")
    if s["missing_opinions"]:
        pdf.para(
            "Missing opinions: " + ", ".join(m["label"] for m in s["missing_opinions"]), bold=True
        )
    pdf.heading("Where the opinions agree and disagree", 10)
    for entry in s["comparison"]:
        positions = "; ".join(
            f"{p['answer_label']} ({', '.join(w['label'] for w in p['opinions'])})"
            for p in entry["positions"]
        )
        noms = f" - NOMS: {', '.join(entry['noms_labels'])}" if entry["noms_labels"] else ""
        pdf.para(f"{entry['label']} [{entry['status']}]: {positions}{noms}")
    if not s["comparison"]:
        pdf.para("Nothing to compare yet.")
    pdf.heading("Questions to settle", 10)
    pdf.bullets([q["text"] for q in s["questions_to_settle"]] or ["None found."])


THUMBNAIL_MM = 40


def _key_images(pdf: PacketPdf, images, read_thumbnail) -> None:
    """The case's key-image thumbnails in a row (wrapping), each captioned with its number and
    kind; an image without a ready thumbnail is named instead."""
    ready = [image for image in images if image.preview_status == "ready" and image.thumbnail_name]
    if not images:
        return
    pdf.heading("Key images", 10)
    x0, y0 = pdf.l_margin, pdf.get_y()
    x, row_height = x0, 0.0
    for number, image in enumerate(images, start=1):
        if image not in ready:
            continue
        data = read_thumbnail(image)
        if data is None:
            continue
        if x + THUMBNAIL_MM > pdf.w - pdf.r_margin:
            x, y0 = x0, y0 + row_height + 6
            row_height = 0.0
        if y0 + THUMBNAIL_MM + 6 > pdf.h - pdf.b_margin:
            pdf.add_page()
            x, y0, row_height = x0, pdf.get_y(), 0.0
        placed = pdf.image(io.BytesIO(data), x=x, y=y0, w=THUMBNAIL_MM)
        height = placed.rendered_height
        pdf.set_xy(x, y0 + height + 0.5)
        pdf.set_font("Helvetica", "", 7)
        pdf.cell(THUMBNAIL_MM, 3.5, _latin1(f"{number}. {image.get_kind_display()}"))
        row_height = max(row_height, height + 4)
        x += THUMBNAIL_MM + 4
    pdf.set_xy(x0, y0 + row_height + 2)
    missing = [
        f"{number}. {image.get_kind_display()} (no preview)"
        for number, image in enumerate(images, start=1)
        if image not in ready
    ]
    if missing:
        pdf.para("; ".join(missing), size=8)


def packet_pdf(meeting, entries: list[PacketEntry], read_thumbnail=None) -> bytes:
    """The packet of `meeting` from `selectors.meeting_packet` entries, as PDF bytes.

    `read_thumbnail(attachment)` returns a key image's PNG thumbnail (or None); without it the
    packet has no images."""
    when = timezone.localtime(meeting.starts_at, ZoneInfo(meeting.board.time_zone))
    title = f"Meeting packet - {meeting.board.name} - {when:%a %d %b %Y %H:%M}"
    pdf = PacketPdf(title)
    pdf.add_page()
    pdf.heading("Meeting packet", 16)
    pdf.para(f"{meeting.board.name}, {when:%A %d %B %Y, %H:%M}", size=11)
    prepared = sum(1 for entry in entries if entry.summary is not None)
    pdf.para(f"{prepared} of {len(entries)} summaries prepared.")
    pdf.heading("Agenda", 12)
    for entry in entries:
        patient = entry.case.patient
        pdf.para(
            f"{entry.item.position}. {patient.family_name.upper()}, {patient.given_name} - "
            f"{entry.case.get_primary_site_display()}"
        )
    for entry in entries:
        patient = entry.case.patient
        pdf.add_page()
        pdf.heading(
            f"{entry.item.position}. {patient.family_name.upper()}, {patient.given_name}", 14
        )
        line = f"MRN {patient.mrn} - born {patient.date_of_birth:%d %b %Y}"
        if entry.summary is not None:
            line += f" - summary v{entry.summary.version}"
        pdf.para(line)
        if read_thumbnail is not None:
            _key_images(pdf, entry.key_images, read_thumbnail)
        if entry.withheld:
            pdf.para("Withheld: give your own opinion on this case to read its summary.")
        elif entry.summary is None:
            pdf.para("Not prepared yet.")
        else:
            if entry.stale:
                pdf.para("INPUTS CHANGED SINCE PREPARED", bold=True)
            _summary(pdf, entry.summary.content)
    return bytes(pdf.output())
