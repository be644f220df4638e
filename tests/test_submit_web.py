"""Contributing through the browser: the guided form, preview, similar cases, status, XSS."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser

import pytest
from conftest import CORPUS, THESAURUS, FakeEmbedder, make_settings
from markupsafe import escape
from sqlalchemy import func, select

from kb.cases import DOMAINS, KNOWN_FIELDS, RECOMMENDED_SECTIONS
from kb.db import AuditRow, SubmissionRow, session_factory
from kb.review import SECTION_PROMPTS
from kb.service import KnowledgeBase
from kb.web import create_app

RUFBUS = "rufbus-landgemeinde"
FORM = {
    "title": "Baumkataster-App für den Bauhof",
    "summary": "Der Bauhof erfasst Baumkontrollen mobil statt auf Papier; Fristen gehen nicht "
               "mehr verloren.",
    "municipality": "Gemeinde Beispielheim",
    "municipality_type": "gemeinde",
    "state": "BW",
    "population": "8.400",
    "domains": ["umwelt", "verwaltung"],
    "status": "pilot",
    "started": "2024-05",
    "tags": "Baumkataster, App",
    "funding": "",
    "partners": "Hochschule Beispielheim\nNachbargemeinde Musterdorf",
    "standards": "OGC API Features",
    "sources": "https://www.beispielheim.example/baeume",
    "updated": "2026-11-01",
    "license": "CC-BY-4.0",
    "body_markdown": "## Ausgangslage\n\nPapierlisten gingen verloren.\n\n## Ziele\n\n"
                     + SECTION_PROMPTS["Ziele"] + "\n\n## Ergebnisse\n\nAlle Bäume erfasst.",
}


def csrf(client, path="/submit") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def post_form(client, path="/submit", action="submit", **changes):
    data = {**FORM, **changes, "csrf_token": csrf(client), "action": action}
    return client.post(path, data={k: v for k, v in data.items() if v is not None})


def submission_count(kb) -> int:
    with session_factory(kb.engine)() as session:
        return session.scalar(select(func.count()).select_from(SubmissionRow))


def newest_submission(kb) -> SubmissionRow:
    with session_factory(kb.engine)() as session:
        return session.scalars(select(SubmissionRow).order_by(
            SubmissionRow.created_at.desc())).first()


def _site(tmp, content):
    settings = make_settings(tmp, content, thesaurus=THESAURUS)
    kb = KnowledgeBase(settings, embedder=FakeEmbedder())
    kb.build()
    return create_app(settings, kb=kb), kb


@pytest.fixture()
def site(tmp_path, corpus_copy):
    """A fresh site (own corpus, index and database) for tests that store or publish."""
    return _site(tmp_path, corpus_copy)


@pytest.fixture(scope="module")
def xss_site(tmp_path_factory):
    """One site for the whole XSS corpus, without the hourly submission limit."""
    tmp = tmp_path_factory.mktemp("xss")
    shutil.copytree(CORPUS, tmp / "cases")
    app, kb = _site(tmp, tmp / "cases")
    app.config["KB_SUBMISSIONS_PER_HOUR"] = 10_000
    return app, kb


# -- the form ----------------------------------------------------------------------------------
def test_form_offers_every_field_with_help_choices_and_prefilled_sections(client):
    resp = client.get("/submit")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<h1>Fall einreichen</h1>" in html
    names = set(re.findall(r'name="([a-z_]+)"', html))
    form_fields = {f for f in KNOWN_FIELDS if f != "contact"}
    assert form_fields <= names
    assert {"contact_name", "contact_role", "contact_email", "contact_consent",
            "body_markdown", "csrf_token"} <= names
    for slug in DOMAINS:
        assert f'id="domains-{slug}" name="domains" value="{slug}"' in html
    assert '<option value="gemeinde">Gemeinde</option>' in html
    assert '<option value="NW">Nordrhein-Westfalen</option>' in html
    assert '<option value="betrieb">Betrieb</option>' in html
    body = re.search(r'<textarea id="body_markdown"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert [h for h in re.findall(r"^## (.+)$", body, re.M)] == RECOMMENDED_SECTIONS
    assert SECTION_PROMPTS["Lessons Learned"] in body
    # Every control has a label and a hint it is described by.
    for name in ("title", "summary", "municipality", "population", "sources", "updated"):
        assert f'<label for="{name}">' in html
        assert f'id="{name}-hint"' in html and f'aria-describedby="{name}-hint"' in html
    assert "Gibt es schon ähnliche Fälle?" in html
    assert 'name="action" value="similar"' in html and 'name="action" value="preview"' in html
    assert '<script src="/static/submit.js" defer></script>' in html
    assert not re.search(r"<script(?![^>]*\ssrc=)", html) and " style=" not in html
    assert 'href="/submit"' in html and "Fall einreichen</a>" in html  # in the navigation


def test_static_script_and_stylesheet_are_served(client):
    with client.get("/static/submit.js") as js:
        # The API address comes from the page, results are inserted as text, never as HTML.
        assert js.status_code == 200 and b'getAttribute("data-api")' in js.data
        assert b"textContent" in js.data and b"innerHTML" not in js.data
    with client.get("/static/forms.css") as css:
        assert css.status_code == 200 and b".error-summary" in css.data


def test_errors_are_linked_summarized_and_values_kept(client):
    resp = post_form(client, title="Kurz", population="viele", summary="zu kurz",
                     domains=None, updated="01.11.2026")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert 'role="alert"' in summary and "Bitte prüfen Sie Ihre Angaben" in summary
    for anchor in ("#title", "#population", "#summary", "#updated", "#domains-stadtplanung"):
        assert f'href="{anchor}"' in summary
    assert "Titel: muss 5 bis 160 Zeichen lang sein, hat 4" in summary
    assert "Einwohnerzahl: Bitte nur Ziffern angeben" in summary
    assert "Handlungsfelder: Pflichtfeld fehlt" in summary
    assert 'aria-describedby="title-hint title-error" aria-invalid="true"' in html
    assert '<p id="title-error" class="error-message">' in html
    assert 'aria-describedby="domains-hint domains-error"' in html
    # What was typed stays in the form.
    assert 'value="Kurz"' in html and 'value="Gemeinde Beispielheim"' in html
    assert 'value="viele"' in html and "Papierlisten gingen verloren." in html
    assert 'value="BW" selected' in html and 'value="pilot" selected' in html


def test_preview_renders_the_case_without_storing_it(site):
    app, kb = site
    client = app.test_client()
    before = submission_count(kb)
    resp = post_form(client, action="preview")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="vorschau-titel">Vorschau' in html
    preview = re.search(r'<section class="preview".*?</section>', html, re.S).group(0)
    assert "<h2>Ausgangslage</h2>" in preview and "<p>Alle Bäume erfasst.</p>" in preview
    assert "Ziele" not in preview  # the untouched prompt and its empty section are left out
    assert "Baden-Württemberg" in preview and "Umwelt- und Naturmonitoring" in preview
    assert submission_count(kb) == before


def test_similar_cases_without_javascript(client):
    resp = post_form(client, action="similar", title="Starkregen Gefahrenkarte 3D-Stadtmodell",
                     summary="Wo laufen bei Starkregen Keller voll? Eine Simulation zeigt es.")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    box = re.search(r'<section id="aehnliche-faelle".*?</section>', html, re.S).group(0)
    assert "ähnliche Fälle gefunden" in box
    assert 'href="/cases/starkregen-beispielstadt" target="_blank" rel="noopener"' in box
    assert "error-summary" not in html  # looking for duplicates is not a validation


def test_submit_confirms_with_private_link_and_status_page(site):
    app, kb = site
    client = app.test_client()
    resp = post_form(client)
    assert resp.status_code == 303 and "/submit/eingereicht/" in resp.headers["Location"]
    page = client.get(resp.headers["Location"])
    html = page.get_data(as_text=True)
    token = resp.headers["Location"].rsplit("/", 1)[1]
    assert page.status_code == 200 and "Ihre Einreichung ist gespeichert" in html
    assert f'href="http://localhost/submissions/{token}"' in html
    assert page.headers["Cache-Control"] == "no-store"
    row = newest_submission(kb)
    assert row.token == token and row.status == "pending" and row.case_slug is None
    assert row.data["population"] == 8400 and row.data["tags"] == ["baumkataster", "app"]
    assert row.data["partners"] == ["Hochschule Beispielheim", "Nachbargemeinde Musterdorf"]
    assert "## Ziele" not in row.data["body_markdown"]
    assert SECTION_PROMPTS["Ziele"] not in row.data["body_markdown"]
    status = client.get(f"/submissions/{token}").get_data(as_text=True)
    assert "Aktueller Stand: <span class=\"badge state-pending\">eingereicht</span>" in status
    assert "Einreichende Person</strong>: eingereicht" in status
    assert client.get("/submissions/falsch").status_code == 404


def test_form_posts_need_the_csrf_token(site):
    app, kb = site
    client = app.test_client()
    csrf(client)
    resp = client.post("/submit", data={**FORM, "action": "submit"})
    assert resp.status_code == 400 and "Das Formular ist abgelaufen" in resp.text
    assert submission_count(kb) == 0


def test_contact_only_with_consent(site):
    app, kb = site
    client = app.test_client()
    contact = {"contact_name": "Erika Muster", "contact_role": "Bauhofleitung",
               "contact_email": "erika@beispielheim.example"}
    resp = post_form(client, **contact)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and submission_count(kb) == 0
    assert 'href="#contact_consent">Einwilligung: Bitte bestätigen Sie' in html
    assert 'value="Erika Muster"' in html and 'value="erika@beispielheim.example"' in html
    assert 'aria-describedby="contact-info contact_consent-error" aria-invalid="true"' in html
    resp = post_form(client, contact_consent="ja", **contact)
    assert resp.status_code == 303
    row = newest_submission(kb)
    assert row.data["contact"] == {"name": "Erika Muster", "role": "Bauhofleitung",
                                   "email": "erika@beispielheim.example"}
    assert "contact_consent" not in row.data
    with session_factory(kb.engine)() as session:
        entry = session.scalars(select(AuditRow).where(AuditRow.submission_id == row.id)).one()
    assert "Einwilligung" in entry.message


def test_suggest_change_prefills_the_form_and_targets_the_case(site):
    app, kb = site
    client = app.test_client()
    case_page = client.get(f"/cases/{RUFBUS}").get_data(as_text=True)
    assert f'href="/submit?case={RUFBUS}">Änderung vorschlagen</a>' in case_page
    assert 'id="versionen">Versionen' in case_page and "Fassung aus dem Bestand" in case_page
    html = client.get(f"/submit?case={RUFBUS}").get_data(as_text=True)
    assert "<h1>Änderung vorschlagen</h1>" in html
    assert f'<input type="hidden" name="case" value="{RUFBUS}">' in html
    assert 'value="Rufbus auf Abruf für eine Landgemeinde"' in html
    assert 'value="mobilitaet" checked' in html and "Die Linienbusse fuhren" in html
    values = {"csrf_token": csrf(client, f"/submit?case={RUFBUS}"), "action": "submit",
              "case": RUFBUS, **{k: v for k, v in FORM.items()},
              "title": "Rufbus auf Abruf für eine Landgemeinde (Neustart)"}
    assert client.post("/submit", data=values).status_code == 303
    assert newest_submission(kb).case_slug == RUFBUS
    assert client.get("/submit?case=gibt-es-nicht").status_code == 404


def test_submissions_are_rate_limited_per_client_across_workers(site):
    app, kb = site
    app.config["KB_SUBMISSIONS_PER_HOUR"] = 2
    # A second app on the same database stands for another worker process.
    other = create_app(kb.settings, kb=KnowledgeBase(kb.settings, embedder=FakeEmbedder()))
    other.config["KB_SUBMISSIONS_PER_HOUR"] = 2
    assert post_form(app.test_client()).status_code == 303
    api = {**{k: v for k, v in FORM.items() if k not in ("population", "tags", "partners",
                                                          "standards", "sources", "domains",
                                                          "funding")},
           "domains": ["umwelt"]}
    assert other.test_client().post("/api/v1/submissions", json=api).status_code == 201
    blocked = post_form(app.test_client())
    assert blocked.status_code == 429 and "in der letzten Stunde schon viele" in blocked.text
    assert 'value="Baumkataster-App für den Bauhof"' in blocked.text  # nothing typed is lost
    resp = other.test_client().post("/api/v1/submissions", json=api)
    assert resp.status_code == 429 and "in der letzten Stunde" in resp.get_json()["error"]
    assert submission_count(kb) == 2
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert post_form(elsewhere).status_code == 303


# -- malicious input ---------------------------------------------------------------------------
XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[klick](javascript:alert(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "![Bild](https://tracker.example/pixel.png)",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<svg onload=alert(1)><circle/></svg>",
    "<div style=\"background:url(javascript:alert(1))\" onclick=\"alert(1)\">x</div>",
    "\"><script>alert(1)</script>",
    "<style>body{display:none}</style>",
    "<form action=\"https://evil.example\"><input name=x></form>",
    "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a> <a href=\"&#106;avascript:alert(1)\">y</a>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<details open ontoggle=alert(1)>x</details>",
]
DANGEROUS_TAGS = {"script", "iframe", "img", "svg", "object", "embed", "style", "math",
                  "base", "meta", "link", "frame", "video", "audio", "source"}


class _Audit(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in DANGEROUS_TAGS:
            ok = (tag == "script" and dict(attrs).get("src", "").startswith("/static/")) or (
                tag in ("link", "meta") and dict(attrs).get("rel") in ("stylesheet", None)
                and "http-equiv" not in dict(attrs))
            if not ok:
                self.found.append(f"<{tag}>")
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on"):
                self.found.append(f"{tag}@{name}")
            if name in ("href", "src", "action", "data", "xlink:href", "formaction") and (
                    value.startswith(("javascript:", "data:", "vbscript:"))):
                self.found.append(f"{tag}@{name}={value[:20]}")
            if name == "style":
                self.found.append(f"{tag}@style")
        if tag == "form" and dict(attrs).get("action", "/").startswith("http"):
            self.found.append("form@external")


def assert_harmless(html: str) -> None:
    parser = _Audit()
    parser.feed(html)
    assert parser.found == [], parser.found


def xss_form(payload: str) -> dict:
    return {"title": f"Fall {payload}"[:160], "municipality": f"Gemeinde {payload}"[:200],
            "summary": f"Zusammenfassung mit Schadcode {payload}"[:400],
            "funding": payload, "partners": payload, "tags": payload,
            "body_markdown": f"## Ausgangslage\n\n{payload}\n\nText {payload}"}


def test_the_audit_helper_catches_each_payload_when_unescaped():
    for payload in [p for p in XSS if p.startswith("<")]:
        with pytest.raises(AssertionError):
            assert_harmless(f"<p>{payload}</p>")


@pytest.mark.parametrize("payload", XSS)
def test_xss_through_the_form_is_rendered_harmless(xss_site, payload):
    app, _ = xss_site
    client = app.test_client()
    preview = post_form(client, action="preview", **xss_form(payload))
    assert preview.status_code == 200 and "Vorschau" in preview.text
    assert_harmless(preview.get_data(as_text=True))
    resp = post_form(client, **xss_form(payload))
    assert resp.status_code == 303, resp.text[:2000]
    assert_harmless(client.get(resp.headers["Location"]).get_data(as_text=True))
    token = resp.headers["Location"].rsplit("/", 1)[1]
    assert_harmless(client.get(f"/submissions/{token}").get_data(as_text=True))


@pytest.mark.parametrize("payload", XSS)
def test_xss_through_the_api_is_rendered_harmless(xss_site, payload):
    app, _ = xss_site
    client = app.test_client()
    data = {**{k: v for k, v in FORM.items() if k in KNOWN_FIELDS and k not in (
        "population", "tags", "partners", "standards", "sources", "funding")},
        "domains": ["umwelt"], "title": f"Fall {payload}"[:160],
        "summary": f"Zusammenfassung mit Schadcode {payload}"[:400],
        "partners": [payload], "body_markdown": f"## Ausgangslage\n\n{payload}"}
    resp = client.post("/api/v1/submissions", json=data)
    assert resp.status_code == 201, resp.get_json()
    path = resp.get_json()["status_url"].split("localhost", 1)[1]
    html = client.get(path).get_data(as_text=True)
    assert_harmless(html)
    assert str(escape(data["title"])) in html  # kept as text, not dropped
