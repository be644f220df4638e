"""PPTX deck of a collection: editable text, neutral 16:9 design, speaker notes per case."""

from __future__ import annotations

import io

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.lang import MSO_LANGUAGE_ID
from pptx.enum.text import MSO_AUTO_SIZE, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from .model import GENERATOR, CollectionExport, ExportCase

WIDTH, HEIGHT = Emu(12192000), Emu(6858000)  # 33.867 cm × 19.05 cm, PowerPoint's 16:9
MARGIN = Inches(0.6)
MUTED = RGBColor(0x4A, 0x55, 0x63)
LAYOUT_TITLE, LAYOUT_CONTENT = 0, 1
CASES_PER_SOURCE_SLIDE = 6


def slide_count(export: CollectionExport) -> int:
    """Return how many slides the deck has: title, one per case, the source slides."""
    return 1 + len(export.cases) + _source_slide_count(export)


def _source_slide_count(export: CollectionExport) -> int:
    return max(1, -(-len(export.cases) // CASES_PER_SOURCE_SLIDE))


def render_pptx(export: CollectionExport) -> bytes:
    """Render the collection as a PPTX deck and return its bytes."""
    prs = Presentation()
    _widen_to_16_9(prs)
    _german_defaults(prs)
    total = slide_count(export)
    _title_slide(prs, export)
    for case in export.cases:
        _case_slide(prs, case, case.position + 1, total)
    _source_slides(prs, export, total)
    props = prs.core_properties
    props.title = export.title
    props.subject = "Praxisbeispiele für ein Webinar"
    props.author = GENERATOR
    props.language = "de-DE"
    props.keywords = "Digitaler Zwilling; Smart City; Praxisbeispiele"
    props.comments = export.colophon
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()


def _widen_to_16_9(prs) -> None:
    """Set a 16:9 slide size and stretch master and layout placeholders to match."""
    factor = WIDTH / prs.slide_width
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    # PowerPoint's "Breitbild" has no size type; the template's "screen4x3" would mislabel it.
    prs.part._element.sldSz.attrib.pop("type", None)
    shapes = list(prs.slide_master.shapes)
    for layout in prs.slide_layouts:
        shapes.extend(layout.placeholders)
    for shape in shapes:
        if shape.left is not None and shape.width is not None:
            shape.left, shape.width = Emu(int(shape.left * factor)), Emu(int(shape.width * factor))


def _german_defaults(prs) -> None:
    """Mark the deck's default text as German, so spell checking uses German."""
    for node in prs.part._element.iter():
        if node.tag.endswith("}defRPr") and node.get("lang"):
            node.set("lang", "de-DE")


def _runs(paragraph, text: str, size: int | None = None, bold: bool = False,
          color: RGBColor | None = None, link: str = ""):
    run = paragraph.add_run()
    run.text = text
    font = run.font
    font.language_id = MSO_LANGUAGE_ID.GERMAN
    if size:
        font.size = Pt(size)
    if bold:
        font.bold = True
    if color is not None:
        font.color.rgb = color
    if link:
        run.hyperlink.address = link
    return run


def _set_text(frame, text: str, size: int | None = None, bold: bool = False,
              color: RGBColor | None = None) -> None:
    frame.clear()
    frame.word_wrap = True
    _runs(frame.paragraphs[0], text, size, bold, color)


def _textbox(slide, left, top, width, height, name: str):
    box = slide.shapes.add_textbox(left, top, width, height)
    box.name = name
    frame = box.text_frame
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
    return frame


def _place(shape, left, top, width, height) -> None:
    shape.left, shape.top, shape.width, shape.height = left, top, width, height


def _slide_number(slide, number: int, total: int) -> None:
    frame = _textbox(slide, WIDTH - MARGIN - Inches(1.6), HEIGHT - Inches(0.55), Inches(1.6),
                     Inches(0.4), "Foliennummer")
    _set_text(frame, f"{number} / {total}", 12, color=MUTED)
    frame.paragraphs[0].alignment = PP_ALIGN.RIGHT


def title_size(title: str) -> int:
    """Return a font size in points at which a case title fits two lines of the title box."""
    # PowerPoint shrinks overflowing text only once it is edited, so choose a fitting size here.
    return 30 if len(title) <= 80 else 24 if len(title) <= 120 else 20


def _title_slide(prs, export: CollectionExport) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE])
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    _place(title, MARGIN, Inches(1.6), WIDTH - 2 * MARGIN, Inches(2.0))
    _set_text(title.text_frame, export.title, 40, bold=True)
    _place(subtitle, MARGIN, Inches(3.8), WIDTH - 2 * MARGIN, Inches(2.6))
    frame = subtitle.text_frame
    frame.clear()
    frame.word_wrap = True
    lines = [export.date_label, export.description,
             f"{len(export.cases)} Praxisbeispiele aus dem {GENERATOR}"]
    first = True
    for line in (x for x in lines if x):
        paragraph = frame.paragraphs[0] if first else frame.add_paragraph()
        _runs(paragraph, line, 20, color=MUTED)
        first = False
    slide.notes_slide.notes_text_frame.text = (
        f"Mappe: {export.title} ({len(export.cases)} Fälle). {export.colophon}"
    )
    _slide_number(slide, 1, slide_count(export))


