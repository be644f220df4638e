"""Browser fixtures: Debian's Chromium, driven by Selenium, against the app served in a thread.

Chromium and chromium-driver come from the Debian packages (scripts/ensure-chromium.sh installs
them for `make test`). Without them every browser test is skipped with the reason; none passes
silently.
"""

from __future__ import annotations

import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .harness import BROWSER_FLAGS, chromium_binary, skip_reason
from .support import add_accounts, build_site, valid_submission

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@dataclass
class Site:
    """The app under test, where the browser reaches it, and data prepared in it."""

    app: object
    kb: object
    base_url: str
    collection_id: str = ""
    edit_token: str = ""
    submission_token: str = ""
    submission_id: str = ""
    revise_token: str = ""

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def edit_path(self) -> str:
        return f"/collections/{self.collection_id}?token={self.edit_token}"

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc


@pytest.fixture(scope="session")
def site(tmp_path_factory, real_embedder):
    """The app over its own index and database, served on 127.0.0.1 by werkzeug in a thread."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    from werkzeug.serving import make_server

    from kb.web import create_app

    kb = build_site(tmp_path_factory.mktemp("browser-site"), real_embedder)
    add_accounts(kb)
    app = create_app(kb.settings, kb=kb)
    app.config["KB_SUBMISSIONS_PER_HOUR"] = 10_000
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="kb-test-server", daemon=True)
    thread.start()
    result = Site(app=app, kb=kb, base_url=f"http://127.0.0.1:{server.server_port}")
    _prepare(result)
    yield result
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
    kb.close()


def _prepare(site: Site) -> None:
    """Create a collection and two submissions, one with a Rückfrage (through the JSON API)."""
    client = site.app.test_client()
    created = client.post("/api/v1/collections", json={
        "title": "Webinar Klimaanpassung", "description": "Zwei Beispiele für den Austausch.",
        "event_date": "2026-05-12",
        "cases": ["starkregen-beispielstadt", "hitze-stadtbaeume-sensoren"],
    })
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    site.collection_id = body["id"]
    site.edit_token = body["edit_url"].rsplit("token=", 1)[1]
    submitted = client.post("/api/v1/submissions", json=valid_submission())
    assert submitted.status_code == 201, submitted.get_data(as_text=True)
    site.submission_id = submitted.get_json()["id"]
    site.submission_token = submitted.get_json()["status_url"].rstrip("/").rsplit("/", 1)[1]
    second = client.post("/api/v1/submissions", json=valid_submission(
        title="Digitaler Zwilling mit Rückfrage")).get_json()
    site.revise_token = second["status_url"].rstrip("/").rsplit("/", 1)[1]
    from kb import review

    review.request_changes(site.kb.engine, second["id"], "redaktion@example.org",
                           "Bitte ergänzen Sie eine zweite Quelle.")


@pytest.fixture(scope="session")
def browser(site, tmp_path_factory):
    """One headless Chromium for the session, with a fresh profile and the network log on."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium_binary()
    for flag in BROWSER_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    service = Service(executable_path=shutil.which("chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture()
def page(browser, site):
    """The browser with no cookies and an empty network log, ready for one test."""
    browser.get(site.url("/robots-gibt-es-nicht"))
    browser.delete_all_cookies()
    browser.get_log("performance")
    browser.get_log("browser")
    return browser
