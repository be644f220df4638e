"""Exports of a collection (PPTX deck, PDF handout, Markdown, CSV) and of a search result."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import NotFoundError
from .model import CollectionExport, assemble


@dataclass(frozen=True)
class ExportFormat:
    """A file format: its label, media type and renderer."""

    label: str
    media_type: str
    render: Callable[[CollectionExport], bytes]


def _pptx(export: CollectionExport) -> bytes:
    from .deck import render_pptx

    return render_pptx(export)


def _pdf(export: CollectionExport) -> bytes:
    from .handout import render_pdf

    return render_pdf(export)


def _md(export: CollectionExport) -> bytes:
    from .tabular import render_markdown_export

    return render_markdown_export(export).encode("utf-8")


def _csv(export: CollectionExport) -> bytes:
    from .tabular import render_csv

    return render_csv(export)


FORMATS = {
    "pptx": ExportFormat(
        "Präsentation (PowerPoint, PPTX)",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation", _pptx),
    "pdf": ExportFormat("Handout (PDF)", "application/pdf", _pdf),
    "md": ExportFormat("Text (Markdown)", "text/markdown; charset=utf-8", _md),
    "csv": ExportFormat("Tabelle (CSV)", "text/csv; charset=utf-8", _csv),
}


def load_export(kb, collection_id: str, base_url: str = "",
                today: dt.date | None = None) -> CollectionExport:
    """Read a collection and its published cases through the KnowledgeBase service."""
    from ..collections import get_collection

    row = get_collection(kb.engine, collection_id)
    cases = {}
    for item in row.items:
        try:
            cases[item["slug"]] = kb.get_case(item["slug"])
        except NotFoundError:
            continue
    return assemble(row, cases, base_url=base_url, today=today)


def render(export: CollectionExport, fmt: str) -> bytes:
    """Render a prepared collection in one of FORMATS."""
    if fmt not in FORMATS:
        raise NotFoundError(f"Das Format „{fmt}“ gibt es nicht; möglich: {', '.join(FORMATS)}.")
    return FORMATS[fmt].render(export)


def filename(export: CollectionExport, fmt: str) -> str:
    """Return a safe download name such as "mappe-webinar-starkregen.pptx"."""
    folded = export.title.lower().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue",
                                                             "ß": "ss"}))
    ascii_title = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title).strip("-")[:60].strip("-") or export.id
    return f"mappe-{slug}.{fmt}"
