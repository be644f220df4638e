"""Browser helpers: find Chromium, run axe-core, read the network log, log in."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

BROWSER_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
    "--lang=de-DE",
]
AXE_SOURCE = Path(__file__).with_name("vendor") / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def chromium_binary() -> str | None:
    """Return Debian's Chromium executable (the real binary, not the wrapper script)."""
    for candidate in ("/usr/lib/chromium/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def skip_reason() -> str | None:
    """Say why the browser tests cannot run here, or None when they can."""
    if os.environ.get("KB_TEST_BROWSER_SKIP"):
        return os.environ["KB_TEST_BROWSER_SKIP"]
    if chromium_binary() is None or shutil.which("chromedriver") is None:
        return ("Chromium oder chromium-driver fehlt (make test installiert beides mit "
                "scripts/ensure-chromium.sh)")
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium fehlt (pip install -e '.[dev]')"
    return None


def run_axe(driver) -> list[dict]:
    """Run axe-core (WCAG 2.0/2.1 A and AA) on the current page; return its violations."""
    if not driver.execute_script("return typeof window.axe === 'object';"):
        driver.execute_script(AXE_SOURCE.read_text(encoding="utf-8"))
    outcome = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]},"
        " resultTypes: ['violations']})"
        ".then(r => done(r.violations)).catch(e => done({error: String(e)}));",
        AXE_TAGS,
    )
    if isinstance(outcome, dict):
        raise RuntimeError(f"axe-core lief nicht: {outcome['error']}")
    return outcome


def describe_violations(violations: list[dict]) -> str:
    """Format axe violations readably: rule, impact, help, and the first nodes."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} [{v['helpUrl']}]")
        for node in v["nodes"][:5]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {json.dumps(node['target'])}: {summary}")
            lines.append(f"      {node.get('html', '')[:200]}")
    return "\n".join(lines)


def requested_urls(driver) -> list[str]:
    """Drain the performance log and return the URL of every request the page made."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def navigating(driver, action) -> None:
    """Run an action that loads a new page (a click, a key) and wait until it has loaded.

    The old page gets a mark on its window object; a new document starts without it. Waiting
    on an element of the old page instead (selenium's staleness_of) is flaky: while the page
    is being replaced, Chrome may answer "Node with given id does not belong to the document"
    rather than "stale element", and the wait gives up.
    """
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_script("window.__kbOldPage = true;")
    action()

    def new_page_loaded(d) -> bool:
        try:
            return d.execute_script(
                "return !window.__kbOldPage && document.readyState === 'complete';")
        except WebDriverException:  # the old document is going away mid-call
            return False

    WebDriverWait(driver, 15).until(new_page_loaded, "Die neue Seite wurde nicht geladen.")


def login(driver, site, email: str, password: str) -> None:
    """Log in through the form, as an editor would."""
    from selenium.webdriver.common.by import By

    driver.get(site.url("/review/login"))
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(password)
    button = driver.find_element(By.CSS_SELECTOR, ".login-form button[type=submit]")
    navigating(driver, button.click)
