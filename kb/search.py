"""The query pipeline: analyze ► dense + lexical ► fuse ► group by case ► filter ► snippets."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import faiss
import numpy as np

from .cases import DOMAINS, MUNICIPALITY_TYPES, STATES, STATUSES
from .embedding import BUNDLED_MODEL_ID
from .errors import NotFoundError, QueryError
from .queryparse import SIZE_BANDS, Thesaurus, constraints_in, is_english, size_band
from .settings import DEFAULT_MODEL
from .text import fold, is_stopword, stem, strip_markdown, token_spans

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
CONSTRAINT_BOOST = 0.2
ENGLISH_DENSE_WEIGHT = 0.5
FUSION = "convex"


@dataclass(frozen=True)
class FusionWeights:
    """Weights of the lexical and dense rankings in reciprocal rank fusion."""

    lexical: float
    dense: float


# Chosen from `kb eval --compare` on eval/queries.yaml (see README, "Suchqualität").
MODEL_WEIGHTS = {
    BUNDLED_MODEL_ID: FusionWeights(lexical=1.0, dense=0.2),
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


def group_by_case(
    scored: dict[int, float], chunk_slug: dict[int, str]
) -> list[tuple[str, float, list[int]]]:
    """Group chunk scores by case: the best chunk's score wins; chunks best first."""
    by_case: dict[str, list[tuple[float, int]]] = {}
    for cid, score in scored.items():
        by_case.setdefault(chunk_slug[cid], []).append((score, cid))
    grouped = []
    for slug, items in by_case.items():
        items.sort(key=lambda x: (-x[0], x[1]))
        grouped.append((slug, items[0][0], [cid for _, cid in items]))
    grouped.sort(key=lambda g: (-g[1], g[0]))
    return grouped


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


def boost(grouped, cases: dict, prefer: dict[str, list[str]]):
    """Rank cases that match the asker's own kind of municipality higher (not exclusively)."""
    boosted = []
    for slug, score, cids in grouped:
        n = sum(matches(cases[slug], {name: values}) for name, values in prefer.items())
        boosted.append((slug, score * (1.0 + CONSTRAINT_BOOST * n), cids))
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


class Searcher:
    """Searches one loaded index generation with one embedder."""

    def __init__(self, bundle, embedder, weights: FusionWeights | None = None,
                 thesaurus: Thesaurus | None = None):
        self.bundle = bundle
        self.embedder = embedder
        self.weights = weights or weights_for(embedder.name)
        self.thesaurus = thesaurus or Thesaurus([])
        self.chunk_slug = {cid: c.slug for cid, c in bundle.chunks.items()}
        for meta in bundle.cases.values():
            meta["size_band"] = size_band(meta.get("population"))
        faiss.omp_set_num_threads(1)  # single queries are faster without OpenMP fan-out

    def _rank(self, query: Query, weights: FusionWeights):
        """Score chunks (for passages) and cases (for the ranking) with both signals."""
        lexical = self.bundle.lexical
        weighted = dict.fromkeys(lexical.query_terms(query.text), 1.0)
        expansions, fired = self.thesaurus.expand(query.text, lexical.dictionary)
        for entry in expansions:
            for term in lexical.query_terms(entry):
                weighted.setdefault(term, EXPANSION_WEIGHT)
        dense_weight = weights.dense
        if weights.dense > 0 and weights.lexical > 0 and is_english(query.text):
            dense_weight = max(dense_weight, ENGLISH_DENSE_WEIGHT)
        chunk_runs, case_runs = [], []
        if weights.lexical > 0 and weighted:
            ids, scores = lexical.search(weighted, CANDIDATES)
            chunk_runs.append((weights.lexical, ids, scores))
            case_ids, case_scores = self.bundle.case_lexical.search(weighted, CANDIDATES)
            slugs = [self.bundle.case_order[int(i)] for i in case_ids]
            case_runs.append((weights.lexical, slugs, case_scores))
        if dense_weight > 0:
            vector = self.embedder.encode_query(query.text)
            ids, scores = self.bundle.vectors.search(vector, CANDIDATES)
            chunk_runs.append((dense_weight, ids, scores))
            best: dict[str, float] = {}
            for cid, score in zip(ids, scores, strict=True):
                slug = self.chunk_slug[int(cid)]
                best.setdefault(slug, float(score))  # ids come best first
            case_runs.append((dense_weight, list(best), list(best.values())))
        return set(weighted), fuse(chunk_runs), fuse(case_runs), fired

    def search(self, query: Query, mode: str = "fused") -> dict:
        """Run the pipeline and return the search object of INTERFACES.md."""
        started = time.perf_counter()
        weights = MODES.get(mode) or self.weights
        terms, chunk_scores, case_scores, fired = self._rank(query, weights)
        passages: dict[str, list[int]] = {}
        for cid in sorted(chunk_scores, key=lambda c: (-chunk_scores[c], c)):
            passages.setdefault(self.chunk_slug[cid], []).append(cid)
        grouped = sorted(((s, score, passages.get(s, [])) for s, score in case_scores.items()),
                         key=lambda g: (-g[1], g[0]))
        cases = self.bundle.cases
        prefer = {k: [v] for k, v in query.like.items()}
        filters = dict(query.filters)
        if query.like_mode == "filter":
            filters.update(prefer)
            prefer = {}
        if mode == "fused":
            for name, values in constraints_in(query.text).items():
                prefer.setdefault(name, values)
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
            "expansions": fired,
            "terms": sorted(terms),
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
        """Cases most like this one (its mean chunk vector and its key terms), itself excluded."""
        if slug not in self.bundle.cases:
            raise NotFoundError(f"Den Fall „{slug}“ gibt es nicht.")
        ids = self.bundle.case_chunks.get(slug, [])
        rankings = []
        if ids:
            mean = np.mean([self.bundle.vectors.reconstruct(i) for i in ids], axis=0)
            mean /= max(float(np.linalg.norm(mean)), 1e-9)
            vids, _ = self.bundle.vectors.search(mean, CANDIDATES)
            rankings.append((self.weights.dense or 0.3, [int(i) for i in vids]))
        meta = self.bundle.cases[slug]
        text = " ".join([meta["title"], meta["summary"], " ".join(meta.get("tags", []))])
        terms = {t: 1.0 for t in self.bundle.lexical.query_terms(text)}
        if terms:
            lids, _ = self.bundle.lexical.search(terms, CANDIDATES)
            rankings.append((self.weights.lexical or 0.3, [int(i) for i in lids]))
        grouped = [g for g in group_by_case(rrf(rankings), self.chunk_slug) if g[0] != slug]
        return [self._result(s, score, [], set()) for s, score, _ in grouped[:top_k]]
