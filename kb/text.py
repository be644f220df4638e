"""German text analysis: normalization, tokenization, stemming, decompounding.

Pure functions; the same analyzer serves documents and queries.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import Stemmer

_TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_STEM_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})

# Snowball's German stop word list, plus a few English function words for English questions.
GERMAN_STOPWORDS = frozenset("""
aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes
anderm andern anderr anders auch auf aus bei bin bis bist da damit dann der den des dem die das
dass daß derselbe derselben denselben desselben demselben dieselbe dieselben dasselbe dazu dein
deine deinem deinen deiner deines denn derer dessen dich dir du dies diese diesem diesen dieser
dieses doch dort durch ein eine einem einen einer eines einig einige einigem einigen einiger
einiges einmal er ihn ihm es etwas euer eure eurem euren eurer eures für gegen gewesen hab habe
haben hat hatte hatten hier hin hinter ich mich mir ihr ihre ihrem ihren ihrer ihres euch im in
indem ins ist jede jedem jeden jeder jedes jene jenem jenen jener jenes jetzt kann kein keine
keinem keinen keiner keines können könnte machen man manche manchem manchen mancher manches mein
meine meinem meinen meiner meines mit muss musste nach nicht nichts noch nun nur ob oder ohne
sehr sein seine seinem seinen seiner seines selbst sich sie ihnen sind so solche solchem solchen
solcher solches soll sollte sondern sonst über um und uns unsere unserem unseren unser unseres
unter viel vom von vor während war waren warst was weg weil weiter welche welchem welchen
welcher welches wenn werde werden wie wieder will wir wird wirst wo wollen wollte würde würden
zu zum zur zwar zwischen
the a an of to and or how what which who do does did is are was were for with on by at from
that this these those it its can we our us my your be been has have there their they as
""".split())

MIN_COMPOUND_LENGTH = 9
MIN_PART_LENGTH = 4
_LINKING = ("", "s", "es", "n", "en")

_stemmer = Stemmer.Stemmer("german")


def fold_umlauts(word: str) -> str:
    """Write ä/ö/ü/ß of a lowercase word as ae/oe/ue/ss (the cheap part of fold)."""
    return word.translate(_UMLAUTS)


def fold(word: str) -> str:
    """Lowercase, write umlauts as ae/oe/ue/ss and drop other accents."""
    word = fold_umlauts(word.lower())
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Word tokens (letters and digits) as written, case kept."""
    return _TOKEN_RE.findall(text)


def tokenize(text: str) -> list[str]:
    """Split text into lowercase word tokens (letters and digits)."""
    return [m.group(0).lower() for m in _TOKEN_RE.finditer(text)]


def token_spans(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, lowercase token) for every word in text."""
    return [(m.start(), m.end(), m.group(0).lower()) for m in _TOKEN_RE.finditer(text)]


def is_stopword(token: str) -> bool:
    return token in GERMAN_STOPWORDS or fold(token) in _FOLDED_STOPWORDS


_FOLDED_STOPWORDS = frozenset(fold(w) for w in GERMAN_STOPWORDS)


@lru_cache(maxsize=200_000)
def stem(token: str) -> str:
    """Snowball German stem of a lowercase token, with umlauts folded afterwards."""
    return _stemmer.stemWord(token).translate(_STEM_FOLD)


def split_compound(word: str, dictionary: frozenset[str] | set[str]) -> list[str]:
    """Split a folded word into known parts (fewest parts wins); [] if it is no compound.

    Only words of MIN_COMPOUND_LENGTH characters or more are split, every part must be in the
    dictionary and at least MIN_PART_LENGTH long, and linking elements (s, es, n, en) between
    parts are allowed, so that words are not shredded into arbitrary fragments.
    """
    if len(word) < MIN_COMPOUND_LENGTH or not dictionary:
        return []
    best = _split(word, dictionary, {})
    if best is None or len(best) < 2:
        return []
    return best


def _split(word, dictionary, memo):
    if word in memo:
        return memo[word]
    best = [word] if word in dictionary else None
    for i in range(MIN_PART_LENGTH, len(word) - MIN_PART_LENGTH + 1):
        head = word[:i]
        if head not in dictionary:
            continue
        for link in _LINKING:
            if not word.startswith(link, i):
                continue
            rest = word[i + len(link):]
            if len(rest) < MIN_PART_LENGTH:
                continue
            tail = _split(rest, dictionary, memo)
            if tail is not None and (best is None or 1 + len(tail) < len(best)):
                best = [head, *tail]
    memo[word] = best
    return best


def compound_parts(word: str, dictionary) -> list[str]:
    """Folded parts of a compound and of its long parts, plus joined neighbours."""
    parts = split_compound(word, dictionary)
    if not parts:
        return []
    out = list(parts)
    out.extend(a + b for a, b in zip(parts, parts[1:], strict=False) if len(parts) > 2)
    for part in parts:
        out.extend(split_compound(part, dictionary))
    return list(dict.fromkeys(p for p in out if p != word))


def analyze(text: str, dictionary=frozenset()) -> list[str]:
    """Turn text into index terms: stems of non-stopwords, plus stems of compound parts."""
    terms = []
    for token in tokenize(text):
        if is_stopword(token):
            continue
        terms.append(stem(token))
        if dictionary and len(token) >= MIN_COMPOUND_LENGTH:
            terms.extend(stem(p) for p in compound_parts(fold(token), dictionary))
    return terms


def vocabulary(texts: Iterable[str]) -> set[str]:
    """Folded standalone words of at least MIN_PART_LENGTH letters: the part dictionary."""
    words = set()
    for text in texts:
        for token in tokenize(text):
            if len(token) >= MIN_PART_LENGTH and token.isalpha() and not is_stopword(token):
                words.add(fold(token))
    return words


# ---------------------------------------------------------------- chunking

_HEADING_RE = re.compile(r"^##\s+(.+?)\s*#*\s*$")
_FENCE_RE = re.compile(r"^\s*(```|~~~)")
_SENTENCE_RE = re.compile(
    r"(?<=[.!?:;])\s+(?=[A-ZÄÖÜ0-9„\"(\-*])|\n{2,}|\n(?=\s*[-*+]\s|\s*\d+\.\s)"
)


def split_sections(body: str) -> list[tuple[str, str]]:
    """Split Markdown at ``##`` headings (not inside code fences): (section, text) pairs."""
    sections: list[tuple[str, list[str]]] = [("Einleitung", [])]
    in_fence = False
    for line in body.splitlines():
        if _FENCE_RE.match(line):
            in_fence = not in_fence
        m = None if in_fence else _HEADING_RE.match(line)
        if m:
            sections.append((m.group(1).strip(), []))
        else:
            sections[-1][1].append(line)
    joined = [(name, "\n".join(lines).strip()) for name, lines in sections]
    return [(name, text) for name, text in joined if text]


_MD_INLINE = re.compile(r"(\*\*|__|\*|`)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_LINE_START = re.compile(r"^\s*(?:[-*+]\s+|\d+\.\s+|#{1,6}\s+|>\s*)", re.M)


def strip_markdown(text: str) -> str:
    """Plain text of a Markdown passage for snippets: no markers, link texts kept."""
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_LINE_START.sub("", text)
    return _MD_INLINE.sub("", text)


def split_sentences(text: str) -> list[str]:
    """Split text into sentences and list items (rough, but never loses characters)."""
    return [s.strip() for s in _SENTENCE_RE.split(text) if s and s.strip()]
