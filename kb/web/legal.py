"""Pages every German public site needs: Impressum, Datenschutz, Barrierefreiheit, Leichte Sprache.

Each installation writes its own text as Markdown into the instance folder
(``<KB_INSTANCE_DIR>/legal/impressum.md``, ``datenschutz.md``, ``barrierefreiheit.md``). Until
it does, German defaults from ``templates/legal/`` are shown; they say where the operator's
details belong. The files are read on every request, so a change shows without a restart.
"""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup

from ..auth import client_key
from ..feedback import store_feedback, validate_feedback
from ..render import render_markdown
from . import kb_service

bp = Blueprint("legal", __name__)

# endpoint -> page title; the instance file is legal/<endpoint>.md
PAGES = {
    "impressum": "Impressum",
    "datenschutz": "Datenschutzerklärung",
    "barrierefreiheit": "Erklärung zur Barrierefreiheit",
}


def legal_dir() -> Path:
    return Path(current_app.instance_path) / "legal"


def installation_text(name: str) -> Markup | None:
    """Return the installation's own text for a page as sanitized HTML, or None."""
    path = legal_dir() / f"{name}.md"
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        return None
    return Markup(render_markdown(text))


def _page(name: str, **extra):
    return render_template(f"legal/{name}.html", title=PAGES[name],
                           custom=installation_text(name), **extra)


@bp.get("/impressum")
def impressum():
    return _page("impressum")


@bp.get("/datenschutz")
def datenschutz():
    return _page("datenschutz")


@bp.get("/barrierefreiheit")
def barrierefreiheit():
    return _page("barrierefreiheit", errors={}, form={}, messages=get_flashed_messages())


@bp.post("/barrierefreiheit")
def feedback():
    """Take a report of a barrier (the feedback form of the Erklärung zur Barrierefreiheit)."""
    form = {k: request.form.get(k, "") for k in ("message", "page", "reply_to")}
    errors = validate_feedback(form)
    if errors:
        return _page("barrierefreiheit", errors=errors, form=form), 422
    client = client_key(current_app.config["SECRET_KEY"], request.remote_addr)
    store_feedback(kb_service().engine, form, client)
    flash("Vielen Dank! Ihre Rückmeldung ist angekommen; die Redaktion kümmert sich darum.")
    return redirect(url_for("legal.barrierefreiheit", _anchor="rueckmeldung"), code=303)


@bp.get("/leichte-sprache")
def leichte_sprache():
    return render_template("legal/leichte_sprache.html")
