"""axe-core (WCAG 2.0/2.1 A and AA) on every page and state, in headless Chromium."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from .harness import AXE_SOURCE, describe_violations, login, navigating, run_axe
from .support import EDITOR_EMAIL, PASSWORD

By = pytest.importorskip("selenium.webdriver.common.by", reason="selenium fehlt").By

# sha256 of axe-core 4.14.1's axe.min.js (npm, matches the package's sri-history.json)
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"


def _css(driver, selector):
    return driver.find_element(By.CSS_SELECTOR, selector)


def _open(driver, site, path):
    driver.get(site.url(path))


def _click(driver, selector):
    """Click a control that loads a new page and wait for it."""
    navigating(driver, _css(driver, selector).click)


def _submit_without_browser_checks(driver, form_selector, button_selector):
    """Submit a form as a browser without HTML5 validation would (server-side errors)."""
    driver.execute_script("document.querySelector(arguments[0]).noValidate = true;",
                          form_selector)
    _click(driver, button_selector)


# Each state leaves the browser on a page; the value says what must be announced there.
def search_empty(d, s):
    _open(d, s, "/")


def search_results(d, s):
    _open(d, s, "/?q=Starkregen+Keller")
    return "[role=status]"


def search_no_results(d, s):
    _open(d, s, "/?q=Starkregen&state=SH")
    assert "Keine Fälle passen zu Ihrer Suche" in d.page_source
    return "[role=status]"


def search_only_similar(d, s):
    _open(d, s, "/?q=Xylophon+Quantenphysik")
    assert "Kein Fall enthält Ihre Suchwörter" in d.page_source
    return "[role=status]"


def search_error(d, s):
    _open(d, s, "/?q=&state=NW")
    return "[role=alert]"


def filters_open(d, s):
    _open(d, s, "/?q=Hitze")
    _css(d, "details.filters:not(.like) > summary").click()
    assert _css(d, "details.filters:not(.like)").get_attribute("open") is not None


def like_open(d, s):
    _open(d, s, "/?q=Hitze")
    _css(d, "details.like > summary").click()
    assert _css(d, "details.like").get_attribute("open") is not None


def leichte_sprache_open(d, s):
    _open(d, s, "/")
    _css(d, "details.leichte-sprache > summary").click()
    assert _css(d, "details.leichte-sprache").get_attribute("open") is not None


def search_with_my_collections(d, s):
    _open(d, s, s.edit_path)  # remembers the collection in this browser
    _open(d, s, "/?q=Bus")
    assert _css(d, ".add-to-collection select")


def case_page(d, s):
    _open(d, s, "/cases/starkregen-beispielstadt")


def about(d, s):
    _open(d, s, "/about")


def impressum(d, s):
    _open(d, s, "/impressum")


def datenschutz(d, s):
    _open(d, s, "/datenschutz")


def barrierefreiheit(d, s):
    _open(d, s, "/barrierefreiheit")


def _type(driver, selector, text, tries=3):
    """Type into a field, retrying if Chrome swaps the node while the page settles."""
    from selenium.common.exceptions import WebDriverException

    for attempt in range(tries):
        try:
            _css(driver, selector).send_keys(text)
            return
        except WebDriverException:
            if attempt == tries - 1:
                raise


def barrier_report_errors(d, s):
    _open(d, s, "/barrierefreiheit")
    _type(d, "#fb-reply_to", "keine-adresse")
    navigating(d, _css(d, ".feedback-form button[type=submit]").click)
    assert _css(d, ".error-summary")


def barrier_report_sent(d, s):
    _open(d, s, "/barrierefreiheit")
    _type(d, "#fb-message", "Der Fokus ist auf der Filterliste schwer zu sehen.")
    navigating(d, _css(d, ".feedback-form button[type=submit]").click)
    assert "Vielen Dank" in _css(d, ".feedback-form .notice").text


def leichte_sprache(d, s):
    _open(d, s, "/leichte-sprache")


def error_404(d, s):
    _open(d, s, "/cases/gibt-es-nicht")
    assert "Fehlercode 404" in d.page_source


def error_400(d, s):
    # A form whose CSRF token no longer matches: the German 400 page.
    _open(d, s, "/collections")
    d.execute_script("document.querySelector('.collection-form [name=csrf_token]').value = 'alt';")
    _css(d, "#title").send_keys("Eine Mappe")
    _click(d, ".collection-form button[type=submit]")
    assert "Fehlercode 400" in d.page_source


def collections_index(d, s):
    _open(d, s, "/collections")


def collections_errors(d, s):
    _open(d, s, "/collections")
    _css(d, "#title").send_keys("x")
    _submit_without_browser_checks(d, ".collection-form", ".collection-form button")
    return "[role=alert]"


def collection_editor(d, s):
    _open(d, s, s.edit_path)
    assert _css(d, "#edit-link")


def collection_editor_saved(d, s):
    _open(d, s, s.edit_path)
    note = _css(d, "#note-1")
    note.clear()
    note.send_keys("Auf die Kosten eingehen.")
    _click(d, "#fall-starkregen-beispielstadt button[value=note]")
    return ".notice[role=status]"


def collection_editor_errors(d, s):
    _open(d, s, s.edit_path)
    _css(d, "#title").clear()
    form = "section[aria-labelledby=angaben] form"
    _submit_without_browser_checks(d, form, f"{form} button[type=submit]")
    return "[role=alert]"


def collection_share(d, s):
    _open(d, s, f"/collections/{s.collection_id}")


def presentation(d, s):
    _open(d, s, f"/collections/{s.collection_id}/present")


def presentation_case_slide(d, s):
    _open(d, s, f"/collections/{s.collection_id}/present#folie-2")
    assert "is-current" in _css(d, "#folie-2").get_attribute("class")


def presentation_sources_slide(d, s):
    _open(d, s, f"/collections/{s.collection_id}/present#folie-4")
    assert "is-current" in _css(d, "#folie-4").get_attribute("class")


def submit_empty(d, s):
    _open(d, s, "/submit")


def submit_errors(d, s):
    _open(d, s, "/submit")
    _css(d, "#title").clear()
    _click(d, "button[name=action][value=submit]")
    assert _css(d, ".error-summary")
    return "[role=alert]"


def submit_preview(d, s):
    _open(d, s, "/submit")
    _css(d, "#title").send_keys("Sensoren im Stadtpark")
    _css(d, "#summary").send_keys("Die Stadt misst Bodenfeuchte und gießt Bäume gezielter.")
    _click(d, "button[name=action][value=preview]")
    assert _css(d, "#vorschau")


def submit_similar(d, s):
    _open(d, s, "/submit")
    _css(d, "#title").send_keys("Starkregen und volle Keller")
    _click(d, "button[name=action][value=similar]")
    return "#aehnliche-status[role=status]"


def submit_change(d, s):
    _open(d, s, "/submit?case=rufbus-landgemeinde")


def submission_confirm(d, s):
    _open(d, s, f"/submit/eingereicht/{s.submission_token}")


def submission_status(d, s):
    _open(d, s, f"/submissions/{s.submission_token}")


def submission_status_open(d, s):
    _open(d, s, f"/submissions/{s.submission_token}")
    _css(d, "details.submitted > summary").click()


def submission_changes_requested(d, s):
    _open(d, s, f"/submissions/{s.revise_token}")
    assert "Rückfrage" in d.page_source


def submission_revise(d, s):
    _open(d, s, f"/submissions/{s.revise_token}/edit")
    assert _css(d, "form.case-form")


def login_page(d, s):
    _open(d, s, "/review/login")


def login_error(d, s):
    login(d, s, EDITOR_EMAIL, "falsches-passwort-123")
    return "[role=alert]"


def review_queue(d, s):
    login(d, s, EDITOR_EMAIL, PASSWORD)
    _open(d, s, "/review?state=alle")
    assert s.submission_id in d.page_source
    return "[role=status]"


def review_submission(d, s):
    login(d, s, EDITOR_EMAIL, PASSWORD)
    _open(d, s, f"/review/{s.submission_id}")


STATES = [search_empty, search_results, search_no_results, search_only_similar, search_error,
          filters_open, like_open, leichte_sprache_open, search_with_my_collections, case_page,
          about, impressum, datenschutz, barrierefreiheit, barrier_report_errors,
          barrier_report_sent, leichte_sprache, error_404, error_400,
          collections_index, collections_errors, collection_editor, collection_editor_saved,
          collection_editor_errors, collection_share, presentation, presentation_case_slide,
          presentation_sources_slide, submit_empty, submit_errors, submit_preview,
          submit_similar, submit_change, submission_confirm, submission_status,
          submission_status_open, submission_changes_requested, submission_revise, login_page,
          login_error, review_queue, review_submission]


def test_vendored_axe_is_the_published_release():
    assert hashlib.sha256(AXE_SOURCE.read_bytes()).hexdigest() == AXE_SHA256
    assert (Path(AXE_SOURCE).parent / "LICENSE").is_file()


def test_axe_reports_a_planted_violation(page, site):
    """The harness can fail: an unlabelled field and an empty link are reported."""
    page.get(site.url("/about"))
    page.execute_script(
        "const m = document.querySelector('main');"
        "m.appendChild(document.createElement('input'));"
        "const a = document.createElement('a'); a.href = '/'; m.appendChild(a);")
    found = {v["id"] for v in run_axe(page)}
    assert {"label", "link-name"} <= found


# States with field errors: each invalid field names its error through aria-describedby, its
# own or, for a group of checkboxes, its fieldset's (the GOV.UK pattern).
FIELD_ERRORS = {search_error, collections_errors, collection_editor_errors, submit_errors,
                login_error}
INVALID_FIELDS = """
return Array.from(document.querySelectorAll('[aria-invalid=true]')).map(el => {
  const group = el.closest('fieldset[aria-describedby]');
  const ids = [el, group].filter(Boolean)
    .flatMap(x => (x.getAttribute('aria-describedby') || '').split(/\\s+/)).filter(Boolean);
  return [el.id, ids.map(id => document.getElementById(id))
    .map(ref => ref ? ref.textContent.trim() : null)];
});
"""


@pytest.mark.parametrize("state", STATES, ids=[s.__name__ for s in STATES])
def test_page_state_has_no_wcag_violations(page, site, state):
    announced = state(page, site)
    assert page.execute_script("return document.documentElement.lang") == "de"
    assert page.title.endswith("Praxisatlas Digitale Zwillinge")
    if announced:
        messages = page.find_elements(By.CSS_SELECTOR, announced)
        assert messages and any(m.text.strip() for m in messages), announced
    invalid = page.execute_script(INVALID_FIELDS)
    if state in FIELD_ERRORS:
        assert invalid, "Fehler ohne markiertes Feld"
    for field, descriptions in invalid:
        assert descriptions and None not in descriptions, (field, descriptions)
        assert any(descriptions), f"{field}: Fehlertext fehlt"
    violations = run_axe(page)
    assert not violations, f"{page.current_url}\n{describe_violations(violations)}"
