"""PDF handout of a collection: one to two A4 pages per case, embedded DejaVu, German metadata."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF, ViewerPreferences
from fpdf.enums import XPos, YPos

from .keypoints import trim_paragraphs
from .model import GENERATOR, CollectionExport, ExportCase

FONT_DIR = Path(__file__).parent / "fonts"
FAMILY = "DejaVu"
INK, MUTED, LINK, RULE = (27, 31, 36), (74, 85, 99), (11, 79, 138), (201, 208, 218)
MAX_SOURCES = 8
MAX_PAGES_PER_CASE = 2
# Characters of Ergebnisse and of Lessons Learned tried in turn until a case fits on two pages.
BUDGETS = (1400, 1000, 700, 400, 0)


class Handout(FPDF):
    """A4 portrait document with a running header and "Seite x von y" in the footer."""

    def __init__(self, heading: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.heading = heading
        self.add_font(FAMILY, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(20, 20, 20)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_text_color(*INK)

    def header(self):
        if self.page_no() == 1:
            return
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(4)
        self.set_text_color(*INK)

    def footer(self):
        self.set_y(-13)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"Seite {self.page_no()} von {{nb}}", align="R")
        self.set_text_color(*INK)


def render_pdf(export: CollectionExport) -> bytes:
    """Render the collection as a PDF handout and return its bytes."""
    # Find how much text fits each case on two pages, then where each case starts (for the
    # linked contents list on the cover), then render the final document.
    scratch = Handout("")
    try:
        budgets = [_fitting_budget(scratch, case, len(export.cases)) for case in export.cases]
    finally:
        _close_fonts(scratch)
    draft, first_pages = _render(export, budgets, None)
    _close_fonts(draft)
    pdf, _ = _render(export, budgets, first_pages)
    try:
        return bytes(pdf.output())
    finally:
        _close_fonts(pdf)


def _close_fonts(pdf: Handout) -> None:
    """Close the font files fontTools keeps open for lazy loading."""
    for font in pdf.fonts.values():
        ttfont = getattr(font, "ttfont", None)
        if ttfont is not None:
            ttfont.close()


def _fitting_budget(scratch: Handout, case: ExportCase, total: int) -> int:
    """Return the most characters of Ergebnisse and Lessons Learned that fit on two pages."""
    for budget in BUDGETS:
        scratch.add_page()
        first = scratch.page_no()
        _case(scratch, case, total, budget)
        if scratch.page_no() - first + 1 <= MAX_PAGES_PER_CASE:
            return budget
    return 0


def _render(export: CollectionExport, budgets: list[int],
            first_pages: list[int] | None) -> tuple[Handout, list[int]]:
    pdf = Handout(f"{export.title} – Handout")
    pdf.set_title(export.title)
    pdf.set_lang("de-DE")
    pdf.set_author(GENERATOR)
    pdf.set_creator(GENERATOR)
    pdf.set_subject("Handout mit Praxisbeispielen kommunaler digitaler Zwillinge")
    pdf.set_keywords("Digitaler Zwilling, Smart City, Praxisbeispiele, Kommunen")
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    _cover(pdf, export, first_pages)
    starts = []
    for case, budget in zip(export.cases, budgets, strict=True):
        pdf.add_page()
        starts.append(pdf.page_no())
        _case(pdf, case, len(export.cases), budget)
    return pdf, starts


def _heading(pdf: Handout, text: str, size: int = 12) -> None:
    pdf.ln(2)
    pdf.set_font(FAMILY, "B", size)
    pdf.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    pdf.set_font(FAMILY, "", 10)


def _paragraph(pdf: Handout, text: str, size: int = 10, color=INK) -> None:
    pdf.set_font(FAMILY, "", size)
    pdf.set_text_color(*color)
    pdf.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.ln(1.5)


def _bullets(pdf: Handout, items: list[str]) -> None:
    pdf.set_font(FAMILY, "", 10)
    for item in items:
        pdf.cell(5, 5, "•")
        pdf.multi_cell(0, 5, item, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)


def _link_line(pdf: Handout, url: str) -> None:
    pdf.set_font(FAMILY, "", 9)
    pdf.set_text_color(*LINK)
    pdf.multi_cell(0, 4.5, url, align="L", link=url, wrapmode="CHAR",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)


def _cover(pdf: Handout, export: CollectionExport, first_pages: list[int] | None) -> None:
    pdf.add_page()
    pdf.start_section(export.title)
    pdf.set_font(FAMILY, "", 10)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 6, f"Handout · {GENERATOR}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.ln(6)
    pdf.set_font(FAMILY, "B", 22)
    pdf.multi_cell(0, 10, export.title, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    if export.date_label:
        _paragraph(pdf, export.date_label, 12, MUTED)
    if export.description:
        _paragraph(pdf, export.description, 11)
    _heading(pdf, f"Inhalt: {len(export.cases)} Praxisbeispiele", 13)
    for i, case in enumerate(export.cases):
        page = first_pages[i] if first_pages else 0
        link = pdf.add_link(page=page) if page else None
        pdf.set_font(FAMILY, "B", 10)
        pdf.cell(pdf.epw - 18, 5, "")
        pdf.set_font(FAMILY, "", 9)
        pdf.cell(18, 5, f"S. {page}" if page else "", align="R", link=link or "")
        pdf.set_x(pdf.l_margin)
        pdf.set_font(FAMILY, "B", 10)
        pdf.multi_cell(pdf.epw - 18, 5, f"{case.position}. {case.title}", align="L", link=link,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        _paragraph(pdf, f"{case.place} · {case.status}", 9, MUTED)
    if export.missing:
        _paragraph(pdf, "Nicht mehr veröffentlicht und daher nicht enthalten: "
                   + ", ".join(export.missing), 9, MUTED)
    pdf.ln(4)
    _paragraph(pdf, export.colophon, 8, MUTED)
    if export.share_url:
        _link_line(pdf, export.share_url)


def _case(pdf: Handout, case: ExportCase, total: int, budget: int) -> None:
    pdf.start_section(case.title)
    _paragraph(pdf, f"Praxisbeispiel {case.position} von {total}", 9, MUTED)
    pdf.set_font(FAMILY, "B", 17)
    pdf.multi_cell(0, 8, case.title, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    _facts(pdf, case.facts)
    if case.note:
        _heading(pdf, "Notiz der Moderation")
        _paragraph(pdf, case.note)
    _heading(pdf, "Zusammenfassung")
    _paragraph(pdf, case.summary)
    results, lessons = trim_paragraphs(case.results, budget), trim_paragraphs(case.lessons, budget)
    if results:
        _heading(pdf, "Ergebnisse")
        for text in results:
            _paragraph(pdf, text)
    elif case.key_points:
        _heading(pdf, "Kernpunkte")
        _bullets(pdf, case.key_points)
    if lessons:
        _heading(pdf, "Lessons Learned")
        for text in lessons:
            _paragraph(pdf, text)
    _heading(pdf, "Quellen")
    for url in case.sources[:MAX_SOURCES]:
        _link_line(pdf, url)
    if len(case.sources) > MAX_SOURCES:
        _paragraph(pdf, f"… und {len(case.sources) - MAX_SOURCES} weitere (siehe Fallseite)", 9)
    if case.url:
        pdf.ln(1.5)
        _paragraph(pdf, "Fallseite im Praxisatlas:", 9, MUTED)
        _link_line(pdf, case.url)


def _facts(pdf: Handout, facts: list[tuple[str, str]]) -> None:
    label_width = 38
    for label, value in facts:
        pdf.set_font(FAMILY, "B", 9)
        pdf.cell(label_width, 5, label)
        pdf.set_font(FAMILY, "", 9)
        pdf.multi_cell(0, 5, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
