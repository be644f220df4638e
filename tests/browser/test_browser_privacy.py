"""Privacy: crawling every page makes no request to another host; one necessary cookie only."""

from __future__ import annotations

import time
from urllib.parse import urldefrag, urlsplit

import pytest

from .harness import login, requested_urls
from .support import EDITOR_EMAIL, PASSWORD, sample_paths

By = pytest.importorskip("selenium.webdriver.common.by", reason="selenium fehlt").By

MAX_PAGES = 90
NOT_VISITED = ("/export", "/review/logout", "/static/")  # downloads, a POST-only route, assets


def crawl(driver, site, start: list[str]) -> tuple[list[str], list[str]]:
    """Visit the start pages and every same-site link found; return pages and requests."""
    queue, seen, requests = list(start), set(), []
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen or path.startswith(NOT_VISITED) or "/export." in path:
            continue
        seen.add(path)
        driver.get(site.url(path))
        requests.extend(requested_urls(driver))
        for link in driver.find_elements(By.CSS_SELECTOR, "a[href]"):
            href = urldefrag(link.get_attribute("href") or "")[0]
            parts = urlsplit(href)
            if parts.netloc == site.host and parts.scheme == "http":
                found = parts.path + (f"?{parts.query}" if parts.query else "")
                if found not in seen and not link.get_attribute("download"):
                    queue.append(found)
    return sorted(seen), requests


def foreign(requests: list[str], site) -> list[str]:
    return [url for url in requests
            if not url.startswith(site.base_url + "/") and not url.startswith("data:")]


def test_crawl_of_every_page_requests_nothing_from_other_hosts(page, site):
    data = {"collection": site.collection_id, "edit_token": site.edit_token,
            "submission": site.submission_id, "token": site.submission_token,
            "revise_token": site.revise_token}
    start = [path for paths in sample_paths(data).values() for path in paths]
    pages, requests = crawl(page, site, ["/", *start])
    # The form asks the search API for similar cases while typing: same host only.
    page.get(site.url("/submit"))
    page.find_element(By.ID, "title").send_keys("Starkregen und volle Keller")
    page.find_element(By.ID, "summary").send_keys(" in der Altstadt")
    deadline = time.time() + 20  # debounce plus a first query embedding on a loaded machine
    while time.time() < deadline:
        requests.extend(requested_urls(page))
        if any("/api/v1/search" in url for url in requests):
            break
        time.sleep(0.2)
    assert any("/api/v1/search" in url for url in requests)
    login(page, site, EDITOR_EMAIL, PASSWORD)
    editor_pages, editor_requests = crawl(page, site, ["/review", f"/review/{site.submission_id}",
                                                       "/review?state=alle"])
    requests += editor_requests
    assert len(pages) >= 30 and len(editor_pages) >= 3, (pages, editor_pages)
    assert {"/impressum", "/datenschutz", "/barrierefreiheit"} <= set(pages)
    assert len(requests) >= len(pages)
    assert foreign(requests, site) == []


def test_only_the_session_cookie_strictly_necessary_and_protected(page, site):
    def session_cookie():
        cookies = page.get_cookies()
        assert [c["name"] for c in cookies] == ["session"]
        cookie = cookies[0]
        assert cookie["httpOnly"] is True
        assert cookie["sameSite"] == "Lax"
        assert cookie["secure"] is False  # plain HTTP on 127.0.0.1; over HTTPS it is Secure
        return cookie

    for path in ("/", "/about", "/impressum", "/?q="):
        page.get(site.url(path))
        assert page.get_cookies() == [], path  # reading sets no cookie at all
    page.get(site.url("/cases/rufbus-landgemeinde"))  # a form: the CSRF token needs a session
    assert "expiry" not in session_cookie()  # deleted when the browser closes
    page.get(site.url(site.edit_path))  # the collection is remembered in the same cookie
    login(page, site, EDITOR_EMAIL, PASSWORD)
    assert session_cookie()["expiry"] - time.time() <= 8 * 3600 + 60
    assert page.execute_script("return document.cookie") == ""  # invisible to scripts


def test_the_crawl_would_notice_a_foreign_request(page, site):
    page.get(site.url("/about"))
    page.execute_script(
        "const l = document.createElement('link'); l.rel = 'stylesheet';"
        "l.href = 'http://fonts.example.invalid/x.css'; document.head.appendChild(l);")
    seen: list[str] = []
    deadline = time.time() + 10
    while time.time() < deadline and not foreign(seen, site):
        seen.extend(requested_urls(page))
        time.sleep(0.1)
    assert foreign(seen, site) == ["http://fonts.example.invalid/x.css"]
