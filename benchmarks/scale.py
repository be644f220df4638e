"""Scale benchmarks: build throughput, latency by index size, exact vs IVF, HTTP load.

Usage: python benchmarks/scale.py [--sizes 1000 10000 100000 1000000] [--skip-http]
Synthetic corpora beyond the shipped size: clustered unit vectors and Zipf-distributed terms,
built straight into the index arrays (analyzing a million texts in Python would take hours).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import faiss  # noqa: E402
import numpy as np  # noqa: E402

from benchmarks.common import machine, table  # noqa: E402
from kb.build import build_index  # noqa: E402
from kb.cases import load_cases  # noqa: E402
from kb.chunking import chunk_case  # noqa: E402
from kb.embedding import load_embedder  # noqa: E402
from kb.evaluation import load_judgments, percentile  # noqa: E402
from kb.indexes.lexical import LexicalIndex  # noqa: E402
from kb.indexes.store import ChunkInfo, IndexBundle  # noqa: E402
from kb.indexes.vector import VectorIndex  # noqa: E402
from kb.search import Query, Searcher  # noqa: E402
from kb.settings import Settings  # noqa: E402

CHUNKS_PER_CASE = 10
TERMS_PER_CHUNK = 60
VOCAB = 50_000


def build_throughput(embedder) -> list[list]:
    """Chunks per second: full build, adding one case, and bare model.encode."""
    cases, _ = load_cases(ROOT / "content" / "cases")
    texts = [c.indexed_text for case in cases
             for c in chunk_case(case, embedder.count_tokens, embedder.max_tokens)]
    started = time.perf_counter()
    embedder.model.encode(texts, batch_size=32, normalize_embeddings=True)
    bare = len(texts) / (time.perf_counter() - started)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shutil.copytree(ROOT / "content" / "cases", tmp / "cases")
        settings = Settings.from_env(content_dir=tmp / "cases", index_dir=tmp / "index",
                                     database_url=f"sqlite:///{tmp / 'kb.sqlite3'}")
        full = build_index(settings, embedder)
        src = tmp / "cases" / f"{cases[0].slug}.md"
        (tmp / "cases" / "neuer-fall-zum-messen.md").write_text(
            src.read_text(encoding="utf-8"), encoding="utf-8")
        one = build_index(settings, embedder)
    return [
        ["nur model.encode", len(texts), f"{bare:.1f}", "1.00"],
        ["kb index (voll)", full.chunks_embedded, f"{full.chunks_embedded / full.seconds:.1f}",
         f"{bare / (full.chunks_embedded / full.seconds):.2f}"],
        ["kb index (ein neuer Fall)", one.chunks_embedded, f"{one.seconds:.2f} s gesamt", "–"],
    ]


def clustered_vectors(n: int, dim: int, rng) -> np.ndarray:
    centers = rng.standard_normal((max(16, n // 500), dim)).astype("float32")
    labels = rng.integers(0, len(centers), n)
    vecs = centers[labels] + 0.6 * rng.standard_normal((n, dim)).astype("float32")
    return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)


def synthetic_lexical(n_docs: int, rng, vocab_words: list[str]) -> LexicalIndex:
    """Postings drawn from a Zipf distribution over real stems, built as arrays."""
    docs = np.repeat(np.arange(n_docs, dtype="int32"), TERMS_PER_CHUNK)
    terms = (rng.zipf(1.2, n_docs * TERMS_PER_CHUNK) - 1) % len(vocab_words)
    pairs = np.unique(terms.astype("int64") * n_docs + docs)
    t, d = pairs // n_docs, (pairs % n_docs).astype("int32")
    counts = np.bincount(t, minlength=len(vocab_words))
    indptr = np.concatenate([[0], np.cumsum(counts)])
    tfs = np.ones(len(d), dtype="float32")
    doc_len = np.bincount(d, minlength=n_docs).astype("float32")
    return LexicalIndex(np.arange(n_docs), vocab_words, indptr, d, tfs, doc_len, frozenset())


def synthetic_bundle(n: int, dim: int, vocab_words, metas, rng) -> IndexBundle:
    vecs = clustered_vectors(n, dim, rng)
    vindex = VectorIndex(dim)
    vindex.add(np.arange(n), vecs)
    chunks = {i: ChunkInfo(i, f"s-{i // CHUNKS_PER_CASE}", i % CHUNKS_PER_CASE, "Umsetzung", "")
              for i in range(n)}
    n_cases = math.ceil(n / CHUNKS_PER_CASE)
    order = [f"s-{i}" for i in range(n_cases)]
    cases = {s: {**metas[i % len(metas)], "slug": s} for i, s in enumerate(order)}
    case_chunks = {s: list(range(i * CHUNKS_PER_CASE, min(n, (i + 1) * CHUNKS_PER_CASE)))
                   for i, s in enumerate(order)}
    return IndexBundle({"generation": 0}, vindex, synthetic_lexical(n, rng, vocab_words),
                       chunks, cases, case_chunks, synthetic_lexical(n_cases, rng, vocab_words),
                       order)


def latency_by_size(embedder, sizes, queries) -> tuple[list[list], dict]:
    rng = np.random.default_rng(11)
    real, _ = load_cases(ROOT / "content" / "cases")
    metas = [c.to_dict() for c in real]
    from kb.text import analyze
    stems = sorted({t for c in real for t in analyze(c.body)})
    vocab_words = (stems * (VOCAB // len(stems) + 1))[:VOCAB]
    vocab_words = [f"{w}{i // len(stems)}" if i >= len(stems) else w
                   for i, w in enumerate(vocab_words)]
    qvecs = [embedder.encode_query(q) for q in queries]
    rows, kept = [], {}
    for n in sizes:
        bundle = synthetic_bundle(n, embedder.dimension, vocab_words, metas, rng)
        searcher = Searcher(bundle, embedder)
        searcher.search(Query(queries[0], 10))
        took = [searcher.search(Query(q, 10))["took_ms"] for q in queries]
        bare = []
        for q in queries:
            started = time.perf_counter()
            bundle.vectors.search(embedder.encode_query(q), 10)
            bare.append((time.perf_counter() - started) * 1000)
        rows.append([f"{n:,}".replace(",", "."), f"{percentile(took, 50):.1f}",
                     f"{percentile(took, 95):.1f}", f"{percentile(bare, 50):.1f}",
                     f"{percentile(bare, 95):.1f}"])
        if n >= 100_000:
            kept[n] = (bundle.vectors, qvecs)
        del bundle, searcher
    return rows, kept


def exact_vs_ivf(kept) -> list[list]:
    rows = []
    for n, (flat, qvecs) in kept.items():
        dim = flat.dimension
        nlist = int(4 * math.sqrt(n))
        quantizer = faiss.IndexFlatIP(dim)
        ivf = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        started = time.perf_counter()
        inner = faiss.downcast_index(flat.index.index)
        all_vecs = faiss.vector_to_array(inner.codes).view("float32").reshape(n, dim)
        ivf.train(all_vecs[:: max(1, n // 50_000)])
        ivf.add_with_ids(all_vecs, np.arange(n))
        built = time.perf_counter() - started
        q = np.vstack(qvecs).astype("float32")
        _, truth = flat.index.search(q, 10)
        for nprobe in (8, 32):
            ivf.nprobe = nprobe
            started = time.perf_counter()
            for row in q:
                ivf.search(row.reshape(1, -1), 10)
            ms = (time.perf_counter() - started) * 1000 / len(q)
            _, got = ivf.search(q, 10)
            recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(truth, got, strict=True)])
            rows.append([f"{n:,}".replace(",", "."), f"IVF{nlist}, nprobe {nprobe}",
                         f"{recall:.3f}", f"{ms:.2f}", f"{built:.0f} s"])
        started = time.perf_counter()
        for row in q:
            flat.index.search(row.reshape(1, -1), 10)
        ms = (time.perf_counter() - started) * 1000 / len(q)
        rows.append([f"{n:,}".replace(",", "."), "exakt (IndexFlatIP)", "1.000", f"{ms:.2f}", "–"])
    return rows


def http_load(duration: int = 15) -> list[list]:
    """Two gunicorn workers on the shipped index under wrk; RSS per worker."""
    if not shutil.which("wrk"):
        return [["wrk nicht installiert (apt-get install wrk)", "", "", "", ""]]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "WEB_CONCURRENCY": "2", "GUNICORN_BIND": f"127.0.0.1:{port}",
           "KB_SECRET_KEY": "bench"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen([str(gunicorn), "-c", "gunicorn.conf.py", "--access-logfile",
                             "/dev/null", "wsgi:app"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/v1/health", timeout=5).read()
                break
            except OSError:
                time.sleep(1)
        script = Path(tempfile.mkstemp(suffix=".lua")[1])
        qs = ["Starkregen+Keller", "W%C3%A4rmeplanung", "Bauantrag+digital", "Hitze+B%C3%A4ume",
              "Rufbus+Dorf", "3D-Stadtmodell", "flood+warning", "Datenplattform+Sensoren"]
        script.write_text("local q = {" + ",".join(f'"{q}"' for q in qs) + "}\n"
                          "local i = 0\nrequest = function()\n i = i % #q + 1\n"
                          " return wrk.format('GET', '/api/v1/search?q=' .. q[i])\nend\n"
                          "done = function(s, l, r)\n io.write(string.format("
                          "'JSON {\"p50\": %f, \"p95\": %f, \"requests\": %d, \"errors\": %d, "
                          "\"non2xx\": %d}\\n', l:percentile(50)/1000, l:percentile(95)/1000, "
                          "s.requests, s.errors.connect + s.errors.read + s.errors.write + "
                          "s.errors.timeout, s.errors.status))\nend\n")
        out = subprocess.run(["wrk", "-t2", "-c8", f"-d{duration}s", "-s", str(script), base],
                             capture_output=True, text=True, check=True).stdout
        stats = json.loads(out.split("JSON ", 1)[1].splitlines()[0])
        rps = stats["requests"] / duration
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                                  text=True).stdout.split()
        rss = []
        for pid in children:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS"):
                    rss.append(int(line.split()[1]) / 1024)
        return [["2 Worker, 8 Verbindungen", f"{rps:.1f}", f"{stats['p95']:.1f}",
                 str(stats["errors"] + stats["non2xx"]),
                 " / ".join(f"{r:.0f}" for r in rss) + " MiB"]]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args(argv)
    embedder = load_embedder(Settings.from_env())
    queries = [j.query for j in load_judgments(ROOT / "eval" / "queries.yaml")][: args.queries]
    print(f"Modell {embedder.name}; Rechner: {machine()}\n")
    print("Indexaufbau (Abschnitte pro Sekunde):")
    print(table(["Verfahren", "Abschnitte", "Abschnitte/s", "Faktor"], build_throughput(embedder)))
    rows, kept = latency_by_size(embedder, args.sizes, queries)
    print("\nSuchlatenz nach Indexgröße (ms; Pipeline = took_ms, blank = Anfrage-Embedding + "
          "exakte FAISS-Suche):")
    print(table(["Abschnitte", "Pipeline p50", "Pipeline p95", "blank p50", "blank p95"], rows))
    print("\nExakt gegen approximativ (IVF), Recall@10 gegen die exakte Suche:")
    print(table(["Abschnitte", "Index", "Recall@10", "ms/Anfrage", "Aufbau"], exact_vs_ivf(kept)))
    if not args.skip_http:
        print("\nHTTP-Last (wrk auf Loopback, /api/v1/search):")
        print(table(["Aufbau", "Anfragen/s", "p95 ms", "Fehler", "Speicher je Worker"],
                    http_load()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
