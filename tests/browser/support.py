"""Shared by the browser and security tests: an isolated site, XSS payloads, HTML checks.

The browser and security tests write collections, submissions and accounts. They get their own
knowledge base (a fresh index over a copy of tests/corpus and their own database), so no other
test sees their data.
"""

from __future__ import annotations

import html
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

from kb.service import KnowledgeBase
from kb.settings import Settings

TESTS = Path(__file__).resolve().parents[1]
CORPUS = TESTS / "corpus"
THESAURUS = TESTS.parent / "content" / "thesaurus.yaml"

EDITOR_EMAIL = "redaktion@example.org"
ADMIN_EMAIL = "admin@example.org"
PASSWORD = "ein-langes-testpasswort-42"
SECRET_KEY = "browser-and-security-tests"

# Classic payloads (OWASP XSS filter evasion cheat sheet, PortSwigger), plus template injection.
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)//",
    "<body onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<a href="javascript:alert(1)">klick</a>',
    "javascript:alert(1)",
    '" onmouseover="alert(1)',
    "' onfocus='alert(1)' autofocus='",
    '" autofocus onfocus=alert(1) x="',
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:text/html,<script>alert(1)</script>">',
    "<marquee onstart=alert(1)>x</marquee>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '<a href="jav&#x09;ascript:alert(1)">klick</a>',
    '<a href=" &#14;javascript:alert(1)">klick</a>',
    "[klick](javascript:alert(1))",
    "![bild](https://evil.example/x.png)",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<form action="https://evil.example/"><button>los</button></form>',
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<style>@import 'https://evil.example/x.css';</style>",
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "{{ config.SECRET_KEY }}{{ 7*7 }}",
    "\u2028</script><script>alert(1)</script>",
]

