"""The XSS corpus in a real browser: no dialog opens, nothing is injected, CSP is never needed."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest

from .harness import login
from .support import EDITOR_EMAIL, PASSWORD, XSS_PAYLOADS, valid_submission

exceptions = pytest.importorskip("selenium.common.exceptions", reason="selenium fehlt")

# Markup that only an injection could have produced (the templates contain none of it).
INJECTED_SCRIPT = """
const found = [];
for (const el of document.querySelectorAll('*')) {
  const tag = el.localName;
  if (['img', 'iframe', 'svg', 'math', 'object', 'embed', 'base', 'marquee', 'style', 'frame',
       'video', 'audio'].includes(tag)) { found.push('<' + tag + '>'); }
  if (tag === 'script' && !(el.getAttribute('src') || '').startsWith('/static/')) {
    found.push('<script> inline');
  }
  if (tag === 'link' && !(el.getAttribute('href') || '').startsWith('/static/')) {
    found.push('<link href=' + el.getAttribute('href') + '>');
  }
  if (tag === 'meta' && el.hasAttribute('http-equiv')) { found.push('<meta http-equiv>'); }
  for (const attr of el.attributes) {
    if (attr.name.startsWith('on') || attr.name === 'style' || attr.name === 'srcdoc') {
      found.push('<' + tag + ' ' + attr.name + '>');
    }
  }
  for (const name of ['href', 'src', 'action', 'formaction', 'data']) {
    const value = el.getAttribute(name);
    const plain = (value || '').replace(/[\\t\\n\\r]/g, '');
    if (value !== null && /^[\\x00-\\x20]*(javascript|data|vbscript):/i.test(plain)) {
      found.push('<' + tag + ' ' + name + '=' + value + '>');
    }
  }
}
return found;
"""


def assert_inert(driver, host: str, where: str) -> None:
    """No dialog, no injected markup, no CSP report, no request to another host."""
    try:
        alert = driver.switch_to.alert
        text = alert.text
        alert.dismiss()
        raise AssertionError(f"{where}: Dialog geöffnet: {text!r}")
    except exceptions.NoAlertPresentException:
        pass
    injected = driver.execute_script(INJECTED_SCRIPT)
    assert not injected, f"{where}: {injected}"
    console = [e["message"] for e in driver.get_log("browser")
               if "Content Security Policy" in e["message"] or "Refused to" in e["message"]]
    assert not console, f"{where}: {console}"
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        assert message.get("method") != "Page.javascriptDialogOpening", where
        if message.get("method") == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            assert url.startswith((f"http://{host}/", "data:")), f"{where}: {url}"


@pytest.fixture(scope="module")
def planted(site):
    """One collection per payload (title, description, note) and submissions carrying them."""
    client = site.app.test_client()
    html = client.get("/collections").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    edit_paths = []
    for payload in XSS_PAYLOADS:
        made = client.post("/api/v1/collections", json={
            "title": payload.strip()[:160], "description": payload,
            "cases": ["starkregen-beispielstadt"]}).get_json()
        token = made["edit_url"].rsplit("token=", 1)[1]
        client.post(f"/collections/{made['id']}/items", data={
            "csrf_token": csrf, "token": token, "slug": "starkregen-beispielstadt",
            "action": "note", "note": payload})
        edit_paths.append(f"/collections/{made['id']}?token={token}")
    corpus = "\n\n".join(XSS_PAYLOADS)
    lines = [" ".join(p.split()) for p in XSS_PAYLOADS]
    made = client.post("/api/v1/submissions", json=valid_submission(
        title="Fall mit allen Nutzlasten", summary="Kurzfassung: " + lines[3],
        partners=lines, standards=lines, tags=[line.lower() for line in lines],
        body_markdown="## Ausgangslage\n\n" + corpus, note=corpus[:2000]))
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    for line in lines:
        extra = client.post("/api/v1/submissions", json=valid_submission(
            title=f"Fall {line}"[:160], municipality=f"Stadt {line}"[:200]))
        assert extra.status_code == 201, extra.get_json()
    return {"edit_paths": edit_paths, "submission": body["id"],
            "token": body["status_url"].rsplit("/", 1)[1]}


def test_search_box_with_every_payload(page, site):
    for number, payload in enumerate(XSS_PAYLOADS):
        page.get(site.url("/?q=" + quote(payload, safe="")))
        assert page.find_element("id", "q").get_attribute("value") == payload.strip()
        assert_inert(page, site.host, f"Suche, Nutzlast {number}")


def test_collections_with_every_payload(page, site, planted):
    for number, path in enumerate(planted["edit_paths"]):
        page.get(site.url(path))
        assert page.find_element("id", "title").get_attribute("value") == \
            XSS_PAYLOADS[number].strip()[:160]
        assert_inert(page, site.host, f"Mappe, Nutzlast {number}")
    shared = planted["edit_paths"][0].split("?", 1)[0]
    for suffix in ("", "/present", "/present#folie-2"):
        page.get(site.url(shared + suffix))
        assert_inert(page, site.host, f"Mappe {suffix or 'ansehen'}")


def test_submission_pages_with_every_payload(page, site, planted):
    page.get(site.url(f"/submissions/{planted['token']}"))
    page.find_element("css selector", "details.submitted > summary").click()
    assert_inert(page, site.host, "Statusseite")
    login(page, site, EDITOR_EMAIL, PASSWORD)
    for path in ("/review?state=alle", f"/review/{planted['submission']}"):
        page.get(site.url(path))
        assert_inert(page, site.host, path)


def test_the_check_notices_injected_markup(page, site):
    page.get(site.url("/about"))
    page.execute_script("document.querySelector('main').insertAdjacentHTML('beforeend',"
                        " '<img src=\"/x\" onerror=\"void 0\">');")
    with pytest.raises(AssertionError, match="img"):
        assert_inert(page, site.host, "Probe")
