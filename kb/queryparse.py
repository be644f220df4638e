"""Query understanding (pure): language, municipality constraints, thesaurus expansion."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .text import analyze, fold, tokenize

SIZE_BANDS = {
    "klein": ("unter 20.000 Einwohner", 0, 20_000),
    "mittel": ("20.000 bis 100.000 Einwohner", 20_000, 100_000),
    "gross": ("100.000 bis 500.000 Einwohner", 100_000, 500_000),
    "sehr-gross": ("über 500.000 Einwohner", 500_000, 10**9),
}


def size_band(population) -> str | None:
    """The size band of a population figure, or None if unknown."""
    if not isinstance(population, int):
        return None
    for band, (_label, lo, hi) in SIZE_BANDS.items():
        if lo <= population < hi:
            return band
    return None


_EN = {"the", "how", "what", "which", "with", "for", "and", "of", "to", "do", "does", "in",
       "city", "cities", "town", "towns", "municipality", "municipalities", "using", "is",
       "are", "can", "we", "our", "from", "german", "germany", "a", "an", "on", "by", "where",
       "why", "who", "flood", "floods", "flooding", "early", "warning", "river", "rivers",
       "gauge", "gauges", "heat", "building", "buildings", "permit", "permits", "twin",
       "twins", "traffic", "map", "maps", "mapping", "citizen", "citizens", "participation",
       "water", "rain", "tree", "trees", "energy", "heating", "planning", "small", "large",
       "public", "transport", "street", "streets", "road", "roads", "bridge", "bridges",
       "basement", "storm", "weather", "climate", "adaptation", "forest", "fire", "fires",
       "survey", "funding", "procurement", "after", "ends", "village", "villages"}
_DE = {"der", "die", "das", "und", "wie", "mit", "für", "fuer", "von", "bei", "ein", "eine",
       "in", "im", "auf", "zu", "wir", "unsere", "unser", "ist", "sind", "was", "welche", "den",
       "dem", "des", "nicht", "andere", "anderen", "gibt", "es", "kann", "oder"}


def is_english(text: str) -> bool:
    """Heuristic: more English than German function words, and at least two of them."""
    tokens = tokenize(text)
    en = sum(t in _EN for t in tokens)
    de = sum(t in _DE for t in tokens)
    return en >= 2 and en > de


_STATE_WORDS = {
    "BW": ["baden-württemberg", "baden-wuerttemberg", "badenwuerttemberg", "baden"],
    "BY": ["bayern", "bayerisch", "bayerische", "bayerischen", "bavaria"],
    "BE": ["berlin"], "BB": ["brandenburg"], "HB": ["bremen"], "HH": ["hamburg"],
    "HE": ["hessen", "hessisch", "hessische", "hessischen", "hesse"],
    "MV": ["mecklenburg-vorpommern", "mecklenburg", "vorpommern"],
    "NI": ["niedersachsen", "niedersächsisch", "niedersächsische", "lower saxony"],
    "NW": ["nordrhein-westfalen", "nrw", "north rhine-westphalia", "westfalen"],
    "RP": ["rheinland-pfalz", "rlp", "pfalz"], "SL": ["saarland", "saarländisch"],
    "SN": ["sachsen", "sächsisch", "sächsische", "sächsischen", "saxony"],
    "ST": ["sachsen-anhalt"], "SH": ["schleswig-holstein"],
    "TH": ["thüringen", "thüringisch", "thüringische", "thuringia"],
}
_TYPE_WORDS = {
    "gemeinde": ["gemeinde", "gemeinden", "landgemeinde", "landgemeinden", "dorf", "dörfer",
                 "dorfes", "ländlich", "ländliche", "ländlichen", "village", "villages", "rural"],
    "kreis": ["landkreis", "landkreise", "landkreisen", "kreis", "kreise", "kreisen",
              "county", "counties", "district", "districts"],
    "kreisfreie-stadt": ["großstadt", "großstädte", "großstädten", "kreisfreie", "metropole"],
    "stadt": ["kleinstadt", "kleinstädte", "mittelstadt", "mittelstädte", "kreisstadt"],
    "stadtstaat": ["stadtstaat", "stadtstaaten"],
    # "Amt" alone is left out: "jedes Amt" means an office far more often than an Amt.
    "verband": ["zweckverband", "zweckverbände", "verband", "verbände", "verbandsgemeinde",
                "wasserverband", "regionalverband"],
    "land": ["bundesland", "landesamt", "landesebene"],
}


def _phrase_re(words):
    alts = sorted({re.escape(fold(w)) for w in words}, key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(" + "|".join(alts) + r")(?![a-z0-9])")


_STATE_RES = {code: _phrase_re(words) for code, words in _STATE_WORDS.items()}
_TYPE_RES = {t: _phrase_re(words) for t, words in _TYPE_WORDS.items()}


_NUMBER = r"(\d{1,3}(?:[.\s]\d{3})+|\d+)(?:\s*(tausend|tsd\.?))?"
_SIZE_RANGE_RE = re.compile(_NUMBER + r"\s*(?:bis|-|–)\s*" + _NUMBER + r"\s*einwohner")
_SIZE_BOUND_RE = re.compile(
    r"(unter|weniger als|bis zu|bis|hoechstens|kleiner als|ueber|mehr als|ab|groesser als|"
    r"mindestens)\s+" + _NUMBER + r"\s*einwohner")
_SIZE_EXACT_RE = re.compile(r"(?:rund|etwa|ca\.?|knapp|gut)?\s*" + _NUMBER + r"\s*einwohner")
_BELOW = ("unter", "weniger als", "bis zu", "bis", "hoechstens", "kleiner als")
_SIZE_WORDS = {
    "klein": ["kleinstadt", "kleinstädte", "kleine gemeinde", "kleinen gemeinde",
              "kleine gemeinden", "kleinen gemeinden", "landgemeinde", "landgemeinden", "dorf",
              "dörfer", "small town", "small towns", "small municipality", "village", "villages"],
    "mittel": ["mittelstadt", "mittelstädte", "mittelgroße stadt", "mittelgroßen stadt",
               "medium-sized"],
    "gross": ["großstadt", "großstädte", "großstädten"],
    "sehr-gross": ["großstadt", "großstädte", "großstädten", "millionenstadt", "metropole",
                   "metropolen"],
}
_SIZE_RES = {band: _phrase_re(words) for band, words in _SIZE_WORDS.items()}


def _number(digits: str, unit: str | None) -> int:
    value = int(re.sub(r"\D", "", digits))
    return value * 1000 if unit else value


def sizes_in(folded: str) -> list[str]:
    """Size bands a folded query names: "unter 20.000 Einwohnern", "Großstadt", "Dorf".

    Stated numbers win over words ("Großstadt mit mehr als 500.000 Einwohnern" is sehr-gross).
    """
    bands: list[str] = []
    for m in _SIZE_RANGE_RE.finditer(folded):
        lo, hi = _number(m.group(1), m.group(2)), _number(m.group(3), m.group(4))
        bands += [b for b, (_l, b_lo, b_hi) in SIZE_BANDS.items() if b_lo < hi and lo < b_hi]
    rest = _SIZE_RANGE_RE.sub(" ", folded)
    for m in _SIZE_BOUND_RE.finditer(rest):
        value = _number(m.group(2), m.group(3))
        below = m.group(1) in _BELOW
        bands += [b for b, (_l, lo, hi) in SIZE_BANDS.items()
                  if (lo < value if below else hi > value)]
    rest = _SIZE_BOUND_RE.sub(" ", rest)
    for m in _SIZE_EXACT_RE.finditer(rest):
        bands.append(size_band(_number(m.group(1), m.group(2))))
    if not bands:
        bands = [b for b, rx in _SIZE_RES.items() if rx.search(folded)]
    return [b for b in SIZE_BANDS if b in bands]


def constraints_in(text: str) -> dict[str, list[str]]:
    """Bundesländer, municipality types and size bands a query names.

    "kleine Gemeinde in Bayern" → state BY, type gemeinde, size klein.
    """
    folded = fold(text)
    found: dict[str, list[str]] = {}
    states = [c for c, rx in _STATE_RES.items() if rx.search(folded)]
    if "ST" in states and "SN" in states and "sachsen" not in folded.replace("sachsen-anhalt", ""):
        states.remove("SN")
    if states:
        found["state"] = states
    types = [t for t, rx in _TYPE_RES.items() if rx.search(folded)]
    if types:
        found["type"] = types
    sizes = sizes_in(folded)
    if sizes:
        found["size"] = sizes
    return found


# ---------------------------------------------------------------- thesaurus


@dataclass
class Thesaurus:
    """Synonym groups; a group fires when one of its entries occurs in the query."""

    groups: list[dict] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path | None) -> Thesaurus:
        if path is None or not Path(path).exists():
            return cls([])
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        groups = []
        for g in data.get("groups", []):
            entries = [str(e) for key in ("terms", "phrases", "en") for e in g.get(key) or []]
            analyzed = [(e, frozenset(analyze(e))) for e in entries]
            analyzed = [(e, terms) for e, terms in analyzed if terms]
            if analyzed:
                groups.append({"name": str(g.get("name") or entries[0]), "entries": analyzed})
        return cls(groups)

    def expand(self, query: str, dictionary=frozenset()) -> tuple[list[str], list[str]]:
        """Return (entries used for expansion, names of fired groups) for a query."""
        return self.expand_terms(set(analyze(query, dictionary)))

    def expand_terms(self, q_terms: set[str]) -> tuple[list[str], list[str]]:
        """Like expand, for a query that is already analyzed into index terms."""
        if not q_terms:
            return [], []
        added, fired = [], []
        for group in self.groups:
            if any(terms <= q_terms for _e, terms in group["entries"]):
                fired.append(group["name"])
                added.extend(e for e, terms in group["entries"] if not terms <= q_terms)
        return list(dict.fromkeys(added)), fired
