"""Collection pages: create, edit, present and export ("Mappen"), plus search-result exports."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    flash,
    get_flashed_messages,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from .. import collections as store
from ..errors import NotFoundError
from ..export import FORMATS, filename, load_export, render
from ..export.model import format_date
from ..search import FILTERS, LIKE_FIELDS, MAX_TOP_K
from . import kb_service
from .review import current_editor

bp = Blueprint("collections", __name__)

REMEMBERED = "collections"
MAX_REMEMBERED = 12
SEARCH_FORMATS = ("csv", "json")


# -- collections remembered in this browser (session) -----------------------------------------
def remembered() -> list[dict]:
    """Return the collections this browser created or opened with an edit link, newest first."""
    return list(session.get(REMEMBERED, []))


def remember(row) -> None:
    """Keep a collection's id, edit token and title in the session (and for a logged-in editor)."""
    entry = {"id": row.id, "token": row.edit_token, "title": row.title[:80]}
    others = [c for c in remembered() if c.get("id") != row.id]
    session[REMEMBERED] = [entry, *others][:MAX_REMEMBERED]
    editor = current_editor()
    if editor is not None:
        store.link_to_editor(kb_service().engine, editor.email, row.id)


def remembered_token(collection_id: str) -> str | None:
    return next((c["token"] for c in remembered() if c.get("id") == collection_id), None)


@bp.app_context_processor
def my_collections():
    return {"my_collections": remembered()}


@bp.app_template_filter("german_date")
def german_date(value) -> str:
    """Format an ISO date as German text ("12. Mai 2026")."""
    return format_date(value)


@bp.app_template_global()
def search_export_url(fmt: str) -> str:
    """Return the download address of the current search (same query, filters, Kommune)."""
    wanted = {"q", "top_k", "like_mode", *FILTERS, *(f"like_{name}" for name in LIKE_FIELDS)}
    args = {k: v for k, v in request.args.lists() if k in wanted}
    return url_for("collections.search_export", fmt=fmt, **args)


def edit_url(row, **kw) -> str:
    return url_for("collections.collection", collection_id=row.id, token=row.edit_token, **kw)


def share_url(row, **kw) -> str:
    return url_for("collections.collection", collection_id=row.id, **kw)


