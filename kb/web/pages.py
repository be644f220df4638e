"""German web pages: search, case page, about."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from markupsafe import Markup

from ..errors import KbError, QueryError
from ..render import highlight, render_markdown
from ..search import FILTERS, term_matches
from . import kb_service
from .api import request_like

bp = Blueprint("pages", __name__)


def _marked(text: str, terms: list[str]) -> Markup:
    wanted = set(terms)
    return Markup(highlight(text, lambda tok: term_matches(tok, wanted)))


@bp.get("/")
def index():
    q = request.args.get("q", "").strip()
    filters = {name: request.args.getlist(name) for name in FILTERS}
    active = {k: v for k, v in filters.items() if v}
    like, like_mode = request_like()
    result, error = None, None
    if q or active or like:
        try:
            if not q:
                raise QueryError("Bitte geben Sie einen Suchbegriff ein.")
            result = kb_service().search(q, request.args.get("top_k", 10), active, like=like,
                                         like_mode=like_mode)
        except QueryError as exc:
            error = str(exc)
    status = 400 if error else 200
    return render_template("search.html", q=q, filters=filters, result=result, error=error,
                           like=like, like_mode=like_mode or "boost", marked=_marked), status


@bp.get("/cases/<slug>")
def case(slug: str):
    data = kb_service().get_case(slug)
    try:
        similar = kb_service().similar(slug, 5)
    except KbError:
        similar = []
    return render_template("case.html", case=data, body_html=Markup(
        render_markdown(data["body_markdown"])), similar=similar)


@bp.get("/about")
def about():
    info = kb_service().info()
    return render_template("about.html", info=info)

