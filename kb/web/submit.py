"""Contributing a case without an account: the guided form, preview, status page, revisions."""

from __future__ import annotations

import datetime as dt
import re

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from .. import audit, review
from ..auth import client_key
from ..cases import DEFAULT_LICENSE
from ..errors import KbError, NotFoundError
from ..publish import publication_of
from ..render import render_markdown
from . import kb_service

bp = Blueprint("submit", __name__)

TEXT_FIELDS = ("title", "municipality", "municipality_type", "state", "status", "started",
               "summary", "funding", "updated", "license")
CONTACT_FIELDS = ("name", "role", "email")
LABELS = {
    "title": "Titel", "municipality": "Kommune", "municipality_type": "Art der Kommune",
    "state": "Bundesland", "population": "Einwohnerzahl", "domains": "Handlungsfelder",
    "tags": "Stichwörter", "status": "Projektstand", "started": "Projektbeginn",
    "summary": "Kurzfassung", "funding": "Förderung", "partners": "Partner",
    "standards": "Datenstandards und Schnittstellen", "sources": "Quellen",
    "updated": "Stand", "license": "Lizenz", "contact_name": "Name der Ansprechperson",
    "contact_role": "Funktion der Ansprechperson", "contact_email": "E-Mail der Ansprechperson",
    "contact_consent": "Einwilligung", "body_markdown": "Falltext",
    "note": "Hinweis an die Redaktion", "form": "Formular",
}
# The order of the controls on the page, which the error summary follows.
FORM_ORDER = ("form", "title", "summary", "municipality", "municipality_type", "state",
              "population", "domains", "status", "started", "tags", "body_markdown", "funding",
              "partners", "standards", "sources", "updated", "license", "contact_name",
              "contact_role", "contact_email", "contact_consent", "note")
STATUS_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}


# -- form <-> submission data (pure) -----------------------------------------------------------
def _split(text: str, pattern: str) -> list[str]:
    return [part.strip() for part in re.split(pattern, text or "") if part.strip()]


def form_to_data(form: MultiDict) -> dict:
    """Translate the form into a submission dict; contact data only with consent."""
    data: dict = {}
    for name in TEXT_FIELDS:
        value = " ".join((form.get(name) or "").split())
        if value:
            data[name] = value
    population = re.sub(r"[\s.]", "", form.get("population") or "")
    if population:
        data["population"] = int(population) if population.isdigit() else population
    domains = form.getlist("domains")
    if domains:
        data["domains"] = domains
    lists = {"tags": r"[,\n]", "partners": r"\n", "standards": r"[,\n]", "sources": r"\s+"}
    for name, pattern in lists.items():
        values = _split(form.get(name, ""), pattern)
        if values:
            data[name] = [v.lower() for v in values] if name == "tags" else values
    contact = {k: " ".join(form.get(f"contact_{k}", "").split()) for k in CONTACT_FIELDS}
    contact = {k: v for k, v in contact.items() if v}
    if contact:
        data["contact"] = contact
        data["contact_consent"] = form.get("contact_consent") == "ja"
    body = review.clean_body(form.get("body_markdown", ""))
    if body:
        data["body_markdown"] = body
    note = (form.get("note") or "").strip()
    if note:
        data["note"] = note
    return data


def data_to_form(data: dict, keep_contact: bool = True) -> dict:
    """Return form values for a stored submission or a published case."""
    values = {name: str(data.get(name) or "") for name in TEXT_FIELDS}
    values["population"] = str(data.get("population") or "")
    values["domains"] = list(data.get("domains") or [])
    values["tags"] = ", ".join(data.get("tags") or [])
    values["partners"] = "\n".join(data.get("partners") or [])
    values["standards"] = ", ".join(data.get("standards") or [])
    values["sources"] = "\n".join(data.get("sources") or [])
    contact = (data.get("contact") or {}) if keep_contact else {}
    for key in CONTACT_FIELDS:
        values[f"contact_{key}"] = str(contact.get(key) or "")
    values["body_markdown"] = data.get("body_markdown") or ""
    values["note"] = ""
    return values


def blank_form() -> dict:
    values = data_to_form({"license": DEFAULT_LICENSE})
    values["updated"] = dt.date.today().isoformat()
    values["body_markdown"] = review.body_template()
    return values


def field_id(field: str) -> str:
    """Map a validation field ("contact.email") to the id of its form control."""
    if field == "contact":
        return "contact_name"
    return field.replace(".", "_")


def check_form(form: MultiDict) -> tuple[dict, dict[str, list[str]]]:
    """Validate the form; return the submission data and German errors by form control."""
    data = form_to_data(form)
    errors: dict[str, list[str]] = {}
    consent_missing = "contact" in data and not data["contact_consent"]
    checked = {**data, "contact_consent": True} if "contact" in data else data
    for err in review.validate_submission(checked):
        errors.setdefault(field_id(err.field), []).append(err.message)
    if consent_missing:
        errors.setdefault("contact_consent", []).append(
            "Bitte bestätigen Sie die Einwilligung – oder lassen Sie die Kontaktfelder leer.")
    if isinstance(data.get("population"), str):
        errors["population"] = ["Bitte nur Ziffern angeben, z. B. 64000."]
    order = {name: i for i, name in enumerate(FORM_ORDER)}
    return data, dict(sorted(errors.items(), key=lambda item: order.get(item[0], 0)))


