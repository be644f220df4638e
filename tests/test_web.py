"""German pages: search with filters in the URL, case page, about, errors, headers."""

import re

import pytest

from kb.search import LIKE_BOOST


def test_start_page(client):
    resp = client.get("/")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and '<html lang="de">' in html
    assert 'href="#inhalt"' in html and "Zum Inhalt springen" in html
    assert '<label for="q">' in html


def test_search_page_shows_results_marks_and_keeps_filters(client):
    resp = client.get("/?q=Starkregen+Keller&domain=wasser")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Starkregengefahrenkarte im 3D-Stadtmodell" in html
    assert "<mark>" in html
    assert 'value="wasser" checked' in html
    assert 'value="Starkregen Keller"' in html


def test_search_without_hits_explains(client):
    html = client.get("/?q=Keller&state=SH").get_data(as_text=True)
    assert "Keine Fälle passen" in html


def test_search_found_only_by_meaning_says_so(client):
    html = client.get("/?q=Xylophon+Quantenphysik").get_data(as_text=True)
    assert "Kein Fall enthält Ihre Suchwörter" in html and "nur inhaltlich" in html
    assert "gefunden</h2>" not in html and '<li class="result">' in html
    html = client.get("/?q=Starkregen+Keller").get_data(as_text=True)
    assert "Kein Fall enthält" not in html and "gefunden</h2>" in html
    # The word is in a case, but not in one the filter leaves.
    html = client.get("/?q=Rufbus&state=HH").get_data(as_text=True)
    assert "Kein Fall in Ihrer Auswahl enthält Ihre Suchwörter" in html
    assert "Entfernen Sie Filter" in html


def test_bad_query_is_a_german_400_page(client):
    resp = client.get("/?q=&state=NW")
    assert resp.status_code == 400 and "Bitte geben Sie einen Suchbegriff ein" in resp.text
    resp = client.get("/?q=a&state=XX")
    assert resp.status_code == 400 and "Unbekannter Wert" in resp.text


def test_case_page(client):
    resp = client.get("/cases/starkregen-beispielstadt")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "<h1>Starkregengefahrenkarte im 3D-Stadtmodell</h1>" in html
    assert "Nordrhein-Westfalen" in html and "64.000" in html
    assert 'href="https://example.org/starkregen"' in html
    assert "Ähnliche Fälle" in html and "projektnummer" in html


def test_unknown_case_is_german_404(client):
    resp = client.get("/cases/gibt-es-nicht")
    assert resp.status_code == 404 and "Den Fall „gibt-es-nicht“ gibt es nicht" in resp.text
    assert client.get("/gibt/es/nicht").status_code == 404
    assert "Traceback" not in resp.text


def test_about_names_model_and_counts(client):
    html = client.get("/about").get_data(as_text=True)
    assert "sentence-transformers/all-MiniLM-L6-v2" in html
    assert "Impressum" in html and "Erklärung zur Barrierefreiheit" in html


@pytest.mark.parametrize("path", ["/", "/?q=Hitze", "/cases/rufbus-landgemeinde", "/about"])
def test_no_third_party_assets_and_security_headers(client, path):
    resp = client.get(path)
    html = resp.get_data(as_text=True)
    for attr in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not attr.startswith("//")
        assert not attr.startswith("http") or "example.org" in attr  # only case sources
    assert "<script" not in html or 'src="/static/' in html
    csp = resp.headers["Content-Security-Policy"]
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"]


def test_static_css_is_served(client):
    with client.get("/static/style.css") as resp:
        assert resp.status_code == 200 and b"focus-visible" in resp.data


def test_search_shows_expansions_and_keeps_like_fields(client):
    html = client.get("/?q=Keller+laufen+voll&like_type=stadt&like_state=NW&like_size=mittel"
                      "&like_mode=filter").get_data(as_text=True)
    assert "Auch gesucht nach:" in html and "Starkregen" in html
    assert '<option value="stadt" selected>' in html
    assert '<option value="NW" selected>' in html and '<option value="mittel" selected>' in html
    assert 'value="filter" checked' in html
    assert "1 Fall gefunden" in html  # only Stadt + NW + mittel: the Beispielstadt


def test_search_page_names_the_corrected_words(client):
    html = client.get("/?q=Bodenfeuhte").get_data(as_text=True)
    assert "gesucht wurde auch nach: Bodenfeuchte" in html


def test_like_boost_reorders_without_filtering(client):
    plain = client.get("/api/v1/search?q=Daten+Stadt+Planung&top_k=5").get_json()
    last = plain["results"][-1]
    boosted = client.get("/api/v1/search", query_string={
        "q": "Daten Stadt Planung", "top_k": 5, "like_type": last["municipality_type"],
        "like_state": last["state"]}).get_json()
    assert boosted["total"] == plain["total"]
    before = {r["slug"]: r["score"] for r in plain["results"]}
    after = {r["slug"]: r["score"] for r in boosted["results"]}
    factor = 1 + 2 * LIKE_BOOST  # type and Bundesland both match
    assert after[last["slug"]] == pytest.approx(before[last["slug"]] * factor, rel=1e-4)
    for r in boosted["results"]:
        if r["municipality_type"] != last["municipality_type"] and r["state"] != last["state"]:
            assert r["score"] == before[r["slug"]]  # the others keep their scores
    ranked = [r["slug"] for r in boosted["results"]]
    assert ranked == sorted(after, key=lambda slug: -after[slug])
    bad = client.get("/api/v1/search?q=x&like_type=dorf")
    assert bad.status_code == 400


def test_foreign_language_passages_keep_a_valid_lang_only():
    from kb.render import render_markdown

    html = render_markdown('Das Motto <span lang="en">smart city</span> und '
                           '<span lang="en onmouseover=alert(1)">x</span>')
    assert '<span lang="en">smart city</span>' in html
    assert "onmouseover" not in html and html.count("lang=") == 1
