"""GermanQuAD retrieval through the project's own pipeline: MRR@10 and nDCG@10.

Usage: python benchmarks/germanquad.py [--data DIR] [--limit N]
The passages are written as case files, indexed by `kb.build` with the configured model and
searched by `kb.search` in the modes lexical, dense and fused.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import machine, table  # noqa: E402
from kb.cases import serialize_case  # noqa: E402
from kb.evaluation import percentile  # noqa: E402
from kb.search import Query  # noqa: E402
from kb.service import KnowledgeBase  # noqa: E402
from kb.settings import Settings  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "germanquad"
PUBLISHED = [("BM25, einfache Tokens", "0.884"), ("BM25, Stoppwörter + Snowball", "0.921"),
             ("multilingual-e5-large", "0.933"), ("bge-m3", "0.946")]


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def slug_of(doc_id: str) -> str:
    return "gq-" + "".join(c if c.isalnum() else "-" for c in doc_id.lower())


def write_corpus(docs: list[dict], target: Path) -> None:
    """Write each passage as a valid case file (title = article name)."""
    target.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        text = doc["text"].strip()
        name, _, rest = text.partition("\n")
        title = (name.strip() or "Abschnitt")[:150]
        if len(title) < 5:
            title = f"{title} (Artikel)"
        meta = {
            "title": title, "municipality": "Wikipedia", "municipality_type": "land",
            "state": "BE", "domains": ["verwaltung"], "status": "betrieb",
            "summary": f"Abschnitt aus dem Wikipedia-Artikel „{title}“.", "updated": "2021-04-01",
        }
        body = rest.strip() or text
        (target / f"{slug_of(doc['doc_id'])}.md").write_text(serialize_case(meta, body), "utf-8")


def run(data: Path, limit: int | None) -> dict:
    docs = read_jsonl(data / "docs.jsonl")
    queries = read_jsonl(data / "queries.jsonl")
    qrels: dict[str, set[str]] = {}
    for row in read_jsonl(data / "qrels.jsonl"):
        if row.get("relevance", 1) > 0:
            qrels.setdefault(row["query_id"], set()).add(slug_of(row["doc_id"]))
    queries = [q for q in queries if q["query_id"] in qrels][:limit]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_corpus(docs, tmp / "cases")
        settings = Settings.from_env(content_dir=tmp / "cases", index_dir=tmp / "index",
                                     database_url=f"sqlite:///{tmp / 'kb.sqlite3'}",
                                     thesaurus=tmp / "kein-thesaurus.yaml")
        kb = KnowledgeBase(settings)
        started = time.perf_counter()
        report = kb.build(progress=True)
        build_s = time.perf_counter() - started
        searcher = kb.searcher
        results = {}
        for mode in ("lexical", "dense", "fused"):
            rr, ndcg, took = [], [], []
            for q in queries:
                res = searcher.search(Query(q["query_text"], 10), mode=mode)
                ranked = [r["slug"] for r in res["results"]]
                rel = qrels[q["query_id"]]
                first = next((i for i, s in enumerate(ranked) if s in rel), None)
                rr.append(0.0 if first is None else 1.0 / (first + 1))
                dcg = sum(1 / math.log2(i + 2) for i, s in enumerate(ranked) if s in rel)
                idcg = sum(1 / math.log2(i + 2) for i in range(min(len(rel), 10)))
                ndcg.append(dcg / idcg)
                took.append(res["took_ms"])
            results[mode] = {"mrr10": sum(rr) / len(rr), "ndcg10": sum(ndcg) / len(ndcg),
                             "p50_ms": percentile(took, 50), "p95_ms": percentile(took, 95)}
        return {"model": kb.embedder.name, "docs": len(docs), "queries": len(queries),
                "chunks": report.chunks_total, "build_s": build_s, "modes": results,
                "weights": vars(searcher.weights)}


def render(out: dict) -> str:
    rows = [[mode, f"{r['mrr10']:.3f}", f"{r['ndcg10']:.3f}", f"{r['p50_ms']:.1f}",
             f"{r['p95_ms']:.1f}"] for mode, r in out["modes"].items()]
    text = [f"GermanQuAD: {out['queries']} Fragen, {out['docs']} Passagen ({out['chunks']} "
            f"Abschnitte), Modell {out['model']}, Index in {out['build_s']:.0f} s",
            table(["Verfahren", "MRR@10", "nDCG@10", "p50 ms", "p95 ms"], rows),
            "", "Veröffentlichte Vergleichswerte (MRR@10):",
            table(["System", "MRR@10"], [list(p) for p in PUBLISHED]),
            f"Rechner: {machine()}"]
    return "\n".join(text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None, help="nur die ersten N Fragen")
    parser.add_argument("--json", type=Path, help="Ergebnisse zusätzlich als JSON schreiben")
    args = parser.parse_args(argv)
    if not (args.data / "docs.jsonl").exists():
        print(f"Fehler: {args.data}/docs.jsonl fehlt (Option --data).", file=sys.stderr)
        return 2
    out = run(args.data, args.limit)
    print(render(out))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
