"""The GermanQuAD benchmark runs the project's pipeline end to end on a tiny data set."""

import json

import pytest

from benchmarks.common import table
from benchmarks.germanquad import run, slug_of, write_corpus

DOCS = [
    ("c1", "Aufzugsanlage\n\nAn der RWTH Aachen wurde ein seilloser Aufzug entwickelt, den "
     "Linearmotoren antreiben."),
    ("c2", "Ulm\n\nDas Ulmer Münster hat den höchsten Kirchturm der Welt mit 161,53 Metern."),
    ("c3", "Photosynthese\n\nPflanzen wandeln Lichtenergie mit Chlorophyll in chemische "
     "Energie um."),
]
QUERIES = [("q1", "Wo wurde ein seilloser Aufzug entwickelt?", "c1"),
           ("q2", "Wie hoch ist der Kirchturm des Ulmer Münsters?", "c2"),
           ("q3", "Womit wandeln Pflanzen Licht in Energie um?", "c3")]


def write_jsonl(path, rows):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")


def test_write_corpus_makes_valid_cases(tmp_path):
    from kb.cases import load_cases

    write_corpus([{"doc_id": d, "text": t} for d, t in DOCS], tmp_path)
    cases, problems = load_cases(tmp_path)
    assert problems == [] and {c.slug for c in cases} == {slug_of(d) for d, _ in DOCS}
    assert {c.title for c in cases} >= {"Aufzugsanlage", "Ulm (Artikel)"}


@pytest.mark.e2e
def test_benchmark_runs_and_finds_the_passages(tmp_path):
    write_jsonl(tmp_path / "docs.jsonl", [{"doc_id": d, "title": "", "text": t} for d, t in DOCS])
    write_jsonl(tmp_path / "queries.jsonl", [{"query_id": q, "query_text": t}
                                             for q, t, _ in QUERIES])
    write_jsonl(tmp_path / "qrels.jsonl", [{"query_id": q, "doc_id": d, "relevance": 1}
                                           for q, _, d in QUERIES])
    out = run(tmp_path, None)
    assert out["queries"] == 3 and out["docs"] == 3
    assert out["modes"]["lexical"]["mrr10"] == pytest.approx(1.0)
    assert out["modes"]["fused"]["mrr10"] == pytest.approx(1.0)


def test_table_renders_markdown():
    text = table(["a", "bb"], [[1, "x"], ["long", 2]])
    assert text.splitlines()[0] == "| a    | bb |"
    assert text.splitlines()[1] == "|------|----|"