DANGEROUS_TAGS = {"script", "img", "iframe", "svg", "math", "object", "embed", "base", "meta",
                  "link", "style", "marquee", "frame", "frameset", "applet", "audio", "video",
                  "source"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster"}


def url_scheme(value: str) -> str | None:
    """Return the scheme a browser sees in an attribute value (WHATWG URL parsing), or None.

    Browsers decode character references, strip leading and trailing control characters and
    spaces and drop tabs and newlines anywhere, so "jav&#x09;ascript:" is "javascript:".
    """
    plain = re.sub(r"[\t\n\r]", "", html.unescape(value).strip("".join(map(chr, range(33)))))
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", plain)
    return match.group(1).lower() if match else None


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def injected_markup(page: str) -> list[str]:
    """Return every sign that markup from a visitor became markup of the page.

    The templates use none of these: event handler or style attributes, script or stylesheet
    sources outside /static, forms posting elsewhere, dangerous URL schemes, images, frames,
    SVG, MathML, objects, base or refresh tags.
    """
    collector = _Collector()
    collector.feed(page)
    problems = []
    for tag, attrs in collector.tags:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                problems.append(f"<{tag} {name}=…>")
            if name == "style":
                problems.append(f"<{tag} style=…>")
            if name in URL_ATTRIBUTES and value is not None and \
                    url_scheme(value) not in (None, "http", "https", "mailto"):
                problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and not (values.get("src") or "").startswith("/static/"):
            problems.append("<script> ohne /static-Quelle")
        elif tag == "link" and not (values.get("rel") == "stylesheet"
                                    and (values.get("href") or "").startswith("/static/")):
            problems.append(f"<link {values}>")
        elif tag == "meta" and "http-equiv" in values:
            problems.append("<meta http-equiv>")
        elif tag == "form" and not (values.get("action") or "").startswith("/"):
            problems.append(f"<form action={values.get('action')!r}>")
        elif tag in DANGEROUS_TAGS - {"script", "link", "meta"}:
            problems.append(f"<{tag}>")
    return problems


def build_site(tmp: Path, embedder) -> KnowledgeBase:
    """Build a knowledge base with its own index and database over a copy of the test corpus."""
    content = tmp / "cases"
    shutil.copytree(CORPUS, content)
    settings = Settings(
        content_dir=content, index_dir=tmp / "indexes", instance_dir=tmp / "instance",
        secret_key=SECRET_KEY, hub_offline=True, testing=True,
        thesaurus=THESAURUS,
    )
    kb = KnowledgeBase(settings, embedder=embedder)
    kb.build()
    return kb


def add_accounts(kb: KnowledgeBase) -> None:
    """Create one editor and one admin account with the test password."""
    from kb.auth import add_user

    add_user(kb.engine, EDITOR_EMAIL, PASSWORD, "editor")
    add_user(kb.engine, ADMIN_EMAIL, PASSWORD, "admin")


def valid_submission(**overrides) -> dict:
    """Return a submission that passes validation; fields may be replaced."""
    data = {
        "title": "Digitaler Zwilling für Testzwecke",
        "municipality": "Teststadt",
        "municipality_type": "stadt",
        "state": "BY",
        "domains": ["klimaanpassung"],
        "status": "pilot",
        "summary": "Eine Kurzfassung mit mehr als zwanzig Zeichen für die Prüfung.",
        "updated": "2026-01-15",
        "sources": ["https://example.org/quelle"],
        "body_markdown": "## Ausgangslage\n\nEin Absatz über das Projekt.\n",
    }
    data.update(overrides)
    return data


def sample_paths(d) -> dict[str, list[str]]:
    """Return GET addresses for every GET route; d names the prepared collection and submissions.

    test_security.py fails when a route has no sample here, so new routes get checked too.
    """
    return {
        "pages.index": ["/", "/?q=Starkregen"],
        "pages.about": ["/about"],
        "pages.case": ["/cases/starkregen-beispielstadt"],
        "legal.impressum": ["/impressum"],
        "legal.datenschutz": ["/datenschutz"],
        "legal.barrierefreiheit": ["/barrierefreiheit"],
        "legal.leichte_sprache": ["/leichte-sprache"],
        "collections.index": ["/collections"],
        "collections.collection": [f"/collections/{d['collection']}",
                                   f"/collections/{d['collection']}?token={d['edit_token']}"],
        "collections.present": [f"/collections/{d['collection']}/present"],
        "collections.export": [f"/collections/{d['collection']}/export.md"],
        "collections.search_export": ["/export/search.csv?q=Hitze"],
        "submit.form": ["/submit", "/submit?case=rufbus-landgemeinde"],
        "submit.confirm": [f"/submit/eingereicht/{d['token']}"],
        "submit.status": [f"/submissions/{d['token']}"],
        "submit.revise": [f"/submissions/{d['revise_token']}/edit"],
        "review.login": ["/review/login"],
        "review.queue": ["/review"],
        "review.show": [f"/review/{d['submission']}"],
        "review.feedback": ["/review/rueckmeldungen"],
        "api.health": ["/api/v1/health"],
        "api.search": ["/api/v1/search?q=Hitze"],
        "api.cases": ["/api/v1/cases"],
        "api.case": ["/api/v1/cases/rufbus-landgemeinde"],
        "api.similar": ["/api/v1/cases/rufbus-landgemeinde/similar"],
        "api.collection": [f"/api/v1/collections/{d['collection']}"],
        "api.openapi": ["/api/v1/openapi.json"],
        "static": ["/static/style.css"],
    }


def form_posts(d) -> dict[str, tuple[str, dict]]:
    """Return every state-changing HTML form route with valid form data, minus the CSRF token."""
    return {
        "collections.create": ("/collections", {"title": "Gefälschte Mappe"}),
        "collections.details": (f"/collections/{d['collection']}/details",
                                {"token": d["edit_token"], "title": "Gefälscht"}),
        "collections.item": (f"/collections/{d['collection']}/items",
                             {"token": d["edit_token"], "slug": "starkregen-beispielstadt",
                              "action": "remove"}),
        "collections.add_case": ("/collections/add", {"slug": "rufbus-landgemeinde"}),
        "submit.submit": ("/submit", {"title": "Gefälschte Einreichung", "action": "submit"}),
        "submit.revise": (f"/submissions/{d['revise_token']}/edit",
                          {"title": "Gefälschte Überarbeitung", "action": "submit"}),
        "legal.feedback": ("/barrierefreiheit", {"message": "Gefälschte Rückmeldung"}),
        "review.login": ("/review/login", {"email": EDITOR_EMAIL, "password": PASSWORD}),
        "review.logout": ("/review/logout", {}),
        "review.act": (f"/review/{d['submission']}", {"action": "rejected",
                                                      "message": "Gefälscht"}),
    }