# -- helpers shared with the review pages -----------------------------------------------------
def similar_cases(title: str, summary: str, exclude: str | None = None) -> list[dict]:
    """Return published cases that resemble a title and summary (nothing if search fails)."""
    query = f"{title or ''} {summary or ''}".strip()[:1000]
    if len(query) < 3:
        return []
    try:
        results = kb_service().search(query, 6)["results"]
    except KbError:
        return []
    return [r for r in results if r["slug"] != exclude][:5]


def preview_html(data: dict) -> Markup:
    return Markup(render_markdown(data.get("body_markdown", "")))


def submission_client() -> str:
    """Return this client's keyed address hash for the submission limit."""
    return client_key(current_app.config["SECRET_KEY"], request.remote_addr)


def submissions_per_hour() -> int:
    return int(current_app.config.get("KB_SUBMISSIONS_PER_HOUR", review.SUBMISSIONS_PER_HOUR))


def _render_form(values: dict, *, errors=None, mode="new", case=None, submission=None,
                 action=None, data=None, status=200):
    data = data or {}
    similar = None
    if action == "similar":
        similar = similar_cases(data.get("title", ""), data.get("summary", ""),
                                case["slug"] if case else None)
    return render_template(
        "submit/form.html", values=values, errors=errors or {}, labels=LABELS, mode=mode,
        case=case, submission=submission, preview=data if action == "preview" else None,
        preview_body=preview_html(data) if action == "preview" else None,
        similar=similar,
        comments=_visible_history(submission) if submission else [],
    ), status


def _visible_history(submission) -> list:
    return [e for e in audit.submission_history(kb_service().engine, submission.id)
            if e.action in audit.CONTRIBUTOR_VISIBLE]


def _edit_target(slug: str | None) -> dict | None:
    if not slug:
        return None
    return kb_service().get_case(slug)


# -- routes ------------------------------------------------------------------------------------
@bp.get("/submit")
def form():
    case = _edit_target(request.args.get("case"))
    if case is None:
        return _render_form(blank_form())
    values = data_to_form(case)
    values["updated"] = dt.date.today().isoformat()
    return _render_form(values, mode="edit", case=case)


@bp.post("/submit")
def submit():
    case = _edit_target(request.form.get("case"))
    mode = "edit" if case else "new"
    values = {**request.form.to_dict(), "domains": request.form.getlist("domains")}
    data, errors = check_form(request.form)
    action = request.form.get("action", "submit")
    if action in ("preview", "similar"):
        return _render_form(values, errors=errors if action == "preview" else None, mode=mode,
                            case=case, action=action, data=data)
    if errors:
        return _render_form(values, errors=errors, mode=mode, case=case, data=data, status=422)
    engine, client = kb_service().engine, submission_client()
    try:
        review.check_submission_limit(engine, client, submissions_per_hour())
    except review.SubmissionLimit as exc:
        return _render_form(values, errors={"form": [str(exc)]}, mode=mode, case=case,
                            data=data, status=429)
    row = review.create_submission(engine, data, case_slug=case["slug"] if case else None)
    review.note_submission(engine, client)
    return redirect(url_for("submit.confirm", token=row.token), code=303)


def _submission(token: str):
    row = review.submission_by_token(kb_service().engine, token)
    if row is None:
        abort(404)
    return row


@bp.get("/submit/eingereicht/<token>")
def confirm(token: str):
    row = _submission(token)
    link = url_for("submit.status", token=row.token, _external=True)
    return render_template("submit/confirm.html", submission=row, link=link), 200, \
        STATUS_HEADERS


@bp.get("/submissions/<token>")
def status(token: str):
    row = _submission(token)
    publication = publication_of(kb_service().engine, row.id)
    return render_template(
        "submit/status.html", submission=row, label=review.STATUS_LABELS.get(row.status),
        history=_visible_history(row), actor_label=audit.actor_label,
        action_labels=audit.ACTION_LABELS, publication=publication,
        preview_body=preview_html(row.data),
    ), 200, STATUS_HEADERS


@bp.route("/submissions/<token>/edit", methods=["GET", "POST"])
def revise(token: str):
    """Let the contributor answer a "Rückfrage" by editing and resubmitting."""
    row = _submission(token)
    if row.status != "changes_requested":
        return redirect(url_for("submit.status", token=token), code=303)
    try:
        case = kb_service().get_case(row.case_slug) if row.case_slug else None
    except NotFoundError:  # the case was removed meanwhile; the proposal still counts
        case = {"slug": row.case_slug, "title": row.case_slug}
    mode = "revise"
    if request.method == "GET":
        values = data_to_form(row.data)
        if row.data.get("contact"):
            values["contact_consent"] = "ja"  # stored only with consent, given before
        return _render_form(values, mode=mode, case=case, submission=row)
    values = {**request.form.to_dict(), "domains": request.form.getlist("domains")}
    data, errors = check_form(request.form)
    action = request.form.get("action", "submit")
    if action in ("preview", "similar"):
        return _render_form(values, errors=errors if action == "preview" else None, mode=mode,
                            case=case, submission=row, action=action, data=data)
    if errors:
        return _render_form(values, errors=errors, mode=mode, case=case, submission=row,
                            data=data, status=422)
    try:
        review.resubmit(kb_service().engine, token, data)
    except (review.ReviewError, NotFoundError):
        return redirect(url_for("submit.status", token=token), code=303)
    return redirect(url_for("submit.status", token=token, erneut=1), code=303)
