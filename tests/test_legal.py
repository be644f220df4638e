"""Impressum, Datenschutz, Barrierefreiheit and Leichte Sprache: present, linked, configurable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import render_template

TEMPLATES = Path(__file__).parents[1] / "templates"
LEGAL_LINKS = ("/impressum", "/datenschutz", "/barrierefreiheit")


@pytest.mark.parametrize("path,title,required", [
    ("/impressum", "Impressum", ["§ 5 Digitale-Dienste-Gesetz", "§ 18 Absatz 2",
                                 "legal/impressum.md"]),
    ("/datenschutz", "Datenschutzerklärung", ["Cookie", "HttpOnly", "SameSite=Lax",
                                              "§ 25 Absatz 2 Nummer 2 TDDDG", "Artikel 15",
                                              "Artikel 77", "keine externen Schriften"]),
    ("/barrierefreiheit", "Erklärung zur Barrierefreiheit", [
        "BITV 2.0", "WCAG", "2.1", "Feedback und Kontakt", "Schlichtungsstelle nach § 16",
        "Behindertengleichstellungsgesetz", "schlichtungsstelle-bgg.de", "sechs Wochen",
        "Nicht barrierefreie Inhalte", 'href="/impressum"', 'href="/leichte-sprache"']),
])
def test_legal_pages_in_german_with_their_required_parts(client, path, title, required):
    resp = client.get(path)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert '<html lang="de">' in html
    assert f"<h1>{title}</h1>" in html
    assert f"<title>{title} – Praxisatlas Digitale Zwillinge</title>" in html
    for part in required:
        assert part in html, part


@pytest.fixture()
def present_path(client):
    made = client.post("/api/v1/collections", json={"title": "Rechtliches",
                                                    "cases": ["rufbus-landgemeinde"]})
    return f"/collections/{made.get_json()['id']}/present"


def test_every_page_links_the_legal_pages(client, present_path):
    pages = ["/", "/?q=Hitze", "/?q=", "/about", "/cases/rufbus-landgemeinde", "/collections",
             "/submit", "/review/login", "/gibt-es-nicht", "/impressum", "/datenschutz",
             "/barrierefreiheit", "/leichte-sprache", present_path]
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        for link in LEGAL_LINKS:
            assert f'href="{link}"' in html, (path, link)


def test_footer_marks_the_current_legal_page(client):
    html = client.get("/datenschutz").get_data(as_text=True)
    assert '<a href="/datenschutz" aria-current="page">Datenschutz</a>' in html
    assert '<a href="/impressum">Impressum</a>' in html


@pytest.fixture()
def legal_dir(app):
    folder = Path(app.instance_path) / "legal"
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    for file in folder.glob("*.md"):
        file.unlink()


def test_installation_text_replaces_the_default_and_is_sanitized(client, legal_dir):
    (legal_dir / "impressum.md").write_text(
        "## Angaben gemäß § 5 DDG\n\nStadt Musterhausen, Marktplatz 1, 12345 Musterhausen\n\n"
        "<script>alert(1)</script>\n\n![Logo](https://cdn.example/logo.png)\n\n"
        "[E-Mail](mailto:info@musterhausen.example) · [x](javascript:alert(1))\n",
        encoding="utf-8")
    html = client.get("/impressum").get_data(as_text=True)
    assert "<h2>Angaben gemäß § 5 DDG</h2>" in html
    assert "Stadt Musterhausen, Marktplatz 1" in html
    assert 'href="mailto:info@musterhausen.example"' in html
    assert "noch kein eigenes Impressum" not in html
    assert "<script>alert" not in html and "<img" not in html and "javascript:" not in html
    assert "cdn.example" not in html  # no external image, no request to a third party
    # The other pages keep their defaults.
    assert "noch keine eigene Datenschutzerklärung" in client.get("/datenschutz").get_data(
        as_text=True)


def test_an_empty_installation_file_keeps_the_default(client, legal_dir):
    (legal_dir / "barrierefreiheit.md").write_text("\n  \n", encoding="utf-8")
    html = client.get("/barrierefreiheit").get_data(as_text=True)
    assert "Schlichtungsstelle nach § 16" in html


def test_installation_text_is_read_on_every_request(client, legal_dir):
    target = legal_dir / "datenschutz.md"
    target.write_text("## Verantwortliche Stelle\n\nKreis Beispiel\n", encoding="utf-8")
    assert "Kreis Beispiel" in client.get("/datenschutz").get_data(as_text=True)
    target.write_text("## Verantwortliche Stelle\n\nStadt Anders\n", encoding="utf-8")
    html = client.get("/datenschutz").get_data(as_text=True)
    assert "Stadt Anders" in html and "Kreis Beispiel" not in html


def test_leichte_sprache_explains_the_start_page(app, client):
    with app.test_request_context("/"):
        closed = render_template("_leichte_sprache.html")
        opened = render_template("_leichte_sprache.html", ls_open=True)
    assert re.search(r'<details class="leichte-sprache" id="leichte-sprache">', closed)
    assert '<details class="leichte-sprache" id="leichte-sprache" open>' in opened
    assert "<summary>Leichte Sprache: So funktioniert der Praxis·atlas</summary>" in closed
    for sentence in ("Schreiben Sie Ihre Frage in das Such·feld.",
                     "Drücken Sie dann auf den Knopf: Suchen.", "Dann öffnen Sie: Filter."):
        assert sentence in closed
    # Leichte Sprache: short sentences (at most 15 words each).
    text = re.sub(r"<[^>]+>", " ", closed)
    sentences = [s for s in re.split(r"[.:?]\s", text) if s.strip()]
    assert max(len(s.split()) for s in sentences) <= 15
    page = client.get("/leichte-sprache").get_data(as_text=True)
    assert '<details class="leichte-sprache" id="leichte-sprache" open>' in page


def test_start_page_offers_leichte_sprache_once_included(client):
    if "_leichte_sprache.html" not in (TEMPLATES / "search.html").read_text(encoding="utf-8"):
        pytest.skip("templates/search.html bindet _leichte_sprache.html noch nicht ein")
    html = client.get("/").get_data(as_text=True)
    assert html.count('id="leichte-sprache"') == 1


def test_about_page_points_to_the_legal_pages(client):
    html = client.get("/about").get_data(as_text=True)
    for link in (*LEGAL_LINKS, "/leichte-sprache"):
        assert f'href="{link}"' in html
    assert 'id="impressum"' in html  # old links to /about#impressum still land nearby
