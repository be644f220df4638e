"""Spelling correction for query words the index does not know ("Hochwaser" → "hochwasser").

A Speller knows the folded words of the corpus (the decompounding dictionary), how often each
occurs, and a general German word list. It corrects only words that are in neither, are no
inflection of a corpus word and no compound of corpus words: "Leute" or "aufgeheizt" are
correct German even if no case uses them, and must not become "heute" or "aufgeteilt".
"""

from __future__ import annotations

import gzip
import importlib.resources
import json
from collections.abc import Callable, Iterable
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from .text import fold, fold_umlauts, is_stopword, split_compound, stem, tokenize

MIN_WORD_LENGTH = 5  # shorter words are too often correct and unknown ("Kita", "LoD2")
LONG_WORD_LENGTH = 8  # from this length on, two edits are allowed


@lru_cache(maxsize=1)
def german_words() -> frozenset[str]:
    """About 340,000 lowercase German word forms (pyspellchecker's list), also umlaut-folded."""
    resource = importlib.resources.files("spellchecker").joinpath("resources/de.json.gz")
    words = json.loads(gzip.decompress(resource.read_bytes()))
    return frozenset(words) | frozenset(fold_umlauts(w) for w in words)


def max_edits(word: str) -> int:
    return 2 if len(word) >= LONG_WORD_LENGTH else 1


class Speller:
    """Nearest corpus word by Damerau-Levenshtein distance; ties go to the more frequent word."""

    def __init__(self, words: Iterable[str], known_stem: Callable[[str], bool],
                 frequency: Callable[[str], int], general: frozenset[str] = frozenset()):
        self.words = frozenset(words)
        self.general = general
        self.known_stem = known_stem
        self.frequency = frequency
        self.by_length: dict[int, list[str]] = {}
        for word in sorted(self.words):
            self.by_length.setdefault(len(word), []).append(word)

    def is_known(self, folded: str) -> bool:
        return (folded in self.words or folded in self.general or self.known_stem(stem(folded))
                or bool(split_compound(folded, self.words)))

    def correct_word(self, token: str) -> str | None:
        """The corpus word meant by an unknown token, or None if it is known or too far off."""
        folded = fold(token)
        if len(folded) < MIN_WORD_LENGTH or not folded.isalpha() or is_stopword(token):
            return None
        if token in self.general or self.is_known(folded):
            return None
        limit = max_edits(folded)
        best: tuple[int, int, str] | None = None
        for length in range(len(folded) - limit, len(folded) + limit + 1):
            choices = self.by_length.get(length)
            if not choices:
                continue
            for word, distance, _ in process.extract(
                folded, choices, scorer=DamerauLevenshtein.distance, score_cutoff=limit,
                limit=None,
            ):
                key = (int(distance), -self.frequency(word), word)
                if best is None or key < best:
                    best = key
        return best[2] if best else None

    def correct(self, text: str) -> dict[str, str]:
        """Map each unknown word of a query to the corpus word it most likely means."""
        corrections: dict[str, str] = {}
        for token in tokenize(text):
            if token not in corrections:
                fixed = self.correct_word(token)
                if fixed:
                    corrections[token] = fixed
        return corrections