def _local_path(target: str | None) -> str | None:
    """Accept only a path on this site as a return address (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target.rstrip("?")


def _base_url() -> str:
    return request.url_root.rstrip("/")


# -- pages --------------------------------------------------------------------------------------
@bp.get("/collections")
def index():
    editor = current_editor()
    mine = store.editor_collections(kb_service().engine, editor.email) if editor else []
    return render_template("collections/index.html", errors={}, form={}, editor_collections=mine)


@bp.post("/collections")
def create():
    form = {k: request.form.get(k, "").strip() for k in ("title", "description", "event_date")}
    errors = store.validate_details(form)
    if errors:
        return render_template("collections/index.html", errors=dict(errors), form=form), 422
    row = store.create_collection(kb_service().engine, {**form, "cases": []})
    remember(row)
    flash("Die Mappe ist angelegt. Fügen Sie über die Suche oder eine Fallseite Fälle hinzu.")
    return redirect(edit_url(row), code=303)


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    row = store.get_collection(kb_service().engine, collection_id)
    editable = store.can_edit(row, request.args.get("token"))
    if editable:
        remember(row)
    return _show(row, editable)


def _show(row, editable: bool, errors: dict | None = None, form: dict | None = None,
          status: int = 200):
    cases = kb_service().searcher.bundle.cases
    items = [(item, cases.get(item["slug"])) for item in row.items]
    back = _local_path(request.args.get("zurueck"))
    return render_template(
        "collections/show.html", collection=row, items=items, editable=editable,
        edit_link=edit_url(row, _external=True), share_link=share_url(row, _external=True),
        formats=FORMATS, errors=errors or {}, form=form, back=back,
        messages=get_flashed_messages(),
    ), status


@bp.post("/collections/<collection_id>/details")
def details(collection_id: str):
    engine = kb_service().engine
    form = {k: request.form.get(k, "").strip() for k in ("title", "description", "event_date")}
    try:
        row = store.update_details(engine, collection_id, request.form.get("token"), form)
    except store.CollectionInvalid as exc:
        row = store.get_collection(engine, collection_id)
        return _show(row, True, errors=dict(exc.errors), form=form, status=422)
    remember(row)
    flash("Titel, Beschreibung und Termin sind gespeichert.")
    return redirect(edit_url(row, _anchor="angaben"), code=303)


ACTION_MESSAGES = {
    "note": "Die Notiz zu „{title}“ ist gespeichert.",
    "up": "„{title}“ steht jetzt eine Position weiter oben.",
    "down": "„{title}“ steht jetzt eine Position weiter unten.",
    "remove": "„{title}“ wurde aus der Mappe entfernt.",
}


@bp.post("/collections/<collection_id>/items")
def item(collection_id: str):
    slug = request.form.get("slug", "")
    action = request.form.get("action", "note")
    note = request.form.get("note")
    row = store.change_item(kb_service().engine, collection_id, request.form.get("token"), slug,
                            action, note)
    title = kb_service().searcher.bundle.cases.get(slug, {}).get("title", slug)
    flash(ACTION_MESSAGES.get(action, ACTION_MESSAGES["note"]).format(title=title))
    anchor = "faelle" if action == "remove" else f"fall-{slug}"
    return redirect(edit_url(row, _anchor=anchor), code=303)


@bp.post("/collections/add")
def add_case():
    """Put a case into a collection of this browser, or into a new one."""
    engine = kb_service().engine
    slug = request.form.get("slug", "")
    cases = kb_service().searcher.bundle.cases
    if slug not in cases:
        raise NotFoundError(f"Den Fall „{slug}“ gibt es nicht.")
    back = _local_path(request.form.get("next"))
    collection_id = request.form.get("collection", "")
    if collection_id:
        token = request.form.get("token") or remembered_token(collection_id)
        added = store.add_case(engine, collection_id, token, slug)
        row = store.get_collection(engine, collection_id)
        flash(f"„{cases[slug]['title']}“ wurde der Mappe hinzugefügt." if added else
              f"„{cases[slug]['title']}“ steht schon in dieser Mappe.")
    else:
        today = dt.date.today().strftime("%d.%m.%Y")
        row = store.create_collection(engine, {"title": f"Neue Mappe vom {today}",
                                               "cases": [slug]})
        flash(f"Neue Mappe mit „{cases[slug]['title']}“ angelegt. "
              "Geben Sie ihr unten einen passenden Titel.")
    remember(row)
    extra = {"zurueck": back} if back else {}
    return redirect(edit_url(row, _anchor="faelle", **extra), code=303)


# -- presenting and exporting -------------------------------------------------------------------
@bp.get("/collections/<collection_id>/present")
def present(collection_id: str):
    export = load_export(kb_service(), collection_id, base_url=_base_url())
    total = 1 + len(export.cases) + 1
    return render_template("collections/present.html", export=export, total=total)


@bp.get("/collections/<collection_id>/export.<fmt>")
def export(collection_id: str, fmt: str):
    if fmt not in FORMATS:
        raise NotFoundError(f"Das Format „{fmt}“ gibt es nicht; möglich: {', '.join(FORMATS)}.")
    prepared = load_export(kb_service(), collection_id, base_url=_base_url())
    return _download(render(prepared, fmt), FORMATS[fmt].media_type, filename(prepared, fmt))


def _download(data: bytes, media_type: str, name: str) -> Response:
    response = Response(data, mimetype=media_type.split(";")[0])
    response.headers["Content-Type"] = media_type
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/export/search.<fmt>")
def search_export(fmt: str):
    """Download the current filtered search result as CSV or JSON (open data)."""
    from ..export.tabular import render_search_csv
    from .api import request_filters, request_like

    if fmt not in SEARCH_FORMATS:
        raise NotFoundError(f"Das Format „{fmt}“ gibt es nicht; möglich: csv, json.")
    like, like_mode = request_like()
    result = kb_service().search(request.args.get("q", ""), request.args.get("top_k", MAX_TOP_K),
                                 request_filters(), like=like, like_mode=like_mode)
    stamp = dt.date.today().isoformat()
    if fmt == "json":
        response = jsonify(result)
        response.headers["Content-Disposition"] = f'attachment; filename="suche-{stamp}.json"'
        return response
    return _download(render_search_csv(result, _base_url()), "text/csv; charset=utf-8",
                     f"suche-{stamp}.csv")
