"""Collections in the browser: CSRF, add, edit, reorder, share, present, export, search export."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask import render_template_string
from pptx import Presentation
from pypdf import PdfReader

from kb.collections import apply_item_action

STARK, HITZE = "starkregen-beispielstadt", "hitze-stadtbaeume-sensoren"
RUFBUS = "rufbus-landgemeinde"
TITLES = {STARK: "Starkregengefahrenkarte im 3D-Stadtmodell",
          HITZE: "Bodenfeuchtesensoren für die Bewässerung von Stadtbäumen",
          RUFBUS: "Rufbus auf Abruf für eine Landgemeinde"}


def csrf(client, path="/collections") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def new_collection(client, title="Webinar Klimaanpassung", **extra) -> tuple[str, str]:
    """Create a collection through the form; return (id, edit token)."""
    resp = client.post("/collections", data={"csrf_token": csrf(client), "title": title, **extra})
    assert resp.status_code == 303
    match = re.search(r"/collections/([^?/]+)\?token=([^#&]+)", resp.headers["Location"])
    return match.group(1), match.group(2)


def add(client, slug, collection_id="", **extra):
    return client.post("/collections/add", data={
        "csrf_token": csrf(client), "slug": slug, "collection": collection_id, **extra})


def slugs_of(client, collection_id) -> list[str]:
    data = client.get(f"/api/v1/collections/{collection_id}").get_json()
    return [c["slug"] for c in data["cases"]]


def item_action(client, collection_id, token, slug, action, note=None):
    data = {"csrf_token": csrf(client), "token": token, "slug": slug, "action": action}
    if note is not None:
        data["note"] = note
    return client.post(f"/collections/{collection_id}/items", data=data)


# -- CSRF ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("token", [None, "", "falsch", "ä-nicht-ascii"])
def test_form_posts_without_the_session_token_are_rejected(client, token):
    csrf(client)
    data = {"title": "Webinar ohne Token"}
    if token is not None:
        data["csrf_token"] = token
    resp = client.post("/collections", data=data)
    assert resp.status_code == 400
    assert "Das Formular ist abgelaufen" in resp.get_data(as_text=True)


def test_token_from_another_session_is_rejected(app):
    first, second = app.test_client(), app.test_client()
    token = csrf(first)
    csrf(second)
    resp = second.post("/collections", data={"csrf_token": token, "title": "Fremdes Token"})
    assert resp.status_code == 400


def test_json_api_needs_no_csrf_token(client):
    resp = client.post("/api/v1/collections", json={"title": "Per API", "cases": [STARK]})
    assert resp.status_code == 201


# -- creating, adding, editing ------------------------------------------------------------------
def test_create_collection_shows_private_and_share_links(client):
    collection_id, token = new_collection(client, description="Für Amtsleitungen",
                                          event_date="2026-05-12")
    html = client.get(f"/collections/{collection_id}?token={token}").get_data(as_text=True)
    assert "<h1>Webinar Klimaanpassung</h1>" in html and "Termin: 12. Mai 2026" in html
    assert f'value="http://localhost/collections/{collection_id}?token={token}"' in html
    assert f'value="http://localhost/collections/{collection_id}"' in html
    assert "Die Mappe ist angelegt." in html
    listing = client.get("/collections").get_data(as_text=True)
    assert f"/collections/{collection_id}?token={token}" in listing


def test_invalid_form_is_422_with_field_messages(client):
    resp = client.post("/collections", data={"csrf_token": csrf(client), "title": "A",
                                             "event_date": "12.05.2026"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'aria-invalid="true" aria-describedby="title-error"' in html
    assert "Titel mit 3 bis 160 Zeichen angeben" in html and "JJJJ-MM-TT" in html


def test_add_from_case_page_creates_then_reuses_the_collection(client):
    page = client.get(f"/cases/{STARK}").get_data(as_text=True)
    assert 'action="/collections/add"' in page and "Zur Mappe hinzufügen" in page
    resp = add(client, STARK, next="/?q=Starkregen")
    assert resp.status_code == 303
    collection_id = re.search(r"/collections/([^?]+)\?", resp.headers["Location"]).group(1)
    assert "zurueck=" in resp.headers["Location"]
    shown = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Neue Mappe mit „Starkregengefahrenkarte im 3D-Stadtmodell“ angelegt" in shown
    assert 'href="/?q=Starkregen">Zurück zur Suche' in shown
    # The next case page offers this collection, chosen first.
    page = client.get(f"/cases/{HITZE}").get_data(as_text=True)
    assert re.search(rf'<select id="mappe-{HITZE}" name="collection">\s*<option value="'
                     rf'{collection_id}">Neue Mappe vom', page)
    assert add(client, HITZE, collection_id).status_code == 303
    again = add(client, HITZE, collection_id)
    assert "steht schon in dieser Mappe" in client.get(again.headers["Location"]).text
    assert slugs_of(client, collection_id) == [STARK, HITZE]


@pytest.mark.parametrize("target", ["https://boese.example/", "//boese.example", "javascript:x"])
def test_return_address_must_be_local(client, target):
    resp = add(client, RUFBUS, next=target)
    assert "zurueck" not in resp.headers["Location"]


def test_add_unknown_case_is_404_and_foreign_collection_is_403(client, app):
    assert add(client, "gibt-es-nicht").status_code == 404
    collection_id, _ = new_collection(client)
    stranger = app.test_client()
    resp = add(stranger, STARK, collection_id)
    assert resp.status_code == 403 and "privaten Bearbeitungslink" in resp.text
    assert slugs_of(client, collection_id) == []


def test_reorder_annotate_and_remove(client):
    collection_id, token = new_collection(client)
    for slug in (STARK, HITZE, RUFBUS):
        add(client, slug, collection_id)
    resp = item_action(client, collection_id, token, RUFBUS, "up", note="Kosten „ansprechen“ – €")
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"#fall-{RUFBUS}")
    assert slugs_of(client, collection_id) == [STARK, RUFBUS, HITZE]
    item_action(client, collection_id, token, STARK, "down")
    assert slugs_of(client, collection_id) == [RUFBUS, STARK, HITZE]
    too_long = item_action(client, collection_id, token, STARK, "note", note="x" * 601)
    assert too_long.status_code == 422 and "höchstens 600 Zeichen" in too_long.text
    item_action(client, collection_id, token, HITZE, "remove")
    data = client.get(f"/api/v1/collections/{collection_id}").get_json()
    assert [(c["slug"], c["note"]) for c in data["cases"]] == [
        (RUFBUS, "Kosten „ansprechen“ – €"), (STARK, "")]
    html = client.get(f"/collections/{collection_id}?token={token}").get_data(as_text=True)
    assert "„Bodenfeuchtesensoren für die Bewässerung von Stadtbäumen“ wurde aus der Mappe" in html
    assert 'aria-label="Nach unten: Rufbus auf Abruf für eine Landgemeinde"' in html
    assert 'aria-label="Nach oben: Rufbus' not in html  # the first case cannot move up


@pytest.mark.parametrize(("token", "status"), [("", 403), ("falsch", 403)])
def test_editing_needs_the_edit_token(client, token, status):
    collection_id, _ = new_collection(client)
    add(client, STARK, collection_id)
    assert item_action(client, collection_id, token, STARK, "remove").status_code == status
    for title in ("Übernommen", ""):
        resp = client.post(f"/collections/{collection_id}/details", data={
            "csrf_token": csrf(client), "token": token, "title": title})
        assert resp.status_code == status
    assert slugs_of(client, collection_id) == [STARK]


def test_details_are_saved_and_validated(client):
    collection_id, token = new_collection(client)
    bad = client.post(f"/collections/{collection_id}/details", data={
        "csrf_token": csrf(client), "token": token, "title": "Neu", "event_date": "2026-13-40"})
    assert bad.status_code == 422 and "JJJJ-MM-TT" in bad.text
    ok = client.post(f"/collections/{collection_id}/details", data={
        "csrf_token": csrf(client), "token": token, "title": "Webinar „Hitze“ im Süden",
        "description": "Für Grünflächenämter", "event_date": "2026-07-01"})
    assert ok.status_code == 303
    data = client.get(f"/api/v1/collections/{collection_id}").get_json()
    assert (data["title"], data["event_date"]) == ("Webinar „Hitze“ im Süden", "2026-07-01")


def test_share_view_is_read_only_and_never_shows_the_token(client, app):
    collection_id, token = new_collection(client)
    add(client, STARK, collection_id)
    item_action(client, collection_id, token, STARK, "note", note="Nur für Gäste")
    html = app.test_client().get(f"/collections/{collection_id}").get_data(as_text=True)
    assert token not in html and "Notiz speichern" not in html and "Nur für Gäste" in html
    assert "Präsentation starten" in html and f"/collections/{collection_id}/export.pptx" in html


def test_item_actions_are_pure():
    items = [{"slug": "a", "note": ""}, {"slug": "b", "note": "x"}, {"slug": "c", "note": ""}]
    assert [i["slug"] for i in apply_item_action(items, "a", "up")] == ["a", "b", "c"]
    assert [i["slug"] for i in apply_item_action(items, "c", "down")] == ["a", "b", "c"]
    assert [i["slug"] for i in apply_item_action(items, "b", "up")] == ["b", "a", "c"]
    assert apply_item_action(items, "b", "note", " neu ")[1]["note"] == "neu"
    assert items[1]["note"] == "x"  # the input list is not changed


# -- presenting ---------------------------------------------------------------------------------
def collection_with_cases(client, *slugs, note=None):
    collection_id, token = new_collection(client, title="Webinar „Wasser“ für Städte",
                                          event_date="2026-05-12")
    for slug in slugs:
        add(client, slug, collection_id)
    if note:
        item_action(client, collection_id, token, slugs[0], "note", note=note)
    return collection_id


def test_presentation_view(client):
    collection_id = collection_with_cases(client, STARK, RUFBUS, note="Auf Feuerwehr eingehen")
    resp = client.get(f"/collections/{collection_id}/present")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.startswith("<!doctype html>\n<html lang=\"de\">")
    assert html.count('<section class="slide') == 4 and html.count("<h1") == 1
    assert "Folie 1 von 4" in html and "Folie 4 von 4" in html
    assert f'<h2 id="folie-2-titel">{TITLES[STARK]}</h2>' in html
    assert "Stadt Beispielstadt, Nordrhein-Westfalen · Projektstand: Betrieb" in html
    assert "Die Qualität des Geländemodells entscheidet über die Aussagekraft." in html
    assert "Auf Feuerwehr eingehen" in html and "12. Mai 2026" in html
    assert 'href="https://example.org/starkregen"' in html
    assert '<a href="#folie-3" data-deck="next">Nächste Folie</a>' in html
    assert 'href="#folie-1"' in html and "Zur ersten Folie springen" in html
    # Content Security Policy: scripts and styles only from files of this site.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/present.js" defer>']
    assert "style=" not in html and "<style" not in html
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]


def test_presentation_assets_handle_keys_and_print():
    from pathlib import Path

    static = Path(__file__).parents[1] / "static"
    js = (static / "present.js").read_text(encoding="utf-8")
    for key in ('"ArrowRight"', '"ArrowLeft"', '" "', '"Home"', '"End"'):
        assert key in js
    css = (static / "present.css").read_text(encoding="utf-8")
    assert "@media print" in css and "break-after: page" in css and ":focus-visible" in css
    assert "http" not in css and "@import" not in css and "url(" not in css


@pytest.mark.parametrize("path", ["/collections", "/collections/{id}", "/collections/{id}/present"])
def test_collection_pages_load_nothing_from_third_parties(client, path):
    collection_id = collection_with_cases(client, STARK)
    html = client.get(path.format(id=collection_id)).get_data(as_text=True)
    for attr in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not attr.startswith("//")
        assert not attr.startswith("http") or "example.org" in attr
    assert "style=" not in html
    for field_id in re.findall(r'<(?:input|textarea|select) id="([^"]+)"', html):
        assert f'<label for="{field_id}"' in html


# -- exports over HTTP --------------------------------------------------------------------------
def test_exports_download_every_format(client):
    collection_id = collection_with_cases(client, STARK, HITZE, note="Hinweis „Förderung“")
    base = f"/collections/{collection_id}/export"
    pptx = client.get(f"{base}.pptx")
    assert pptx.status_code == 200 and pptx.mimetype.endswith("presentationml.presentation")
    assert 'attachment; filename="mappe-webinar-wasser-fuer-staedte.pptx"' == pptx.headers[
        "Content-Disposition"]
    slides = list(Presentation(io.BytesIO(pptx.data)).slides)
    assert [s.shapes.title.text for s in slides][1:3] == [TITLES[STARK], TITLES[HITZE]]
    assert f"http://localhost/cases/{STARK}" in slides[1].notes_slide.notes_text_frame.text
    pdf = client.get(f"{base}.pdf")
    reader = PdfReader(io.BytesIO(pdf.data))
    assert pdf.mimetype == "application/pdf"
    assert reader.metadata.title == "Webinar „Wasser“ für Städte"
    assert "Hinweis „Förderung“" in reader.pages[1].extract_text()
    md = client.get(f"{base}.md")
    assert md.headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert "# Webinar „Wasser“ für Städte" in md.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(client.get(f"{base}.csv").data.decode("utf-8-sig")),
                               delimiter=";"))
    assert [r["slug"] for r in rows] == [STARK, HITZE] and rows[0]["notiz"] == "Hinweis „Förderung“"
    assert client.get(f"{base}.docx").status_code == 404
    assert client.get("/collections/gibt-es-nicht/export.pdf").status_code == 404


def test_search_export_csv_and_json_match_the_api(client):
    query = {"q": "Starkregen Keller", "domain": "wasser"}
    api = client.get("/api/v1/search", query_string={**query, "top_k": 100}).get_json()
    resp = client.get("/export/search.csv", query_string=query)
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.data.decode("utf-8-sig")), delimiter=";"))
    assert [r["slug"] for r in rows] == [r["slug"] for r in api["results"]]
    assert rows[0]["slug"] == STARK and rows[0]["url"] == f"http://localhost/cases/{STARK}"
    data = client.get("/export/search.json", query_string=query).get_json()
    assert [r["slug"] for r in data["results"]] == [r["slug"] for r in api["results"]]
    assert data["total"] == api["total"]
    bad = client.get("/export/search.csv", query_string={"q": "", "state": "NW"})
    assert bad.status_code == 400 and "Suchbegriff" in bad.text
    assert client.get("/export/search.xlsx?q=a").status_code == 404


def test_search_export_links_keep_query_and_filters(app):
    template = ('{% from "_macros.html" import search_export_links, add_to_collection '
                'with context %}{{ search_export_links() }}{{ add_to_collection("x", "Titel") }}')
    with app.test_request_context("/?q=Hitze+B%C3%A4ume&state=BY&state=NW&fmt=x&zz=1"):
        html = render_template_string(template)
    assert 'href="/export/search.csv?q=Hitze+B%C3%A4ume&amp;state=BY&amp;state=NW"' in html
    assert 'href="/export/search.json?q=Hitze' in html
    assert 'aria-label="Zur Mappe hinzufügen: Titel"' in html
    assert 'name="csrf_token" value="' in html
