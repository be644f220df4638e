"""Section-aware chunking of cases, within the embedding model's token limit (pure)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .cases import Case
from .text import split_sections, split_sentences

OVERVIEW_SECTION = "Überblick"


@dataclass(frozen=True)
class Chunk:
    """A passage of a case: what is embedded, indexed and shown as a snippet."""

    slug: str
    ordinal: int
    section: str
    text: str
    title: str

    @property
    def indexed_text(self) -> str:
        """The text that is embedded and indexed: title and section prefix the passage."""
        return f"{self.title} – {self.section}\n{self.text}"


def overview_text(case: Case) -> str:
    """The overview passage: who, what, summary and keywords."""
    m = case.meta
    lines = [f"{m['municipality']}: {m['summary']}"]
    if m.get("tags"):
        lines.append("Stichwörter: " + ", ".join(m["tags"]))
    if m.get("standards"):
        lines.append("Standards: " + ", ".join(m["standards"]))
    return "\n".join(lines)


def chunk_case(
    case: Case,
    count_tokens: Callable[[str], int],
    max_tokens: int,
    min_tokens: int = 40,
    overlap_tokens: int = 40,
) -> list[Chunk]:
    """Split a case into chunks that never exceed max_tokens (as measured by count_tokens).

    Sections (## headings) stay together where they fit; tiny sections are merged into the
    next one; long sections are split at sentence boundaries with overlap.
    """
    title = case.title
    sections = [(OVERVIEW_SECTION, overview_text(case)), *split_sections(case.body)]
    merged: list[tuple[str, str]] = []
    pending: tuple[str, str] | None = None
    for name, text in sections:
        if pending is not None:
            joined = (f"{pending[0]} / {name}", f"{pending[1]}\n\n{text}")
            if count_tokens(_prefixed(title, *joined)) <= max_tokens:
                name, text = joined
            else:
                merged.append(pending)
            pending = None
        if name != OVERVIEW_SECTION and count_tokens(text) < min_tokens:
            pending = (name, text)
        else:
            merged.append((name, text))
    if pending is not None:
        last = merged[-1] if merged else None
        joined = last and (f"{last[0]} / {pending[0]}", f"{last[1]}\n\n{pending[1]}")
        if joined and count_tokens(_prefixed(title, *joined)) <= max_tokens:
            merged[-1] = joined
        else:
            merged.append(pending)

    chunks: list[Chunk] = []
    for name, text in merged:
        for piece in _split_to_fit(title, name, text, count_tokens, max_tokens, overlap_tokens):
            chunks.append(Chunk(case.slug, len(chunks), name, piece, title))
    return chunks


def _prefixed(title: str, section: str, text: str) -> str:
    return f"{title} – {section}\n{text}"


def _split_to_fit(title, section, text, count_tokens, max_tokens, overlap_tokens) -> list[str]:
    prefix_cost = count_tokens(_prefixed(title, section, ""))
    if prefix_cost >= max_tokens // 2:
        raise ValueError(
            f"Titel und Abschnittsname sind zu lang für das Modell ({prefix_cost} Token)"
        )
    if count_tokens(_prefixed(title, section, text)) <= max_tokens:
        return [text]
    budget = max_tokens - prefix_cost
    # Over-long sentences are cut into pieces small enough to pack and to overlap.
    piece_budget = min(budget, max(overlap_tokens, budget // 4))
    units: list[str] = []
    for sentence in split_sentences(text):
        if count_tokens(sentence) <= budget:
            units.append(sentence)
        else:
            units.extend(_split_words(sentence, count_tokens, piece_budget))
    costs = [count_tokens(u) for u in units]

    pieces: list[str] = []
    start = 0
    while start < len(units):
        end, used = start, 0
        while end < len(units) and used + costs[end] <= budget:
            used += costs[end]
            end += 1
        end = max(end, start + 1)
        # The sum of unit costs only approximates the joined text: shrink until it fits.
        while end > start + 1 and count_tokens(
            _prefixed(title, section, " ".join(units[start:end]))
        ) > max_tokens:
            end -= 1
        pieces.append(" ".join(units[start:end]))
        if end >= len(units):
            break
        back, overlap = end, 0
        while back - 1 > start and overlap + costs[back - 1] <= overlap_tokens:
            back -= 1
            overlap += costs[back]
        start = back
    return pieces


def _split_words(sentence: str, count_tokens, budget: int) -> list[str]:
    """Split one over-long sentence at word boundaries into pieces within the budget."""
    words, pieces, current = sentence.split(), [], []
    for word in words:
        if count_tokens(word) > budget:  # e.g. a very long URL
            if current:
                pieces.append(" ".join(current))
                current = []
            pieces.extend(_split_chars(word, count_tokens, budget))
            continue
        if current and count_tokens(" ".join([*current, word])) > budget:
            pieces.append(" ".join(current))
            current = []
        current.append(word)
    if current:
        pieces.append(" ".join(current))
    return pieces


def _split_chars(word: str, count_tokens, budget: int) -> list[str]:
    """Halve a single over-long word until every piece fits."""
    if count_tokens(word) <= budget or len(word) < 2:
        return [word]
    mid = len(word) // 2
    return _split_chars(word[:mid], count_tokens, budget) + _split_chars(
        word[mid:], count_tokens, budget
    )
