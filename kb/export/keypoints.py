"""Key points of a case: two to four short statements from Ziele, Ergebnisse, Lessons Learned."""

from __future__ import annotations

import re

# Sections in the order their points are taken, and how many points each may give at most.
KEY_SECTIONS = (("Ergebnisse", 2), ("Lessons Learned", 2), ("Ziele", 1))
FALLBACK_SECTIONS = ("Umsetzung", "Ausgangslage")
MIN_POINTS = 2
MAX_POINTS = 4
MAX_POINT_CHARS = 220

_HEADING_RE = re.compile(r"^##\s+(.+?)\s*#*\s*$")
_SUBHEADING_RE = re.compile(r"^#{3,6}\s+(.+?)\s*#*\s*$")
_ITEM_RE = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?…])\s+(?=[„\"(A-ZÄÖÜ0-9])")
# Words after which a full stop does not end a German sentence ("z. B. Köln", "Nr. 5").
ABBREVIATIONS = {
    "abs", "art", "bzw", "ca", "dr", "etc", "evtl", "ggf", "inkl", "max", "min", "mio", "mrd",
    "nr", "prof", "rd", "sog", "st", "std", "tel", "usw", "vgl", "z", "b", "u", "a", "d", "h",
}


def plain_text(markdown: str) -> str:
    """Strip inline Markdown (emphasis, code, links, HTML) and collapse whitespace."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])[*_](?!\s)(.+?)(?<!\s)[*_](?![\w*])", r"\1", text)
    text = text.replace("`", "")
    return re.sub(r"\s+", " ", text).strip()


def split_sentences(text: str) -> list[str]:
    """Split German text into sentences, not after abbreviations or day numbers ("1. Mai")."""
    sentences, start = [], 0
    for match in _SENTENCE_END_RE.finditer(text):
        words = text[start:match.start()].rsplit(None, 1)
        last = words[-1].rstrip(".").lower() if words else ""
        if last in ABBREVIATIONS or (last.isdigit() and len(last) <= 2):
            continue
        sentences.append(text[start:match.start()].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]


def split_sections(body: str) -> dict[str, str]:
    """Map each level-2+ heading of a Markdown body to the raw text below it."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in body.splitlines():
        match = _HEADING_RE.match(line)
        if match:
            current = plain_text(match.group(1))
            sections.setdefault(current, [])
        elif current is not None:
            sections[current].append(line)
    return {name: "\n".join(lines).strip() for name, lines in sections.items()}


def section_paragraphs(body: str, name: str, budget: int = 1400) -> list[str]:
    """Return the paragraphs and list items of one section, cut to about budget characters."""
    raw = next((text for heading, text in split_sections(body).items()
                if heading.casefold() == name.casefold()), "")
    return trim_paragraphs([text for _, text in _blocks(raw)], budget)


def trim_paragraphs(paragraphs: list[str], budget: int) -> list[str]:
    """Keep paragraphs until about budget characters are used; shorten the last one kept."""
    out: list[str] = []
    for text in paragraphs:
        if budget < 80:
            break
        out.append(shorten(text, budget))
        budget -= len(out[-1])
    return out


def _blocks(raw: str) -> list[tuple[str, str]]:
    """Split section text into ("item" | "para", plain text) blocks, in order."""
    blocks: list[tuple[str, list[str]]] = []
    for line in raw.splitlines():
        item = _ITEM_RE.match(line)
        subheading = _SUBHEADING_RE.match(line)
        if subheading:
            blocks.append(("para", [subheading.group(1)]))
            blocks.append(("gap", []))
        elif item:
            blocks.append(("item", [item.group(1)]))
        elif not line.strip():
            blocks.append(("gap", []))
        elif blocks and blocks[-1][0] == "item" and line.startswith((" ", "\t")):
            blocks[-1][1].append(line)
        elif blocks and blocks[-1][0] == "para":
            blocks[-1][1].append(line)
        else:
            blocks.append(("para", [line]))
    out = [(kind, plain_text(" ".join(lines))) for kind, lines in blocks if kind != "gap"]
    return [(kind, text) for kind, text in out if text]


def shorten(text: str, limit: int = MAX_POINT_CHARS) -> str:
    """Cut text to at most limit characters at a sentence or word boundary, with an ellipsis."""
    text = text.strip()
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in split_sentences(text):
        candidate = f"{kept} {sentence}".strip()
        if len(candidate) > limit:
            break
        kept = candidate
    if kept:
        return kept
    cut = text[: limit - 2].rsplit(" ", 1)[0].rstrip(",;:–- ")
    return f"{cut} …"


def _points_from(raw: str, limit: int) -> list[str]:
    """Take the list items of a section if it has some, else its first sentences."""
    blocks = _blocks(raw)
    items = [text for kind, text in blocks if kind == "item"]
    if not items:
        text = " ".join(text for _, text in blocks)
        items = [s for s in split_sentences(text) if len(s) > 20]
    return [shorten(p) for p in items[:limit]]


def key_points(body: str, summary: str = "") -> list[str]:
    """Draw two to four key points from a case body (fewer only if the case has less text)."""
    sections = {name.casefold(): raw for name, raw in split_sections(body).items()}
    points: list[str] = []
    for name, limit in KEY_SECTIONS:
        raw = sections.get(name.casefold())
        if raw:
            points.extend(_points_from(raw, limit))
    for name in FALLBACK_SECTIONS:
        if len(points) >= MIN_POINTS:
            break
        raw = sections.get(name.casefold())
        if raw:
            points.extend(_points_from(raw, MIN_POINTS - len(points)))
    if len(points) < MIN_POINTS and summary:
        points.extend(_points_from(summary, MIN_POINTS - len(points)))
    unique = list(dict.fromkeys(p for p in points if p))
    return unique[:MAX_POINTS]
