"""The query pipeline: analyze ► dense + lexical ► fuse ► group by case ► filter ► snippets."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import NamedTuple

import faiss
import numpy as np

from .cases import DOMAINS, MUNICIPALITY_TYPES, STATES, STATUSES
from .embedding import BUNDLED_MODEL_ID
from .errors import NotFoundError, QueryError
from .queryparse import SIZE_BANDS, Thesaurus, constraints_in, is_english, size_band
from .settings import DEFAULT_MODEL
from .spelling import Speller, german_words
from .text import fold, is_stopword, stem, strip_markdown, token_spans, words

MAX_QUERY_LENGTH = 1000
MAX_TOP_K = 100
CANDIDATES = 200
RRF_K = 60
SNIPPETS_PER_CASE = 2
SNIPPET_CHARS = 320

FILTERS = {
    "domain": ("domains", DOMAINS),
    "state": ("state", STATES),
    "type": ("municipality_type", MUNICIPALITY_TYPES),
    "status": ("status", STATUSES),
    "size": ("size_band", {k: v[0] for k, v in SIZE_BANDS.items()}),
}
LIKE_FIELDS = ("type", "state", "size")
# Tuned with `kb eval --compare` on eval/queries.yaml (README, "Suchqualität").
EXPANSION_WEIGHT = 0.3
LIKE_BOOST = 0.2  # per matching "Kommunen wie wir" field the asker set
# Per kind of constraint the query text names itself ("… in Sachsen", "Kleinstadt").
CONSTRAINT_BOOSTS = {"state": 1.0, "type": 0.2, "size": 0.2}
CORRECTION_WEIGHT = 1.0
FUSION = "convex"
LONG_QUERY_TERMS = 12  # analyzed terms; more than this is a problem description, not keywords


@dataclass(frozen=True)
class FusionWeights:
    """Weights of the lexical and dense rankings in the fusion, a property of the model.

    `english` and `long` replace the dense weight for English queries and for long German
    problem descriptions, where a model may be much better or worse than on average.
    """

    lexical: float
    dense: float
    english: float | None = None
    long: float | None = None

    def dense_for(self, text: str, n_terms: int) -> float:
        """The dense weight for one query (the fusion modes keep their fixed weights)."""
        if self.dense <= 0 or self.lexical <= 0:
            return self.dense
        if self.english is not None and is_english(text):
            return self.english
        if self.long is not None and n_terms > LONG_QUERY_TERMS:
            return self.long
        return self.dense


# Chosen from `kb eval --compare` on eval/queries.yaml and checked on eval/heldout.yaml
# (see README, "Suchqualität"). The bundled model knows English only: it helps with English
# questions and short German keywords, and only adds noise to long German descriptions.
MODEL_WEIGHTS = {
    BUNDLED_MODEL_ID: FusionWeights(lexical=1.0, dense=0.15, english=0.5, long=0.0),
    DEFAULT_MODEL: FusionWeights(lexical=1.0, dense=1.0),
}
DEFAULT_WEIGHTS = FusionWeights(lexical=1.0, dense=1.0)
MODES = {
    "fused": None,
    "lexical": FusionWeights(lexical=1.0, dense=0.0),
    "dense": FusionWeights(lexical=0.0, dense=1.0),
}


def weights_for(model_id: str) -> FusionWeights:
    return MODEL_WEIGHTS.get(model_id, DEFAULT_WEIGHTS)


@dataclass
class Query:
    """A validated search request; `like` describes the asker's own municipality."""

    text: str
    top_k: int = 10
    filters: dict[str, list[str]] = field(default_factory=dict)
    like: dict[str, str] = field(default_factory=dict)
    like_mode: str = "boost"


def parse_like(like: dict | None, mode: str | None) -> tuple[dict[str, str], str]:
    """Validate "Kommunen wie wir": own type, Bundesland and size band; boost or filter."""
    clean = {}
    for name, value in (like or {}).items():
        if name not in LIKE_FIELDS:
            raise QueryError(f"Unbekannte Angabe „{name}“; erlaubt: {', '.join(LIKE_FIELDS)}.")
        if value:
            if value not in FILTERS[name][1]:
                raise QueryError(f"Unbekannter Wert „{value}“ für {name}.")
            clean[name] = value
    mode = mode or "boost"
    if mode not in ("boost", "filter"):
        raise QueryError("like_mode muss boost oder filter sein.")
    return clean, mode


