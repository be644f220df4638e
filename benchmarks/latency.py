"""Server-side search latency (took_ms) at the shipped size and on synthetic corpora.

Usage: python benchmarks/latency.py [--sizes 10000 50000] [--queries 100]
Synthetic chunks are German word salads drawn from the shipped cases' vocabulary with random
unit vectors; queries are the development set's, embedded by the real model.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks.common import machine, table  # noqa: E402
from kb.cases import load_cases  # noqa: E402
from kb.embedding import load_embedder  # noqa: E402
from kb.evaluation import load_judgments, percentile  # noqa: E402
from kb.indexes.lexical import LexicalIndex  # noqa: E402
from kb.indexes.store import ChunkInfo, IndexBundle, load_bundle  # noqa: E402
from kb.indexes.vector import VectorIndex  # noqa: E402
from kb.queryparse import Thesaurus  # noqa: E402
from kb.search import Query, Searcher  # noqa: E402
from kb.settings import Settings  # noqa: E402
from kb.text import tokenize, vocabulary  # noqa: E402

CHUNKS_PER_CASE = 10
WORDS_PER_CHUNK = 120


def synthetic_bundle(n_chunks: int, dimension: int, seed: int = 7) -> IndexBundle:
    """A bundle of n_chunks synthetic chunks grouped into cases with real metadata."""
    rng = np.random.default_rng(seed)
    real, _ = load_cases(ROOT / "content" / "cases")
    words = np.array([w for c in real for w in tokenize(c.body)])
    ids = np.arange(n_chunks, dtype="int64")
    vectors = rng.standard_normal((n_chunks, dimension)).astype("float32")
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vindex = VectorIndex(dimension)
    vindex.add(ids, vectors)
    texts = [" ".join(rng.choice(words, WORDS_PER_CHUNK)) for _ in range(n_chunks)]
    chunks, cases, case_texts = {}, {}, {}
    for i in range(n_chunks):
        slug = f"synthetisch-{i // CHUNKS_PER_CASE}"
        chunks[i] = ChunkInfo(i, slug, i % CHUNKS_PER_CASE, "Umsetzung", texts[i])
        if slug not in cases:
            src = real[(i // CHUNKS_PER_CASE) % len(real)]
            cases[slug] = {**src.to_dict(), "slug": slug, "source_hash": ""}
        case_texts[slug] = case_texts.get(slug, "") + "\n" + texts[i]
    dictionary = frozenset(vocabulary(texts[:2000]))
    lexical = LexicalIndex.build(ids, texts, dictionary)
    order = sorted(case_texts)
    case_lexical = LexicalIndex.build(range(len(order)), [case_texts[s] for s in order],
                                      dictionary)
    case_chunks: dict[str, list[int]] = {}
    for c in chunks.values():
        case_chunks.setdefault(c.slug, []).append(c.id)
    return IndexBundle({"generation": 0}, vindex, lexical, chunks, cases, case_chunks,
                       case_lexical, order)


def measure(searcher: Searcher, queries: list[str]) -> dict:
    searcher.search(Query(queries[0], 10))  # warm-up
    took, wall = [], []
    for q in queries:
        started = time.perf_counter()
        took.append(searcher.search(Query(q, 10))["took_ms"])
        wall.append((time.perf_counter() - started) * 1000)
    return {"p50": percentile(took, 50), "p95": percentile(took, 95),
            "wall_p95": percentile(wall, 95)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 50_000])
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    embedder = load_embedder(settings)
    thesaurus = Thesaurus.load(settings.thesaurus_path)
    queries = [j.query for j in load_judgments(ROOT / "eval" / "queries.yaml")]
    queries = (queries * (args.queries // len(queries) + 1))[: args.queries]
    rows = []
    try:
        bundle = load_bundle(settings.index_dir, embedder.name, embedder.dimension)
        r = measure(Searcher(bundle, embedder, thesaurus=thesaurus), queries)
        rows.append([f"ausgeliefert ({len(bundle.chunks)} Abschnitte)", f"{r['p50']:.1f}",
                     f"{r['p95']:.1f}", "–"])
    except Exception as exc:  # noqa: BLE001 - the shipped index is optional here
        print(f"Hinweis: kein Index in {settings.index_dir} ({exc}); „kb index“ ausführen.")
    for size in args.sizes:
        started = time.perf_counter()
        bundle = synthetic_bundle(size, embedder.dimension)
        built = time.perf_counter() - started
        r = measure(Searcher(bundle, embedder, thesaurus=thesaurus), queries)
        rows.append([f"synthetisch ({size} Abschnitte)", f"{r['p50']:.1f}", f"{r['p95']:.1f}",
                     f"{built:.0f} s"])
    print(f"Suchlatenz (took_ms, serverseitig, inkl. Anfrage-Embedding), {len(queries)} "
          f"Anfragen, Modell {embedder.name}")
    print(table(["Korpus", "p50 ms", "p95 ms", "Aufbau"], rows))
    print(f"Rechner: {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
