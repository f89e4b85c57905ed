"""A patient summary as a printable PDF (fpdf2, pure Python).

Large type (14 pt body), the warning signs boxed in red, the glossary at the end. The font ships
with the project (static/fonts, DejaVu Sans, free to redistribute), so Spanish accents print on any
server without a system font. The document's metadata names the board, never the patient: no name,
no MRN, no date of birth.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from recommendations.models import PatientSummary
from recommendations.patient_summaries.text import Block, Section, body_sections, long_date

FONT_DIR = settings.BASE_DIR / "static" / "fonts"
FONT = "DejaVuSans"
BODY_PT = 14
HEADING_PT = 18
LINE_MM = 7.5
ALERT_RGB = (164, 22, 26)  # the pages' --danger colour
ALERT_BG_RGB = (253, 232, 232)  # --danger-bg
MARGIN_MM = 18
BULLET_MM = 7
GAP_MM = 2
PAD_MM = 6
INK_RGB = (27, 31, 36)


class _SummaryPdf(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, size=10)
        self.set_text_color(*INK_RGB)
        self.cell(0, 6, f"{self.footer_text}  ·  {self.page_no()}/{{nb}}", align="C")


def _text(pdf: FPDF, width: float, text: str, **kwargs):
    return pdf.multi_cell(width, LINE_MM, text, align="L", new_x="LMARGIN", new_y="NEXT", **kwargs)


def _text_height(pdf: FPDF, width: float, text: str, markdown: bool = False) -> float:
    return _text(pdf, width, text, markdown=markdown, dry_run=True, output="HEIGHT")


def _block_height(pdf: FPDF, block: Block) -> float:
    if block.kind == "ul":
        width = pdf.epw - BULLET_MM
        return sum(_text_height(pdf, width, line) for line in block.lines) + GAP_MM
    return _text_height(pdf, pdf.epw, block.lines[0], markdown=block.kind == "term") + GAP_MM


def _write_block(pdf: FPDF, block: Block) -> None:
    if block.kind == "ul":
        for line in block.lines:
            pdf.set_x(pdf.l_margin)
            pdf.cell(BULLET_MM, LINE_MM, "•", align="C")
            _text(pdf, pdf.epw - BULLET_MM, line)
    else:
        _text(pdf, pdf.epw, block.lines[0], markdown=block.kind == "term")
    pdf.ln(GAP_MM)


def _room_left(pdf: FPDF) -> float:
    return pdf.page_break_trigger - pdf.get_y()


def _heading(pdf: FPDF, text: str, *, colour=INK_RGB) -> None:
    pdf.set_font(FONT, "B", HEADING_PT)
    pdf.set_text_color(*colour)
    pdf.multi_cell(pdf.epw, 9, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK_RGB)
    pdf.ln(1)


def _section(pdf: FPDF, section: Section) -> None:
    pdf.set_font(FONT, "", BODY_PT)
    first = _block_height(pdf, section.blocks[0]) if section.blocks else 0
    if section.heading and _room_left(pdf) < 12 + min(first, 40):
        pdf.add_page()  # a heading never ends a page alone
    if section.heading:
        pdf.ln(2)
        _heading(pdf, section.heading)
    pdf.set_font(FONT, "", BODY_PT)
    for block in section.blocks:
        _write_block(pdf, block)


def _alert_section(pdf: FPDF, section: Section) -> None:
    """The warning signs: boxed in red, bold, kept on one page."""
    pdf.set_font(FONT, "B", BODY_PT)
    pdf.set_margins(pdf.l_margin + PAD_MM, pdf.t_margin, pdf.r_margin + PAD_MM)
    height = 12 + sum(_block_height(pdf, block) for block in section.blocks) + 2 * PAD_MM
    pdf.set_margins(pdf.l_margin - PAD_MM, pdf.t_margin, pdf.r_margin - PAD_MM)
    if _room_left(pdf) < height + 4:
        pdf.add_page()
    pdf.ln(3)
    top = pdf.get_y()
    pdf.set_draw_color(*ALERT_RGB)
    pdf.set_fill_color(*ALERT_BG_RGB)
    pdf.set_line_width(0.8)
    pdf.rect(pdf.l_margin, top, pdf.epw, height, style="DF")
    pdf.set_fill_color(*ALERT_RGB)
    pdf.rect(pdf.l_margin, top, 3, height, style="F")
    pdf.set_margins(pdf.l_margin + PAD_MM, pdf.t_margin, pdf.r_margin + PAD_MM)
    pdf.set_xy(pdf.l_margin, top + PAD_MM)
    _heading(pdf, section.heading, colour=ALERT_RGB)
    pdf.set_font(FONT, "B", BODY_PT)
    for block in section.blocks:
        _write_block(pdf, block)
    pdf.set_margins(pdf.l_margin - PAD_MM, pdf.t_margin, pdf.r_margin - PAD_MM)
    pdf.set_xy(pdf.l_margin, top + height + 3)


def summary_pdf(summary: PatientSummary) -> bytes:
    """The summary as PDF bytes, in the summary's language."""
    with translation.override(summary.language):
        pdf = _SummaryPdf(format="A4")
        pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        pdf.set_auto_page_break(True, margin=20)
        pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        pdf.set_title(summary.title)
        pdf.set_author(_("Spine Tumour Board"))
        pdf.set_subject(_("Your care plan, in plain words"))
        pdf.set_creator("tumorboard")
        pdf.set_lang(summary.language)
        pdf.alias_nb_pages()
        shared = long_date(summary.released_at or summary.updated_at, summary.language)
        pdf.footer_text = _("Shared with you on %(date)s") % {"date": shared}
        pdf.add_page()
        pdf.set_text_color(*INK_RGB)
        pdf.set_font(FONT, "B", HEADING_PT + 4)
        pdf.multi_cell(pdf.epw, 10, summary.title, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)

        for section in body_sections(summary.body):
            if section.alert and section.blocks:
                _alert_section(pdf, section)
            else:
                _section(pdf, section)

        if summary.glossary:
            words = Section(
                heading=_("Words we used"),
                alert=False,
                blocks=[
                    Block("term", [f"**{entry.get('term', '')}**: {entry.get('definition', '')}"])
                    for entry in summary.glossary
                ],
            )
            _section(pdf, words)
        return bytes(pdf.output())