def parse_query(text, top_k=10, filters: dict | None = None, like: dict | None = None,
                like_mode: str | None = None) -> Query:
    """Validate query text, top_k and filter values; raise QueryError with a German message."""
    text = (text or "").strip()
    if not text:
        raise QueryError("Bitte geben Sie einen Suchbegriff ein.")
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"Die Suchanfrage ist zu lang ({len(text)} Zeichen); erlaubt sind {MAX_QUERY_LENGTH}."
        )
    try:
        top_k = int(top_k)
    except (TypeError, ValueError) as exc:
        raise QueryError("top_k muss eine ganze Zahl sein.") from exc
    if not 1 <= top_k <= MAX_TOP_K:
        raise QueryError(f"top_k muss zwischen 1 und {MAX_TOP_K} liegen.")
    like, like_mode = parse_like(like, like_mode)
    return Query(text, top_k, parse_filters(filters or {}), like, like_mode)


def parse_filters(filters: dict) -> dict[str, list[str]]:
    """Check filter names and values against the vocabularies; drop empty ones."""
    clean: dict[str, list[str]] = {}
    for name, values in filters.items():
        if name not in FILTERS:
            raise QueryError(f"Unbekannter Filter „{name}“; erlaubt: {', '.join(FILTERS)}.")
        if isinstance(values, str):
            values = [values]
        values = [v.strip() for v in values if v and v.strip()]
        vocab = FILTERS[name][1]
        for value in values:
            if value not in vocab:
                raise QueryError(
                    f"Unbekannter Wert „{value}“ für Filter {name}; erlaubt: {', '.join(vocab)}."
                )
        if values:
            clean[name] = list(dict.fromkeys(values))
    return clean


def matches(meta: dict, filters: dict[str, list[str]], skip: str | None = None) -> bool:
    """True if a case passes every filter (values of one filter are alternatives)."""
    for name, values in filters.items():
        if name == skip:
            continue
        value = meta.get(FILTERS[name][0])
        have = value if isinstance(value, list) else [value]
        if not set(have) & set(values):
            return False
    return True


def rrf(rankings: list[tuple[float, list[int]]], k: int = RRF_K) -> dict[int, float]:
    """Weighted reciprocal rank fusion of ranked id lists."""
    fused: dict[int, float] = {}
    for weight, ids in rankings:
        if weight <= 0:
            continue
        for rank, item in enumerate(ids):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank + 1)
    return fused


def above_weakest(scores) -> np.ndarray:
    """Similarities (best first) as distances above the weakest candidate's.

    BM25 has a natural zero, cosine similarity has none: with this model every chunk scores
    0.1 to 0.5, so max-normalizing alone would add a near-constant. Shifted, the dense signal
    spans 0 to 1 over its candidates like the lexical one (min-max normalization).
    """
    scores = np.asarray(scores, dtype="float32")
    return scores - scores[-1] if len(scores) else scores


def convex(runs) -> dict:
    """Convex combination of max-normalized scores (Bruch et al. 2023): keeps magnitudes."""
    fused: dict = {}
    for weight, keys, scores in runs:
        if weight <= 0 or len(keys) == 0:
            continue
        top = max(float(scores[0]), 1e-9)
        for key, score in zip(keys, scores, strict=True):
            key = key if isinstance(key, str) else int(key)
            fused[key] = fused.get(key, 0.0) + weight * float(score) / top
    return fused


def fuse(runs) -> dict:
    """Fuse ranked runs of (weight, keys best first, scores) with the configured method."""
    if FUSION == "convex":
        return convex(runs)
    return rrf([(w, [k if isinstance(k, str) else int(k) for k in keys]) for w, keys, _ in runs])


def facet_counts(metas: list[dict], filters: dict[str, list[str]]) -> dict[str, dict[str, int]]:
    """Counts per facet value; each facet counts under all *other* filters (combinable)."""
    facets: dict[str, dict[str, int]] = {}
    for name, (key, vocab) in FILTERS.items():
        counts = dict.fromkeys(vocab, 0)
        for meta in metas:
            if not matches(meta, filters, skip=name):
                continue
            value = meta.get(key)
            for v in value if isinstance(value, list) else [value]:
                if v in counts:
                    counts[v] += 1
        facets[name] = {k: v for k, v in counts.items() if v}
    return facets


def boost(grouped, cases: dict, prefer: dict[str, tuple[list[str], float]]):
    """Rank cases that match the asker's own kind of municipality higher (not exclusively).

    `prefer` maps a filter name to (wanted values, boost); each matching name adds its boost.
    """
    boosted = []
    for slug, score, cids in grouped:
        factor = 1.0 + sum(weight for name, (values, weight) in prefer.items()
                           if matches(cases[slug], {name: values}))
        boosted.append((slug, score * factor, cids))
    boosted.sort(key=lambda g: (-g[1], g[0]))
    return boosted


