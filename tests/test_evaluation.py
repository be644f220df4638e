"""Evaluation metrics and the judgments file format."""

import math

import pytest

from kb.evaluation import (
    EvalFileError,
    load_judgments,
    ndcg,
    percentile,
    recall,
    reciprocal_rank,
)


def test_ndcg_perfect_and_partial():
    rel = {"a": 2, "b": 1}
    assert ndcg(["a", "b", "c"], rel) == pytest.approx(1.0)
    assert ndcg(["b", "a"], rel) < 1.0
    dcg = 1 / math.log2(3)  # b (grade 1) at rank 2 only
    idcg = 3 + 1 / math.log2(3)
    assert ndcg(["x", "b"], rel) == pytest.approx(dcg / idcg)
    assert ndcg(["x", "y"], rel) == 0.0


def test_recall_and_mrr():
    rel = {"a": 2, "b": 1, "c": 1}
    assert recall(["a", "x", "c"], rel) == pytest.approx(2 / 3)
    assert reciprocal_rank(["x", "y", "b"], rel) == pytest.approx(1 / 3)
    assert reciprocal_rank(["x"] * 10 + ["a"], rel) == 0.0  # beyond the cutoff


def test_percentile():
    assert percentile([5, 1, 3, 2, 4], 50) == 3
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([], 50) == 0.0


def test_load_judgments(tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text("- id: q1\n  query: Starkregen\n  category: keywords\n"
                    "  relevant: {koeln: 2, bremen: 1}\n", encoding="utf-8")
    [item] = load_judgments(path)
    assert item.relevant == {"koeln": 2, "bremen": 1} and item.category == "keywords"


@pytest.mark.parametrize("text", [
    "nur: ein mapping", "- id: q1\n  query: x\n", "- id: q1\n  query: x\n  relevant: {a: 3}\n",
    "- {id: q1, query: x, relevant: {a: 1}}\n- {id: q1, query: y, relevant: {a: 1}}\n",
])
def test_bad_judgment_files_raise_clear_errors(tmp_path, text):
    path = tmp_path / "q.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EvalFileError):
        load_judgments(path)


@pytest.mark.parametrize(("name", "minimum"), [("queries.yaml", 60), ("heldout.yaml", 40)])
def test_shipped_query_sets_are_complete(name, minimum):
    from pathlib import Path

    from kb.cases import load_cases

    root = Path(__file__).parents[1]
    judged = load_judgments(root / "eval" / name)
    slugs = {c.slug for c in load_cases(root / "content" / "cases")[0]}
    assert len(judged) >= minimum
    assert all(set(j.relevant) <= slugs for j in judged)
    assert all(2 in j.relevant.values() for j in judged)
    assert {j.category for j in judged} == {"problem", "keywords", "typo", "english",
                                            "constraint", "process"}


def test_held_out_queries_are_not_copies_of_the_dev_set():
    from pathlib import Path

    root = Path(__file__).parents[1]
    dev = {j.query.casefold() for j in load_judgments(root / "eval" / "queries.yaml")}
    held = {j.query.casefold() for j in load_judgments(root / "eval" / "heldout.yaml")}
    assert not dev & held
