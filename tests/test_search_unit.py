"""Pure parts of the query pipeline: validation, filters, fusion, facets, excerpts."""

import pytest

from kb.errors import QueryError
from kb.search import (
    LONG_QUERY_TERMS,
    FusionWeights,
    boost,
    excerpt,
    facet_counts,
    matches,
    parse_filters,
    parse_query,
    rrf,
    term_matches,
)
from kb.text import stem


@pytest.mark.parametrize("text", ["", "   ", None, "x" * 1001])
def test_empty_or_too_long_queries_are_rejected(text):
    with pytest.raises(QueryError):
        parse_query(text)


@pytest.mark.parametrize("top_k", [0, 101, "zehn", None])
def test_top_k_is_checked(top_k):
    with pytest.raises(QueryError):
        parse_query("Starkregen", top_k)


def test_unknown_filters_and_values_are_rejected():
    with pytest.raises(QueryError, match="Unbekannter Filter"):
        parse_filters({"farbe": ["rot"]})
    with pytest.raises(QueryError, match="Unbekannter Wert"):
        parse_filters({"state": ["XX"]})


def test_filters_are_cleaned():
    assert parse_filters({"state": ["NW", "NW", ""], "domain": []}) == {"state": ["NW"]}


META = [
    {"domains": ["wasser", "klimaanpassung"], "state": "NW", "municipality_type": "stadt",
     "status": "betrieb"},
    {"domains": ["energie"], "state": "BY", "municipality_type": "kreis", "status": "pilot"},
    {"domains": ["wasser"], "state": "BY", "municipality_type": "gemeinde", "status": "betrieb"},
]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, [0, 1, 2]),
        ({"domain": ["wasser"]}, [0, 2]),
        ({"domain": ["wasser"], "state": ["BY"]}, [2]),
        ({"state": ["BY", "NW"]}, [0, 1, 2]),
        ({"type": ["kreis"], "status": ["betrieb"]}, []),
        ({"status": ["betrieb"]}, [0, 2]),
    ],
)
def test_matches(filters, expected):
    assert [i for i, m in enumerate(META) if matches(m, filters)] == expected


def test_facets_count_each_facet_under_the_other_filters():
    facets = facet_counts(META, {"state": ["BY"]})
    assert facets["state"] == {"NW": 1, "BY": 2}  # own filter ignored: other states visible
    assert facets["domain"] == {"wasser": 1, "energie": 1}
    assert facets["type"] == {"kreis": 1, "gemeinde": 1}


def test_rrf_weights_and_ranks():
    fused = rrf([(1.0, [1, 2, 3]), (0.5, [3, 1])], k=60)
    assert fused[1] == pytest.approx(1 / 61 + 0.5 / 62)
    assert fused[3] == pytest.approx(1 / 63 + 0.5 / 61)
    assert max(fused, key=fused.get) == 1
    assert rrf([(0.0, [1, 2])]) == {}


def test_excerpt_centres_on_the_first_match():
    text = " ".join(["Füllwort"] * 100 + ["Starkregen", "trifft", "Keller"] + ["Ende"] * 100)
    snippet = excerpt(text, {stem("starkregen")}, width=120)
    assert "Starkregen" in snippet and snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) <= 126


def test_term_matches_stems_and_compound_parts():
    terms = {stem("starkregen"), stem("karte")}
    assert term_matches("Starkregens", terms)
    assert term_matches("starkregengefahrenkarte", terms)
    assert not term_matches("und", terms)
    assert not term_matches("regen", {stem("starkregen")})


def test_dense_weight_depends_on_the_query():
    weights = FusionWeights(lexical=1.0, dense=0.2, english=0.8, long=0.0)
    assert weights.dense_for("Starkregen Gefahrenkarte", 2) == 0.2
    assert weights.dense_for("flood early warning for small rivers", 5) == 0.8
    assert weights.dense_for("lange deutsche Problembeschreibung", LONG_QUERY_TERMS + 1) == 0.0
    plain = FusionWeights(lexical=1.0, dense=1.0)
    assert plain.dense_for("flood early warning for small rivers", 40) == 1.0
    # The fixed comparison modes keep their weights.
    assert FusionWeights(lexical=1.0, dense=0.0, english=0.8).dense_for("the flood map", 3) == 0
    assert FusionWeights(lexical=0.0, dense=1.0, long=0.0).dense_for("x " * 40, 40) == 1.0


def test_boost_adds_one_weight_per_matching_constraint():
    cases = {"a": {"state": "SN", "municipality_type": "stadt"},
             "b": {"state": "BY", "municipality_type": "stadt"}}
    grouped = [("b", 1.0, []), ("a", 0.6, [])]
    ranked = boost(grouped, cases, {"state": (["SN"], 1.0), "type": (["stadt"], 0.2)})
    assert [(slug, round(score, 2)) for slug, score, _ in ranked] == [("a", 1.32), ("b", 1.2)]