def excerpt(text: str, terms: set[str], width: int = SNIPPET_CHARS) -> str:
    """The part of a passage around its first matching word, cut at word boundaries."""
    text = " ".join(strip_markdown(text).split())
    if len(text) <= width:
        return text
    start = 0
    for s, _e, token in token_spans(text):
        if term_matches(token, terms):
            start = max(0, s - width // 4)
            break
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 30 else start
    end = start + width
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    return ("… " if start > 0 else "") + text[start:end].strip() + (" …" if end < len(text) else "")


def term_matches(token: str, terms: set[str]) -> bool:
    """True if a lowercase token matches one of the analyzed query terms."""
    if not terms or is_stopword(token):
        return False
    stemmed = stem(token)
    if stemmed in terms:
        return True
    folded = fold(token)
    return len(folded) >= 6 and any(len(t) >= 5 and t in folded for t in terms)


class Ranking(NamedTuple):
    """What _rank found: search terms, fused chunk and case scores, and how they came about."""

    terms: set[str]
    chunks: dict
    cases: dict
    expansions: list[str]
    corrections: list[str]
    worded: frozenset[str] | None  # cases holding a search word; None: words not looked up


class Searcher:
    """Searches one loaded index generation with one embedder."""

    def __init__(self, bundle, embedder, weights: FusionWeights | None = None,
                 thesaurus: Thesaurus | None = None):
        self.bundle = bundle
        self.embedder = embedder
        self.weights = weights or weights_for(embedder.name)
        self.thesaurus = thesaurus or Thesaurus([])
        self.chunk_slug = {cid: c.slug for cid, c in bundle.chunks.items()}
        self._speller: Speller | None = None
        self._entry_cache: dict[str, list[str]] = {}
        for meta in bundle.cases.values():
            meta["size_band"] = size_band(meta.get("population"))
        faiss.omp_set_num_threads(1)  # single queries are faster without OpenMP fan-out

    @property
    def speller(self) -> Speller:
        """Built on first use: most queries have no unknown words."""
        if self._speller is None:
            lexical = self.bundle.lexical

            def frequency(word: str) -> int:
                tid = lexical.term_index.get(stem(word))
                return 0 if tid is None else int(lexical.indptr[tid + 1] - lexical.indptr[tid])

            self._speller = Speller(lexical.dictionary, lexical.term_index.__contains__,
                                    frequency, german_words())
        return self._speller

    def surface_form(self, folded: str) -> str:
        """How the corpus writes a folded word ("fruehwarnung" → "Frühwarnung")."""
        lexical = self.bundle.lexical
        tid = lexical.term_index.get(stem(folded))
        if tid is not None:
            start = int(lexical.indptr[tid])
            for row in lexical.postings[start:start + 3]:
                chunk = self.bundle.chunks.get(int(lexical.chunk_ids[row]))
                for token in words(chunk.text if chunk else ""):
                    if fold(token) == folded:
                        return token
        return folded

    def _entry_terms(self, entry: str) -> list[str]:
        """Index terms of a thesaurus entry, analyzed once per searcher."""
        terms = self._entry_cache.get(entry)
        if terms is None:
            terms = self._entry_cache[entry] = self.bundle.lexical.query_terms(entry)
        return terms

    def _rank(self, query: Query, weights: FusionWeights) -> Ranking:
        """Score chunks (for passages) and cases (for the ranking) with both signals."""
        lexical = self.bundle.lexical
        own = lexical.query_terms(query.text)
        weighted = dict.fromkeys(own, 1.0)
        corrections = {} if is_english(query.text) else self.speller.correct(query.text)
        for right in corrections.values():
            for term in lexical.query_terms(right):
                weighted.setdefault(term, CORRECTION_WEIGHT)
        expansions, fired = self.thesaurus.expand_terms(set(weighted))
        for entry in expansions:
            for term in self._entry_terms(entry):
                weighted.setdefault(term, EXPANSION_WEIGHT)
        dense_weight = weights.dense_for(query.text, len(own))
        chunk_runs, case_runs = [], []
        worded = frozenset() if weights.lexical > 0 else None
        if weights.lexical > 0 and weighted:
            ids, scores = lexical.search(weighted, CANDIDATES)
            chunk_runs.append((weights.lexical, ids, scores))
            case_ids, case_scores = self.bundle.case_lexical.search(weighted, CANDIDATES)
            slugs = [self.bundle.case_order[int(i)] for i in case_ids]
            case_runs.append((weights.lexical, slugs, case_scores))
            worded = frozenset(slugs)
        if dense_weight > 0:
            vector = self.embedder.encode_query(query.text)
            ids, scores = self.bundle.vectors.search(vector, CANDIDATES)
            chunk_runs.append((dense_weight, ids, above_weakest(scores)))
            slugs, best = self._best_per_case(ids, scores)
            case_runs.append((dense_weight, slugs, above_weakest(best)))
        corrected = [self.surface_form(right) for right in corrections.values()]
        return Ranking(set(weighted), fuse(chunk_runs), fuse(case_runs), fired, corrected,
                       worded)

    def search(self, query: Query, mode: str = "fused") -> dict:
        """Run the pipeline and return the search object of INTERFACES.md."""
        started = time.perf_counter()
        weights = MODES.get(mode) or self.weights
        ranking = self._rank(query, weights)
        terms, chunk_scores, case_scores = ranking.terms, ranking.chunks, ranking.cases
        passages: dict[str, list[int]] = {}
        for cid in sorted(chunk_scores, key=lambda c: (-chunk_scores[c], c)):
            passages.setdefault(self.chunk_slug[cid], []).append(cid)
        grouped = sorted(((s, score, passages.get(s, [])) for s, score in case_scores.items()),
                         key=lambda g: (-g[1], g[0]))
        cases = self.bundle.cases
        prefer = {k: ([v], LIKE_BOOST) for k, v in query.like.items()}
        filters = dict(query.filters)
        if query.like_mode == "filter":
            filters.update({k: [v] for k, v in query.like.items()})
            prefer = {}
        if mode == "fused":
            for name, values in constraints_in(query.text).items():
                prefer.setdefault(name, (values, CONSTRAINT_BOOSTS[name]))
        if prefer:
            grouped = boost(grouped, cases, prefer)
        all_metas = [cases[slug] for slug, _, _ in grouped]
        hits = [g for g in grouped if matches(cases[g[0]], filters)]
        results = [self._result(s, score, cids, terms) for s, score, cids in hits[: query.top_k]]
        return {
            "query": query.text,
            "total": len(hits),
            "took_ms": round((time.perf_counter() - started) * 1000, 2),
            "results": results,
            "facets": facet_counts(all_metas, filters),
            "filters": filters,
            "like": query.like,
            "expansions": ranking.expansions,
            "corrections": ranking.corrections,
            "terms": sorted(terms),
            # No hit holds any search word (own, corrected or expanded): every result was found
            # by the vector search alone, as the nearest in meaning.
            "only_similar": (ranking.worded is not None and bool(hits)
                             and not any(slug in ranking.worded for slug, _, _ in hits)),
        }

    def _result(self, slug: str, score: float, chunk_ids: list[int], terms: set[str]) -> dict:
        meta = self.bundle.cases[slug]
        snippets = []
        for cid in chunk_ids[:SNIPPETS_PER_CASE]:
            chunk = self.bundle.chunks[cid]
            snippets.append({"section": chunk.section, "text": excerpt(chunk.text, terms)})
        return {
            "slug": slug,
            "title": meta["title"],
            "municipality": meta["municipality"],
            "municipality_type": meta["municipality_type"],
            "state": meta["state"],
            "population": meta.get("population"),
            "domains": meta["domains"],
            "status": meta["status"],
            "summary": meta["summary"],
            "score": round(float(score), 6),
            "snippets": snippets,
        }

    def similar(self, slug: str, top_k: int = 5) -> list[dict]:
        """Cases most like this one: its mean chunk vector and its key terms, fused like search.

        Both signals rank whole cases (the best chunk per case for the vector, the case-level
        BM25 index for the terms), fused with the same method and weights as the search.
        """
        if slug not in self.bundle.cases:
            raise NotFoundError(f"Den Fall „{slug}“ gibt es nicht.")
        runs = []
        ids = self.bundle.case_chunks.get(slug, [])
        if ids:
            mean = np.mean([self.bundle.vectors.reconstruct(i) for i in ids], axis=0)
            mean /= max(float(np.linalg.norm(mean)), 1e-9)
            vids, vscores = self.bundle.vectors.search(mean, CANDIDATES)
            slugs, best = self._best_per_case(vids, vscores)
            runs.append((self.weights.dense, slugs, above_weakest(best)))
        meta = self.bundle.cases[slug]
        text = " ".join([meta["title"], meta["summary"], " ".join(meta.get("tags", []))])
        terms = dict.fromkeys(self.bundle.lexical.query_terms(text), 1.0)
        if terms:
            case_ids, case_scores = self.bundle.case_lexical.search(terms, CANDIDATES)
            slugs = [self.bundle.case_order[int(i)] for i in case_ids]
            runs.append((self.weights.lexical, slugs, case_scores))
        scored = fuse(runs)
        ranked = sorted((s for s in scored if s != slug), key=lambda s: (-scored[s], s))
        return [self._result(s, scored[s], [], set()) for s in ranked[:top_k]]

    def _best_per_case(self, chunk_ids, scores) -> tuple[list[str], list[float]]:
        """Case slugs with their best chunk's score, from chunk ids given best first."""
        best: dict[str, float] = {}
        for cid, score in zip(chunk_ids, scores, strict=True):
            best.setdefault(self.chunk_slug[int(cid)], float(score))
        return list(best), list(best.values())
