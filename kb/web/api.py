"""The JSON API under /api/v1 (see INTERFACES.md and /api/v1/openapi.json)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from ..errors import QueryError
from ..render import render_markdown
from ..search import FILTERS
from . import kb_service
from .openapi import openapi_spec

bp = Blueprint("api", __name__)


def request_filters() -> dict[str, list[str]]:
    return {name: request.args.getlist(name) for name in FILTERS if request.args.getlist(name)}


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise QueryError(f"{name} muss eine ganze Zahl sein.") from exc


@bp.get("/health")
def health():
    info = kb_service().info()
    kb_service().searcher  # noqa: B018 - loads or reloads the index this worker serves
    return jsonify({
        "status": "ok",
        "model": info["model"],
        "dimension": info["dimension"],
        "cases": info["cases"],
        "chunks": info["chunks"],
        "built_at": info["built_at"],
        "generation": kb_service().searcher.bundle.generation,
    })


@bp.get("/search")
def search():
    result = kb_service().search(
        request.args.get("q", ""), _int_arg("top_k", 10), request_filters()
    )
    return jsonify(result)


@bp.get("/cases")
def cases():
    return jsonify({"cases": kb_service().list_cases()})


@bp.get("/cases/<slug>")
def case(slug: str):
    data = kb_service().get_case(slug)
    data["body_html"] = render_markdown(data["body_markdown"])
    return jsonify(data)


@bp.get("/cases/<slug>/similar")
def similar(slug: str):
    top_k = _int_arg("top_k", 5)
    if not 1 <= top_k <= 50:
        raise QueryError("top_k muss zwischen 1 und 50 liegen.")
    return jsonify({"slug": slug, "results": kb_service().similar(slug, top_k)})


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_spec())
