"""Retrieval evaluation: graded judgments ► nDCG@10, Recall@10, MRR, latency (pure metrics)."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import KbError
from .search import Query

CUTOFF = 10


class EvalFileError(KbError):
    """The judgments file is malformed."""

    http_status = 400


@dataclass(frozen=True)
class Judged:
    id: str
    query: str
    relevant: dict[str, int]
    category: str = "alle"


def load_judgments(path: Path) -> list[Judged]:
    """Read a YAML list of {id, query, relevant: {slug: grade}, category?}."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise EvalFileError(f"{path}: kann nicht gelesen werden ({exc}).") from exc
    if not isinstance(data, list):
        raise EvalFileError(f"{path}: erwartet wird eine YAML-Liste von Anfragen.")
    items, seen = [], set()
    for n, entry in enumerate(data, 1):
        where = f"{path}: Eintrag {n}"
        if not isinstance(entry, dict) or not {"id", "query", "relevant"} <= set(entry):
            raise EvalFileError(f"{where}: braucht id, query und relevant.")
        rel = entry["relevant"]
        if not isinstance(rel, dict) or not rel or not all(
            isinstance(g, int) and g in (1, 2) for g in rel.values()
        ):
            raise EvalFileError(f"{where}: relevant muss {{slug: 1|2}} sein.")
        if entry["id"] in seen:
            raise EvalFileError(f"{where}: id {entry['id']} ist doppelt.")
        seen.add(entry["id"])
        items.append(Judged(str(entry["id"]), str(entry["query"]),
                            {str(k): int(v) for k, v in rel.items()},
                            str(entry.get("category", "alle"))))
    return items


def ndcg(ranked: list[str], relevant: dict[str, int], k: int = CUTOFF) -> float:
    dcg = sum((2 ** relevant.get(s, 0) - 1) / math.log2(i + 2) for i, s in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall(ranked: list[str], relevant: dict[str, int], k: int = CUTOFF) -> float:
    wanted = {s for s, g in relevant.items() if g > 0}
    return len(wanted & set(ranked[:k])) / len(wanted) if wanted else 0.0


def reciprocal_rank(ranked: list[str], relevant: dict[str, int], k: int = CUTOFF) -> float:
    for i, slug in enumerate(ranked[:k]):
        if relevant.get(slug, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[index]


def evaluate(searcher, judged: list[Judged], mode: str = "fused") -> dict:
    """Run every query in one mode; return mean metrics overall and per category."""
    rows = []
    for item in judged:
        result = searcher.search(Query(item.query, CUTOFF, {}), mode=mode)
        ranked = [r["slug"] for r in result["results"]]
        rows.append({
            "id": item.id, "category": item.category, "took_ms": result["took_ms"],
            "ndcg": ndcg(ranked, item.relevant), "recall": recall(ranked, item.relevant),
            "mrr": reciprocal_rank(ranked, item.relevant),
        })
    return summarize(rows)


def summarize(rows: list[dict]) -> dict:
    def mean(rs, key):
        return statistics.fmean(r[key] for r in rs) if rs else 0.0

    out = {"queries": len(rows), "ndcg": mean(rows, "ndcg"), "recall": mean(rows, "recall"),
           "mrr": mean(rows, "mrr"),
           "p50_ms": percentile([r["took_ms"] for r in rows], 50),
           "p95_ms": percentile([r["took_ms"] for r in rows], 95),
           "categories": {}, "rows": rows}
    for cat in sorted({r["category"] for r in rows}):
        rs = [r for r in rows if r["category"] == cat]
        out["categories"][cat] = {"queries": len(rs), "ndcg": mean(rs, "ndcg"),
                                  "recall": mean(rs, "recall"), "mrr": mean(rs, "mrr")}
    return out
