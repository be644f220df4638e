"""Markdown and CSV of a collection, CSV of a search result: open data for reuse."""

from __future__ import annotations

import csv
import io
import re

from ..cases import DOMAINS, STATES, STATUSES
from .model import CollectionExport

# Semicolon and a byte order mark: German spreadsheet programs open such files correctly.
CSV_DIALECT = {"delimiter": ";", "quoting": csv.QUOTE_MINIMAL, "lineterminator": "\r\n"}
CSV_ENCODING = "utf-8-sig"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLLECTION_COLUMNS = [
    "position", "slug", "titel", "kommune", "art", "bundesland", "einwohner", "projektstand",
    "handlungsfelder", "zusammenfassung", "kernpunkte", "notiz", "quellen", "url", "stand",
    "lizenz",
]
SEARCH_COLUMNS = [
    "rang", "score", "slug", "titel", "kommune", "bundesland", "projektstand", "handlungsfelder",
    "zusammenfassung", "fundstelle", "url",
]


def _md_escape(text: str) -> str:
    """Escape characters that would start Markdown markup inside running text."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


def render_markdown_export(export: CollectionExport) -> str:
    """Render the collection as a Markdown document."""
    lines = [f"# {_md_escape(export.title)}", ""]
    if export.date_label:
        lines += [f"**Termin:** {export.date_label}", ""]
    if export.description:
        lines += [_md_escape(export.description), ""]
    for case in export.cases:
        lines += [f"## {case.position}. {_md_escape(case.title)}", ""]
        lines += [f"- **{label}:** {_md_escape(value)}" for label, value in case.facts]
        lines += ["", _md_escape(case.summary), ""]
        if case.key_points:
            lines += ["**Kernpunkte**", ""]
            lines += [f"- {_md_escape(p)}" for p in case.key_points]
            lines.append("")
        if case.note:
            lines += [f"> **Notiz der Moderation:** {_md_escape(case.note)}", ""]
        links = case.sources + ([case.url] if case.url else [])
        if links:
            lines += ["**Quellen**", ""]
            lines += [f"- <{url}>" for url in links]
            lines.append("")
    if export.missing:
        lines += ["Nicht mehr veröffentlicht: " + ", ".join(export.missing), ""]
    lines += ["---", "", export.colophon]
    if export.share_url:
        lines += ["", f"Mappe online: <{export.share_url}>"]
    return "\n".join(lines) + "\n"


def _cell(value):
    """Defuse text a spreadsheet would run as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def _csv_text(columns: list[str], rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, **CSV_DIALECT)
    writer.writeheader()
    writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    return buffer.getvalue()


def render_csv(export: CollectionExport) -> bytes:
    """Render the collection as CSV (one row per case; lists joined with " | ")."""
    rows = [{
        "position": case.position,
        "slug": case.slug,
        "titel": case.title,
        "kommune": case.municipality,
        "art": case.municipality_type,
        "bundesland": case.state,
        "einwohner": case.population or "",
        "projektstand": case.status,
        "handlungsfelder": " | ".join(case.domains),
        "zusammenfassung": case.summary,
        "kernpunkte": " | ".join(case.key_points),
        "notiz": case.note,
        "quellen": " | ".join(case.sources),
        "url": case.url,
        "stand": case.meta.get("updated", ""),
        "lizenz": case.meta.get("license") or "CC-BY-4.0",
    } for case in export.cases]
    return _csv_text(COLLECTION_COLUMNS, rows).encode(CSV_ENCODING)


def render_search_csv(result: dict, base_url: str = "") -> bytes:
    """Render a search object (as the API returns it) as CSV, best hit first."""
    rows = []
    for rank, hit in enumerate(result["results"], 1):
        snippet = hit["snippets"][0] if hit.get("snippets") else None
        rows.append({
            "rang": rank,
            "score": f"{hit['score']:.6f}",
            "slug": hit["slug"],
            "titel": hit["title"],
            "kommune": hit["municipality"],
            "bundesland": STATES.get(hit["state"], hit["state"]),
            "projektstand": STATUSES.get(hit["status"], hit["status"]),
            "handlungsfelder": " | ".join(DOMAINS.get(d, d) for d in hit["domains"]),
            "zusammenfassung": hit["summary"],
            "fundstelle": f"{snippet['section']}: {snippet['text']}" if snippet else "",
            "url": f"{base_url.rstrip('/')}/cases/{hit['slug']}" if base_url else "",
        })
    return _csv_text(SEARCH_COLUMNS, rows).encode(CSV_ENCODING)