def _case_slide(prs, case: ExportCase, number: int, total: int) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_CONTENT])
    title, body = slide.shapes.title, slide.placeholders[1]
    _place(title, MARGIN, Inches(0.35), WIDTH - 2 * MARGIN, Inches(1.1))
    _set_text(title.text_frame, case.title, title_size(case.title), bold=True)
    title.text_frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE

    meta = _textbox(slide, MARGIN, Inches(1.45), WIDTH - 2 * MARGIN, Inches(0.8), "Steckbrief")
    _set_text(meta, f"{case.place} · Projektstand: {case.status}", 16, color=MUTED)
    _runs(meta.add_paragraph(), "Handlungsfelder: " + ", ".join(case.domains), 14, color=MUTED)

    note_height = Inches(0.9) if case.note else 0
    _place(body, MARGIN, Inches(2.35), WIDTH - 2 * MARGIN,
           HEIGHT - Inches(2.35) - Inches(0.8) - note_height)
    frame = body.text_frame
    frame.clear()
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
    for i, point in enumerate(case.key_points):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        _runs(paragraph, point, 20)

    if case.note:
        note = _textbox(slide, MARGIN, HEIGHT - Inches(0.8) - note_height,
                        WIDTH - 2 * MARGIN, note_height, "Notiz der Moderation")
        paragraph = note.paragraphs[0]
        _runs(paragraph, "Notiz: ", 16, bold=True)
        _runs(paragraph, case.note, 16)

    footer = _textbox(slide, MARGIN, HEIGHT - Inches(0.55), WIDTH - 2 * MARGIN - Inches(1.8),
                      Inches(0.4), "Quelle")
    paragraph = footer.paragraphs[0]
    link = case.sources[0] if case.sources else case.url
    if link:
        _runs(paragraph, "Quelle: ", 12, color=MUTED)
        _runs(paragraph, link, 12, color=MUTED, link=link)
    else:
        _runs(paragraph, f"Quelle: {GENERATOR}", 12, color=MUTED)
    _slide_number(slide, number, total)
    slide.notes_slide.notes_text_frame.text = speaker_notes(case)


def speaker_notes(case: ExportCase) -> str:
    """Return the speaker notes of a case slide: summary, Lessons Learned, note, sources."""
    parts = [f"Zusammenfassung: {case.summary}"]
    if case.lessons:
        parts.append("Lessons Learned:\n" + "\n".join(f"• {p}" for p in case.lessons))
    if case.results:
        parts.append("Ergebnisse:\n" + "\n".join(f"• {p}" for p in case.results))
    if case.note:
        parts.append(f"Notiz der Moderation: {case.note}")
    links = case.sources + ([case.url] if case.url else [])
    if links:
        parts.append("Quellen: " + " · ".join(links))
    return "\n\n".join(parts)


def _source_slides(prs, export: CollectionExport, total: int) -> None:
    chunks = [export.cases[i:i + CASES_PER_SOURCE_SLIDE]
              for i in range(0, len(export.cases), CASES_PER_SOURCE_SLIDE)] or [[]]
    first_number = total - len(chunks) + 1
    for n, chunk in enumerate(chunks):
        slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_CONTENT])
        title, body = slide.shapes.title, slide.placeholders[1]
        label = "Quellen" if len(chunks) == 1 else f"Quellen ({n + 1}/{len(chunks)})"
        _place(title, MARGIN, Inches(0.35), WIDTH - 2 * MARGIN, Inches(1.0))
        _set_text(title.text_frame, label, 30, bold=True)
        _place(body, MARGIN, Inches(1.45), WIDTH - 2 * MARGIN, HEIGHT - Inches(2.6))
        frame = body.text_frame
        frame.clear()
        frame.word_wrap = True
        frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
        paragraph = frame.paragraphs[0]
        for i, case in enumerate(chunk):
            if i:
                paragraph = frame.add_paragraph()
            _runs(paragraph, f"{case.title} ({case.municipality}): ", 14, bold=True)
            links = case.sources + ([case.url] if case.url else [])
            for j, url in enumerate(links):
                if j:
                    _runs(paragraph, " · ", 14)
                _runs(paragraph, url, 14, link=url)
            if not links:
                _runs(paragraph, GENERATOR, 14)
        colophon = _textbox(slide, MARGIN, HEIGHT - Inches(1.1), WIDTH - 2 * MARGIN - Inches(1.8),
                            Inches(0.9), "Erstellt mit")
        _set_text(colophon, export.colophon, 12, color=MUTED)
        if export.share_url:
            _runs(colophon.add_paragraph(), f"Mappe online: {export.share_url}", 12, color=MUTED,
                  link=export.share_url)
        _slide_number(slide, first_number + n, total)
        slide.notes_slide.notes_text_frame.text = "Alle Quellen der vorgestellten Fälle."
