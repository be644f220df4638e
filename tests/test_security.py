"""Security: headers, cookies, CSRF, authorization, redirects, traversal, limits, error pages,
the XSS corpus through every rendered input, the sanitizer's properties and the API fuzzer.

The browser half of the XSS tests (no dialog ever opens) is in tests/browser/.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from sqlalchemy import func, select

from kb.db import Base
from kb.render import ALLOWED_ATTRIBUTES, ALLOWED_SCHEMES, ALLOWED_TAGS, render_markdown, sanitize
from tests.browser.support import (
    ADMIN_EMAIL,
    EDITOR_EMAIL,
    PASSWORD,
    SECRET_KEY,
    XSS_PAYLOADS,
    add_accounts,
    build_site,
    form_posts,
    injected_markup,
    sample_paths,
    url_scheme,
    valid_submission,
)


# -- an isolated site: own index, own database ------------------------------------------------
@pytest.fixture(scope="module")
def site_kb(tmp_path_factory, real_embedder):
    kb = build_site(tmp_path_factory.mktemp("security-site"), real_embedder)
    add_accounts(kb)
    yield kb
    kb.close()


@pytest.fixture(scope="module")
def sapp(site_kb):
    from kb.web import create_app

    app = create_app(site_kb.settings, kb=site_kb)
    app.config["KB_SUBMISSIONS_PER_HOUR"] = 100_000
    return app


@pytest.fixture(scope="module")
def data(sapp):
    """One collection and two submissions (one with a Rückfrage) to point routes at."""
    client = sapp.test_client()
    made = client.post("/api/v1/collections", json={
        "title": "Sicherheitsmappe", "cases": ["starkregen-beispielstadt"]}).get_json()
    first = client.post("/api/v1/submissions", json=valid_submission()).get_json()
    second = client.post("/api/v1/submissions", json=valid_submission(
        title="Zweiter Fall für Rückfragen")).get_json()
    from kb import review

    review.request_changes(sapp.extensions["kb"].engine, second["id"], EDITOR_EMAIL,
                           "Bitte Quellen ergänzen.")
    return {
        "collection": made["id"], "edit_token": made["edit_url"].rsplit("token=", 1)[1],
        "submission": first["id"], "token": first["status_url"].rsplit("/", 1)[1],
        "revise_token": second["status_url"].rsplit("/", 1)[1],
    }


def csrf_of(client, path="/collections") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def logged_in(app, email=EDITOR_EMAIL):
    client = app.test_client()
    resp = client.post("/review/login", data={"csrf_token": csrf_of(client, "/review/login"),
                                              "email": email, "password": PASSWORD})
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return client


def row_counts(app) -> dict[str, int]:
    engine = app.extensions["kb"].engine
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                for t in Base.metadata.sorted_tables}


def test_every_route_has_a_sample(sapp, data):
    get_routes = {r.endpoint for r in sapp.url_map.iter_rules() if "GET" in r.methods}
    post_routes = {r.endpoint for r in sapp.url_map.iter_rules() if "POST" in r.methods
                   and not r.rule.startswith("/api/")}
    assert get_routes == set(sample_paths(data))
    assert post_routes == set(form_posts(data))


# -- headers ---------------------------------------------------------------------------------------
def csp_directives(header: str) -> dict[str, list[str]]:
    parts = [p.strip().split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def check_headers(resp, where: str) -> None:
    csp = resp.headers.get("Content-Security-Policy", "")
    directives = csp_directives(csp)
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, where
    assert directives.get("default-src") == ["'self'"], where
    assert directives.get("script-src") == ["'self'"], where
    assert directives.get("style-src") == ["'self'"], where
    assert directives.get("object-src") == ["'none'"], where
    assert directives.get("base-uri") == ["'none'"], where
    assert directives.get("frame-ancestors") == ["'none'"], where
    assert directives.get("form-action") == ["'self'"], where
    assert resp.headers.get("X-Content-Type-Options") == "nosniff", where
    assert resp.headers.get("Referrer-Policy") in {"same-origin", "no-referrer",
                                                   "strict-origin-when-cross-origin"}, where
    assert resp.headers.get("X-Frame-Options") == "DENY", where


def test_headers_on_every_response(sapp, data):
    client, editor = sapp.test_client(), logged_in(sapp)
    checked = 0
    for endpoint, paths in sample_paths(data).items():
        for path in paths:
            for who, c in (("anonym", client), ("Redaktion", editor)):
                with c.get(path) as resp:
                    assert resp.status_code < 500, (path, resp.status_code)
                    check_headers(resp, f"{who} {path} ({endpoint})")
                checked += 1
    for path in ("/gibt-es-nicht", "/?q=", "/cases/gibt-es-nicht", "/api/v1/search"):
        check_headers(client.get(path), path)
    check_headers(client.get("/collections/abc/details"), "GET auf POST-Route (405)")
    check_headers(client.post("/collections", data={"title": "ohne Token"}), "CSRF 400")
    assert checked >= 2 * len(sample_paths(data))


@pytest.mark.parametrize("path", ["/review", "/review/login", "/review/{submission}",
                                  "/collections", "/collections/{collection}",
                                  "/collections/{collection}?token={edit_token}",
                                  "/submit", "/submissions/{token}",
                                  "/submissions/{revise_token}/edit"])
def test_editor_and_private_pages_are_never_cached(sapp, data, path):
    client = sapp.test_client() if path == "/review/login" else logged_in(sapp)
    resp = client.get(path.format(**data))
    assert resp.status_code == 200
    assert "no-store" in resp.headers.get("Cache-Control", "")


def test_hsts_only_over_https(sapp):
    assert "Strict-Transport-Security" not in sapp.test_client().get("/").headers
    secure = sapp.test_client().get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


# -- cookies ---------------------------------------------------------------------------------------
def set_cookies(resp) -> list[str]:
    return resp.headers.getlist("Set-Cookie")


def test_only_the_session_cookie_httponly_and_samesite_lax(sapp):
    client = sapp.test_client()
    assert set_cookies(client.get("/")) == []  # the start page sets no cookie at all
    cookies = set_cookies(client.get("/collections"))
    assert len(cookies) == 1
    cookie = cookies[0]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP on localhost: a Secure cookie would be lost
    assert "Expires" not in cookie  # gone when the browser closes


def test_session_cookie_is_secure_over_https(sapp):
    client = sapp.test_client()
    cookie = set_cookies(client.get("/collections", base_url="https://localhost"))[0]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_editor_login_cookie_expires_within_eight_hours(sapp):
    client = sapp.test_client()
    token = csrf_of(client, "/review/login")
    resp = client.post("/review/login", data={"csrf_token": token, "email": EDITOR_EMAIL,
                                              "password": PASSWORD})
    cookie = set_cookies(resp)[0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    assert expires - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=8, minutes=1)


# -- CSRF ------------------------------------------------------------------------------------------
def assert_csrf_rejected(resp, where):
    assert resp.status_code == 400, (where, resp.status_code)
    assert "Formular ist abgelaufen" in resp.get_data(as_text=True), where


def test_csrf_on_every_state_changing_form_route(sapp, data):
    before = row_counts(sapp)
    for endpoint, (path, form) in form_posts(data).items():
        fresh = sapp.test_client()
        assert_csrf_rejected(fresh.post(path, data=form), f"{endpoint} ohne Sitzung")
        # After an unauthenticated GET of the same page the session holds a token …
        visited = sapp.test_client()
        visited.get("/review/login" if endpoint.startswith("review.") else "/collections")
        visited.get(path)
        assert_csrf_rejected(visited.post(path, data=form), f"{endpoint} nach GET")
        assert_csrf_rejected(visited.post(path, data={**form, "csrf_token": "falsch"}),
                             f"{endpoint} falsches Token")
        # … and another visitor's valid token does not count either.
        other = sapp.test_client()
        foreign = csrf_of(other)
        assert_csrf_rejected(visited.post(path, data={**form, "csrf_token": foreign}),
                             f"{endpoint} fremdes Token")
    editor = logged_in(sapp)
    for endpoint in ("review.act", "review.logout"):
        path, form = form_posts(data)[endpoint]
        assert_csrf_rejected(editor.post(path, data=form), f"{endpoint} angemeldet")
    assert editor.get("/review").status_code == 200  # the logout above did not happen
    after = row_counts(sapp)
    after["login_sessions"] -= 1  # the editor's own login
    assert after == before


def test_json_api_refuses_form_encoded_cross_site_posts(sapp):
    """A cross-site form can send text/plain, never application/json: nothing is stored."""
    client = sapp.test_client()
    before = row_counts(sapp)
    body = json.dumps(valid_submission())
    for path in ("/api/v1/submissions", "/api/v1/collections"):
        resp = client.post(path, data=body, content_type="text/plain")
        assert resp.status_code == 400
    assert row_counts(sapp) == before


# -- login: open redirects, session fixation, logout --------------------------------------------
EVIL_NEXT = ["https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example",
             "javascript:alert(1)", "https:evil.example", " //evil.example", "\t//evil.example",
             "/%2F%2Fevil.example", "http://localhost@evil.example/", "//", "///evil.example",
             "/\t/evil.example", "/\n/evil.example", "/\\/evil.example"]


def assert_local(location: str, where) -> None:
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, (where, location)
    assert location.startswith("/") and not location.startswith(("//", "/\\")), (where, location)


def test_login_never_redirects_off_site(sapp):
    editor = logged_in(sapp)
    for target in EVIL_NEXT:
        resp = editor.get(f"/review/login?next={quote(target)}")
        assert resp.status_code == 303
        assert_local(resp.headers["Location"], target)
    anonymous = sapp.test_client()
    for target in EVIL_NEXT:
        html = anonymous.get(f"/review/login?next={quote(target)}").get_data(as_text=True)
        hidden = re.search(r'name="next" value="([^"]*)"', html).group(1)
        assert_local(hidden, target)
    client = sapp.test_client()
    resp = client.post("/review/login", data={
        "csrf_token": csrf_of(client, "/review/login"), "email": EDITOR_EMAIL,
        "password": PASSWORD, "next": "//evil.example/"})
    assert_local(resp.headers["Location"], "POST")


def test_login_next_with_line_breaks_is_refused(sapp):
    editor = logged_in(sapp)
    resp = editor.get("/review/login", query_string={"next": "/\r\nSet-Cookie: x=1"})
    assert resp.status_code == 303
    assert_local(resp.headers["Location"], "CRLF")


def test_session_fixation_and_logout(sapp):
    victim = sapp.test_client()
    token = csrf_of(victim, "/review/login")
    planted = victim.get_cookie("session").value  # what an attacker could have planted
    victim.post("/review/login", data={"csrf_token": token, "email": EDITOR_EMAIL,
                                       "password": PASSWORD})
    logged = victim.get_cookie("session").value
    assert logged != planted
    attacker = sapp.test_client()
    attacker.set_cookie("session", planted)
    assert attacker.get("/review").status_code == 303  # the planted session stays anonymous
    thief = sapp.test_client()
    thief.set_cookie("session", logged)
    assert thief.get("/review").status_code == 200  # the cookie is the login …
    sessions_before = row_counts(sapp)["login_sessions"]
    victim.post("/review/logout", data={"csrf_token": csrf_of(victim, "/review")})
    assert row_counts(sapp)["login_sessions"] == sessions_before - 1
    replay = sapp.test_client()
    replay.set_cookie("session", logged)
    resp = replay.get("/review")
    assert resp.status_code == 303 and "/review/login" in resp.headers["Location"]
    assert thief.get("/review").status_code == 303  # … and worthless after logout


# -- authorization matrix --------------------------------------------------------------------------
EDITOR_ONLY = {"review.queue", "review.show", "review.feedback"}


@pytest.mark.parametrize("role", ["anonym", "einreichend", "redaktion", "admin"])
def test_authorization_matrix(sapp, data, role):
    if role in ("redaktion", "admin"):
        client = logged_in(sapp, EDITOR_EMAIL if role == "redaktion" else ADMIN_EMAIL)
    else:
        client = sapp.test_client()
        if role == "einreichend":  # a contributor holds only the private status link
            client.get(f"/submissions/{data['token']}")
    editor = role in ("redaktion", "admin")
    for endpoint, paths in sample_paths(data).items():
        for path in paths:
            with client.get(path) as resp:
                pass
            if endpoint in EDITOR_ONLY and not editor:
                assert resp.status_code == 303, (role, path)
                assert resp.headers["Location"].startswith("/review/login"), (role, path)
            elif endpoint == "review.login" and editor:
                assert resp.status_code == 303, (role, path)
            else:
                assert resp.status_code == 200, (role, path, resp.status_code)
    # Private links only work with their own secret, for everybody.
    for path in (f"/submissions/{'x' * 32}", f"/submit/eingereicht/{'x' * 32}",
                 f"/submissions/{'x' * 32}/edit"):
        assert client.get(path).status_code == 404, (role, path)
    edit = client.get(f"/collections/{data['collection']}?token=falsch").get_data(as_text=True)
    assert 'id="edit-link"' not in edit and "collections/" in edit
    token = csrf_of(client, "/collections")
    denied = client.post(f"/collections/{data['collection']}/details",
                         data={"csrf_token": token, "token": "falsch", "title": "Übernommen"})
    assert denied.status_code == 403
    acted = client.post(f"/review/{data['submission']}",
                        data={"csrf_token": token, "action": "comment", "message": "Hallo"})
    assert acted.status_code == 303
    expected = f"/review/{data['submission']}" if editor else "/review/login"
    assert acted.headers["Location"].startswith(expected), (role, acted.headers["Location"])


# -- path traversal, oversized bodies -----------------------------------------------------------
TRAVERSALS = [
    "/cases/..%2F..%2Fetc%2Fpasswd", "/cases/%2e%2e%2f%2e%2e%2fREADME.md",
    "/cases/....%2F%2F....%2F%2Fetc%2Fpasswd", "/cases/..%5C..%5Ckb%5Csettings.py",
    "/api/v1/cases/..%2F..%2Fetc%2Fpasswd", "/api/v1/cases/%2e%2e/similar",
    "/collections/..%2F..%2Fetc%2Fpasswd", "/collections/..%2Fkb/export.md",
    "/collections/{collection}/export.%2e%2e%2fREADME", "/collections/{collection}/export.md%00",
    "/collections/{collection}/export.py", "/export/search.%2e%2e%2fsettings?q=x",
    "/static/..%2Fkb%2Fsettings.py", "/static/../../etc/passwd", "/static/%2e%2e/README.md",
    "/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/static/..%5Ckb%5Csettings.py",
    "/submissions/..%2F..%2Fetc%2Fpasswd", "/submit/eingereicht/..%2FREADME.md",
    "/review/..%2F..%2Fetc%2Fpasswd", "/api/v1/collections/..%2F..%2Fetc%2Fpasswd",
]
LEAKS = ("root:x:0:0", "KB_CONTENT_DIR", "def resolved_secret_key", SECRET_KEY, "[build-system]")


def test_path_traversal_never_reaches_a_file(sapp, data):
    editor = logged_in(sapp)
    for raw in TRAVERSALS:
        path = raw.format(**data)
        resp = editor.get(path)
        assert resp.status_code in (400, 404), (path, resp.status_code)
        body = resp.get_data(as_text=True)
        assert not any(leak in body for leak in LEAKS), path


def test_export_file_names_stay_plain(sapp):
    client = sapp.test_client()
    made = client.post("/api/v1/collections", json={
        "title": '../../etc/passwd" ; filename=x.exe', "cases": []}).get_json()
    resp = client.get(f"/collections/{made['id']}/export.md")
    disposition = resp.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="mappe-[a-z0-9-]+\.md"', disposition), disposition


@pytest.mark.parametrize("path,kind", [
    ("/submit", "form"), ("/collections", "form"), ("/review/login", "form"),
    ("/api/v1/submissions", "json"), ("/api/v1/collections", "json")])
def test_oversized_bodies_get_413(sapp, path, kind):
    client = sapp.test_client()
    big = "x" * (2 * 1024 * 1024)
    if kind == "json":
        resp = client.post(path, data='{"title": "' + big + '"}', content_type="application/json")
        assert resp.status_code == 413
        assert resp.get_json()["error"] == "Die Anfrage ist zu groß."
    else:
        token = csrf_of(client, "/review/login" if path.startswith("/review") else "/collections")
        resp = client.post(path, data={"csrf_token": token, "title": big})
        assert resp.status_code == 413
        assert "Die Anfrage ist zu groß." in resp.get_data(as_text=True)


# -- production error pages ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def prod_app(site_kb):
    from kb.web import create_app

    app = create_app(site_kb.settings.with_overrides(testing=False), kb=site_kb)

    def broken():
        raise RuntimeError("interner Zustand: geheimer-wert-123")

    app.add_url_rule("/kaputt", "kaputt", broken)
    app.add_url_rule("/api/v1/kaputt", "api_kaputt", broken)
    return app


@pytest.mark.parametrize("method,path,status,message", [
    ("GET", "/gibt-es-nicht", 404, "Diese Seite gibt es nicht."),
    ("GET", "/cases/gibt-es-nicht", 404, "gibt es nicht"),
    ("GET", "/collections/abc/details", 405, "Diese Methode ist hier nicht erlaubt."),
    ("GET", "/?q=&state=NW", 400, "Bitte geben Sie einen Suchbegriff ein."),
    ("POST", "/collections", 400, "Formular ist abgelaufen"),
    ("GET", "/kaputt", 500, "Ein interner Fehler ist aufgetreten."),
])
def test_production_error_pages_are_german_without_internals(prod_app, method, path, status,
                                                             message):
    assert not prod_app.testing and not prod_app.debug
    resp = prod_app.test_client().open(path, method=method)
    assert resp.status_code == status
    body = resp.get_data(as_text=True)
    assert '<html lang="de">' in body and message in body
    for internal in ("Traceback", "RuntimeError", "geheimer-wert-123", "werkzeug", "File \"",
                     "Werkzeug Debugger", SECRET_KEY):
        assert internal not in body, internal


def test_production_api_errors_are_german_json(prod_app):
    resp = prod_app.test_client().get("/api/v1/kaputt")
    assert resp.status_code == 500
    assert resp.get_json() == {"error": "Ein interner Fehler ist aufgetreten. Bitte versuchen Sie "
                                        "es später erneut."}


# -- XSS: every payload through every input that is rendered ----------------------------------
@pytest.fixture(scope="module")
def editor(sapp):
    return logged_in(sapp)


def single_line(payload: str) -> str:
    return " ".join(payload.split()).replace("\u2028", " ")


def submission_with(payload: str) -> dict:
    line = single_line(payload)
    return valid_submission(
        title=f"Fall {line}"[:160], municipality=f"Stadt {line}"[:200],
        summary=f"Kurzfassung mit Nutzlast: {line}"[:400], funding=line, partners=[line],
        standards=[line], tags=[line.lower()], contact={"name": line, "role": line},
        contact_consent=True, body_markdown=f"## Ausgangslage\n\n{payload}\n\n{payload}\n",
        note=payload)


SUBMIT_FIELDS = ("title", "summary", "municipality", "municipality_type", "state", "status",
                 "population", "started", "tags", "partners", "standards", "sources", "funding",
                 "license", "updated", "contact_name", "contact_role", "contact_email",
                 "body_markdown", "note", "domains")


@pytest.mark.parametrize("number", range(len(XSS_PAYLOADS)),
                         ids=[f"nutzlast-{i:02d}" for i in range(len(XSS_PAYLOADS))])
def test_xss_payload_stays_text_in_every_rendered_input(sapp, editor, number):
    payload = XSS_PAYLOADS[number]
    problems, pages = [], 0

    def check(where, resp, status=200):
        nonlocal pages
        body = resp.get_data(as_text=True)
        assert resp.status_code in (status if isinstance(status, tuple) else (status,)), \
            (where, resp.status_code)
        problems.extend(f"{where}: {p}" for p in injected_markup(body))
        if SECRET_KEY in body:
            problems.append(f"{where}: Geheimnis im Text")
        pages += 1

    client = sapp.test_client()
    check("Suche", client.get("/", query_string={"q": payload}))
    check("Suche mit Fehler", client.get("/", query_string={"q": "", "like_type": payload}),
          400)
    check("Fall-Adresse", client.get("/cases/" + quote(payload, safe="")), 404)

    # Collections: title, description and note through the forms, a slug and a return address.
    token = csrf_of(client)
    title = payload.strip()[:160]
    created = client.post("/collections", data={"csrf_token": token, "title": title,
                                                "description": payload})
    assert created.status_code == 303
    edit = created.headers["Location"]
    cid, edit_token = re.search(r"/collections/([^?]+)\?token=([^&#]+)", edit).groups()
    added = client.post("/collections/add", data={
        "csrf_token": token, "slug": "starkregen-beispielstadt", "collection": cid,
        "next": "/" + payload})
    check("Mappe nach Hinzufügen", client.get(added.headers["Location"]))
    client.post(f"/collections/{cid}/items", data={
        "csrf_token": token, "token": edit_token, "slug": "starkregen-beispielstadt",
        "action": "note", "note": payload})
    check("Mappe bearbeiten", client.get(edit))
    check("Mappe ansehen", client.get(f"/collections/{cid}"))
    check("Präsentation", client.get(f"/collections/{cid}/present"))
    check("Meine Mappen", client.get("/collections"))
    check("Mappenauswahl in der Suche", client.get("/?q=Starkregen"))
    check("Mappe mit Fehlern", client.post(f"/collections/{cid}/details", data={
        "csrf_token": token, "token": edit_token, "title": payload, "description": payload,
        "event_date": payload}), 422)
    check("Unbekannter Fall", client.post("/collections/add", data={
        "csrf_token": token, "slug": payload}), 404)

    # Submissions through the JSON API, rendered for the contributor and the editors.
    made = client.post("/api/v1/submissions", json=submission_with(payload))
    assert made.status_code == 201, made.get_json()
    sid, status_token = made.get_json()["id"], made.get_json()["status_url"].rsplit("/", 1)[1]
    check("Bestätigung", client.get(f"/submit/eingereicht/{status_token}"))
    editor_token = csrf_of(editor, "/review")
    editor.post(f"/review/{sid}", data={"csrf_token": editor_token, "action": "comment",
                                        "message": payload})
    check("Statusseite", client.get(f"/submissions/{status_token}"))
    check("Redaktion: Einreichung", editor.get(f"/review/{sid}"))
    check("Redaktion: Freigabe mit Kurzname", editor.post(f"/review/{sid}", data={
        "csrf_token": editor_token, "action": "approve", "slug": payload}), (409, 422))

    # The submission form itself: preview, errors and similar cases echo every field.
    form = {name: payload for name in SUBMIT_FIELDS}
    for action, status in (("preview", 200), ("similar", 200), ("submit", 422)):
        check(f"Formular ({action})", client.post("/submit", data={
            **form, "csrf_token": csrf_of(client, "/submit"), "action": action}), status)

    assert not problems, "\n".join(problems)
    assert pages == 18


def test_login_form_echoes_every_payload_as_text(sapp):
    """One attempt carries the whole corpus (each attempt costs a full password hash)."""
    visitor = sapp.test_client()
    visitor.environ_base["REMOTE_ADDR"] = "10.8.0.1"  # not counted against other tests' logins
    corpus = " ".join(XSS_PAYLOADS)
    resp = visitor.post("/review/login", data={
        "csrf_token": csrf_of(visitor, "/review/login"), "email": corpus, "password": "x",
        "next": "/" + corpus})
    assert resp.status_code == 401
    body = resp.get_data(as_text=True)
    assert injected_markup(body) == [] and SECRET_KEY not in body


def test_review_queue_lists_every_payload_as_text(sapp, editor):
    body = editor.get("/review?state=alle").get_data(as_text=True)
    assert body.count("Fall ") >= len(XSS_PAYLOADS)
    assert injected_markup(body) == []


# -- the sanitizer: idempotent, and nothing dangerous ever gets through ---------------------------
TAG_NAMES = ["script", "SCRIPT", "img", "iframe", "a", "p", "svg", "math", "style", "object",
             "embed", "base", "form", "input", "div", "b", "table", "td", "template",
             "noscript", "title", "textarea", "xmp", "details", "body", "frame", "video", "link",
             "meta", "abbr", "h2", "sCrIpT", "scr<script>ipt"]
ATTR_NAMES = ["onerror", "onload", "onclick", "ONMOUSEOVER", "onfocus", "href", "src", "style",
              "title", "scope", "data", "action", "formaction", "xlink:href", "srcdoc", "rel",
              "class", "id", "autofocus"]
URLS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)",
        "java&#x09;script:alert(1)", " javascript:alert(1)", "&#106;avascript:alert(1)",
        "&#x6A;avascript&#58;alert(1)", "\x01javascript:alert(1)", "javascript&colon;alert(1)",
        "data:text/html,<script>alert(1)</script>", "data:image/png;base64,AAAA",
        "vbscript:msgbox(1)", "VBScript:msgbox(1)", "https://example.org/", "mailto:a@example.org",
        "/relativ", "#anker", "//evil.example/x", "ftp://example.org/"]
JUNK = ["<", ">", "&", "<!--", "-->", "<![CDATA[", "]]>", "`", '"', "'", "\x00", "&lt;", "&#60;",
        "<!doctype html>", "<?xml ?>", "</", "/>", "=", "\n", "[x](javascript:alert(1))",
        "![x](https://evil.example/x.png)", "<javascript:alert(1)>", "**", "\\"]

attr = st.builds(lambda name, value, quote_: f"{name}={quote_}{value}{quote_}",
                 st.sampled_from(ATTR_NAMES), st.one_of(st.sampled_from(URLS), st.text(max_size=8)),
                 st.sampled_from(['"', "'", ""]))
open_tag = st.builds(lambda name, attrs, end: f"<{name}{''.join(' ' + a for a in attrs)}{end}>",
                     st.sampled_from(TAG_NAMES), st.lists(attr, max_size=3),
                     st.sampled_from(["", " /", "/"]))
close_tag = st.sampled_from(TAG_NAMES).map(lambda name: f"</{name}>")
fragments = st.one_of(open_tag, close_tag, st.sampled_from(JUNK), st.text(max_size=12))
markup = st.lists(fragments, max_size=14).map("".join)


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))

    handle_startendtag = handle_starttag


def dangerous(output: str) -> list[str]:
    """Return what in sanitized output could run script or load something."""
    problems = [s for s in ("<script", "<img", "<iframe", "<svg", "<style", "<object", "<embed")
                if s in output.lower()]
    parser = _Tags()
    parser.feed(output)
    parser.close()
    generic = {"title", "lang"}  # nh3 keeps these on every tag
    allowed_attrs = {tag: set(names) | ({"rel"} if tag == "a" else set())
                     for tag, names in ALLOWED_ATTRIBUTES.items()}
    for tag, attrs in parser.found:
        if tag not in ALLOWED_TAGS:
            problems.append(f"Tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name not in allowed_attrs.get(tag, set()) | generic:
                problems.append(f"Attribut {name} an <{tag}>")
            if name == "href" and value:
                scheme = url_scheme(value)
                if scheme and scheme not in ALLOWED_SCHEMES:
                    problems.append(f"URL {value!r}")
    return problems


PROPERTY_SETTINGS = settings(max_examples=400, deadline=None, database=None,
                             suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(markup)
def test_sanitize_is_idempotent_and_lets_nothing_dangerous_through(raw):
    once = sanitize(raw)
    assert sanitize(once) == once
    assert dangerous(once) == []


@PROPERTY_SETTINGS
@given(markup)
def test_rendered_markdown_is_safe(raw):
    out = render_markdown(raw)
    assert dangerous(out) == []
    assert sanitize(out) == out


def test_the_property_check_would_notice_a_hole():
    assert dangerous('<a href="jav&#x09;ascript:alert(1)" onclick="x">x</a><img src=x>')
    assert dangerous("<p style='color:red'>x</p>")
    assert not dangerous('<a href="https://example.org/" rel="noopener">x</a>')


# -- the JSON API under a schema-driven fuzzer ---------------------------------------------------
@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_api_fuzzing_finds_no_server_errors(sapp, mode):
    """schemathesis derives requests from /api/v1/openapi.json; none may end in a 5xx."""
    schemathesis = pytest.importorskip("schemathesis")
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation.modes import GenerationMode

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", sapp)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    failures, calls = [], 0
    for operation in operations:
        strategy = operation.as_strategy(generation_mode=GenerationMode(mode))

        @settings(max_examples=25, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def run(case):
            nonlocal calls
            calls += 1
            response = case.call()
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query} "
                                f"{case.body!r:.200} -> {response.status_code}")
            case.validate_response(response, checks=[not_a_server_error])

        try:
            run()
        except Unsatisfiable:  # nothing to get wrong: no parameters, or any string is valid
            assert mode == "negative", operation.label
        except Exception as exc:  # report every operation, not just the first failure
            failures.append(f"{operation.label}: {exc!s:.300}")
    assert not failures, "\n".join(failures)
    assert calls >= (len(operations) if mode == "positive" else 4)


def test_client_address_comes_from_the_trusted_proxy_only(tmp_path):
    from flask import request

    from kb.settings import Settings
    from kb.web import create_app

    def seen(trusted):
        settings = Settings(index_dir=tmp_path / "i", instance_dir=tmp_path / "inst",
                            secret_key="x", trusted_proxies=trusted, testing=True)
        app = create_app(settings)
        app.add_url_rule("/_addr", "addr", lambda: request.remote_addr or "")
        return app.test_client().get("/_addr", headers={"X-Forwarded-For": "203.0.113.7"},
                                     environ_base={"REMOTE_ADDR": "127.0.0.1"}).text

    assert seen(0) == "127.0.0.1"  # a forged header changes nothing without a proxy
    assert seen(1) == "203.0.113.7"
