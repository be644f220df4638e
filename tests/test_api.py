"""The JSON API: contract shapes, errors as 4xx JSON, never 500 on bad input."""

import pytest

from kb.search import Query

SEARCH_KEYS = {"query", "total", "took_ms", "results", "facets"}
RESULT_KEYS = {"slug", "title", "municipality", "state", "domains", "status", "summary",
               "score", "snippets"}


def test_health(client, built):
    data = client.get("/api/v1/health").get_json()
    assert data["status"] == "ok" and data["model"] and data["dimension"] == 384
    assert data["cases"] == 5 and data["chunks"] >= 5 and data["built_at"]


def test_search_shape_and_hit(client):
    resp = client.get("/api/v1/search", query_string={"q": "Rufbus für Dörfer", "top_k": 3})
    data = resp.get_json()
    assert resp.status_code == 200 and SEARCH_KEYS <= set(data)
    assert data["results"][0]["slug"] == "rufbus-landgemeinde"
    assert RESULT_KEYS <= set(data["results"][0])
    assert data["results"][0]["snippets"][0]["section"]
    assert len(data["results"]) <= 3
    assert set(data["facets"]) == {"domain", "state", "type", "status", "size"}


def test_misspelled_words_are_searched_as_the_corpus_word(client):
    data = client.get("/api/v1/search", query_string={"q": "Bodenfeuhte Stadtbäume"}).get_json()
    assert data["corrections"] == ["Bodenfeuchte"]
    assert data["results"][0]["slug"] == "hitze-stadtbaeume-sensoren"
    # Correct words, even ones no case uses, are not "corrected".
    data = client.get("/api/v1/search", query_string={"q": "Unsere Leute gießen Bäume"}).get_json()
    assert data["corrections"] == []


def test_results_found_by_meaning_alone_are_flagged(client, built):
    kb, _ = built
    data = client.get("/api/v1/search", query_string={"q": "Xylophon Quantenphysik"}).get_json()
    # No case holds either word, so the results are the vector search's nearest neighbours.
    assert data["only_similar"] is True and data["results"] and data["corrections"] == []
    data = client.get("/api/v1/search", query_string={"q": "Rufbus Xylophon"}).get_json()
    assert data["only_similar"] is False
    assert data["results"][0]["slug"] == "rufbus-landgemeinde"
    # Words found, but not in the cases the filter leaves: those are similar only.
    data = client.get("/api/v1/search", query_string={"q": "Rufbus", "state": "HH"}).get_json()
    assert data["results"] and data["only_similar"] is True
    # Lexical-only finds nothing (nothing to flag); dense-only never looks at the words.
    lexical = kb.searcher.search(Query("Xylophon Quantenphysik"), mode="lexical")
    assert lexical["results"] == [] and lexical["only_similar"] is False
    dense = kb.searcher.search(Query("Xylophon Quantenphysik"), mode="dense")
    assert dense["results"] and dense["only_similar"] is False


def test_search_filters(client):
    data = client.get("/api/v1/search?q=Stadt&state=BY&state=TH").get_json()
    assert data["results"] and all(r["state"] in {"BY", "TH"} for r in data["results"])
    data = client.get("/api/v1/search?q=Stadt&domain=mobilitaet&type=gemeinde").get_json()
    assert [r["slug"] for r in data["results"]] == ["rufbus-landgemeinde"]


@pytest.mark.parametrize("query", [
    "q=", "q=%20%20", "", "q=" + "x" * 1001, "q=a&top_k=0", "q=a&top_k=abc", "q=a&top_k=1000",
    "q=a&state=XX", "q=a&domain=unbekannt", "q=a&type=dorf", "q=a&status=fertig",
])
def test_bad_search_input_is_400_json(client, query):
    resp = client.get(f"/api/v1/search?{query}")
    assert resp.status_code == 400
    assert resp.is_json and resp.get_json()["error"]


def test_cases_list_and_detail(client):
    cases = client.get("/api/v1/cases").get_json()["cases"]
    assert len(cases) == 5 and {"slug", "title", "domains"} <= set(cases[0])
    data = client.get("/api/v1/cases/starkregen-beispielstadt").get_json()
    assert data["body_markdown"].startswith("## Ausgangslage")
    assert "<h2>Ausgangslage</h2>" in data["body_html"]
    assert data["projektnummer"] == "SR-17"  # unknown fields are kept and shown


@pytest.mark.parametrize("path", ["/api/v1/cases/gibt-es-nicht", "/api/v1/cases/..%2F..%2Fetc",
                                  "/api/v1/cases/gibt-es-nicht/similar", "/api/v1/nirgends"])
def test_unknown_things_are_404_json(client, path):
    resp = client.get(path)
    assert resp.status_code == 404 and resp.is_json and "error" in resp.get_json()


def test_similar_excludes_itself(client):
    data = client.get("/api/v1/cases/starkregen-beispielstadt/similar?top_k=3").get_json()
    slugs = [r["slug"] for r in data["results"]]
    assert len(slugs) == 3 and "starkregen-beispielstadt" not in slugs
    assert client.get("/api/v1/cases/starkregen-beispielstadt/similar?top_k=x").status_code == 400


def test_openapi_lists_every_route(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in ["/api/v1/health", "/api/v1/search", "/api/v1/cases", "/api/v1/cases/{slug}",
                 "/api/v1/cases/{slug}/similar", "/api/v1/openapi.json", "/api/v1/submissions",
                 "/api/v1/collections", "/api/v1/collections/{id}"]:
        assert path in spec["paths"]


def test_wrong_method_is_405_json(client):
    resp = client.post("/api/v1/search", data=b"{}")
    assert resp.status_code == 405 and resp.is_json
