"""Spelling correction for query words the index does not know ("Hochwaser" → "hochwasser").

A Speller knows the folded words of the corpus (the decompounding dictionary), how often each
occurs, and a general German word list. It corrects only words that are in neither, are no
inflection of a corpus word and no compound of corpus words: "Leute" or "aufgeheizt" are
correct German even if no case uses them, and must not become "heute" or "aufgeteilt".
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.resources
import json
from collections.abc import Callable, Container, Iterable
from functools import lru_cache

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from .text import fold, is_stopword, split_compound, stem, tokenize

MIN_WORD_LENGTH = 5  # shorter words are too often correct and unknown ("Kita", "LoD2")
LONG_WORD_LENGTH = 8  # from this length on, two edits are allowed


def _digest(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


class WordList(Container[str]):
    """A large, fixed set of words held as sorted 64-bit digests.

    Every gunicorn worker holds one: about 3 MiB for 340,000 words, where a Python set of the
    strings takes about 40 MiB. A false "known" needs a digest collision (odds about 1 in 5·10^13
    per query word), and would only mean that one word is left uncorrected.
    """

    def __init__(self, words: Iterable[str]):
        digests = np.fromiter((_digest(w) for w in words), dtype=np.uint64)
        self._digests = np.unique(digests)

    def __len__(self) -> int:
        return len(self._digests)

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        key = np.uint64(_digest(word))
        at = int(np.searchsorted(self._digests, key))
        return at < len(self._digests) and self._digests[at] == key


@lru_cache(maxsize=1)
def german_words() -> WordList:
    """About 340,000 German word forms (pyspellchecker's list), folded like query words."""
    resource = importlib.resources.files("spellchecker").joinpath("resources/de.json.gz")
    return WordList(fold(w) for w in json.loads(gzip.decompress(resource.read_bytes())))


def max_edits(word: str) -> int:
    return 2 if len(word) >= LONG_WORD_LENGTH else 1


class Speller:
    """Nearest corpus word by Damerau-Levenshtein distance; ties go to the more frequent word."""

    def __init__(self, words: Iterable[str], known_stem: Callable[[str], bool],
                 frequency: Callable[[str], int], general: Container[str] = frozenset()):
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
        if self.is_known(folded):
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
