"""The JSON API under /api/v1 (see INTERFACES.md and /api/v1/openapi.json)."""

from __future__ import annotations

import os

from flask import Blueprint, jsonify, request, url_for

from ..errors import QueryError
from ..render import render_markdown
from ..search import FILTERS, LIKE_FIELDS
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
    searcher = kb_service().searcher  # loads or reloads the generation this worker serves
    manifest = searcher.bundle.manifest
    return jsonify({
        "status": "ok",
        "model": searcher.embedder.name,
        "dimension": searcher.embedder.dimension,
        "cases": manifest["counts"]["cases"],
        "chunks": manifest["counts"]["chunks"],
        "built_at": manifest["built_at"],
        "generation": searcher.bundle.generation,
        "worker": os.getpid(),
    })


def request_like() -> tuple[dict[str, str], str | None]:
    """The asker's own municipality ("Kommunen wie wir") from like_* parameters."""
    like = {name: request.args.get(f"like_{name}", "") for name in LIKE_FIELDS}
    return {k: v for k, v in like.items() if v}, request.args.get("like_mode") or None


@bp.get("/search")
def search():
    like, like_mode = request_like()
    result = kb_service().search(
        request.args.get("q", ""), _int_arg("top_k", 10), request_filters(), like=like,
        like_mode=like_mode,
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


def _json_body():
    data = request.get_json(silent=True)
    if data is None:
        raise QueryError("Erwartet wird ein JSON-Objekt (Content-Type: application/json).")
    return data


@bp.post("/submissions")
def create_submission():
    from ..review import check_submission_limit, note_submission, validate_submission
    from ..review import create_submission as store
    from .submit import submission_client, submissions_per_hour

    data = _json_body()
    errors = validate_submission(data)
    if errors:
        return jsonify({"errors": [{"field": e.field, "message": e.message} for e in errors]}), 422
    engine, client = kb_service().engine, submission_client()
    check_submission_limit(engine, client, submissions_per_hour())
    row = store(engine, data)
    note_submission(engine, client)
    status_url = url_for("submit.status", token=row.token, _external=True)
    return jsonify({"id": row.id, "status": row.status, "status_url": status_url}), 201


@bp.post("/collections")
def create_collection():
    from ..collections import create_collection as store
    from ..collections import validate_collection

    data = _json_body()
    errors = validate_collection(data, kb_service().searcher.bundle.cases)
    if errors:
        return jsonify({"errors": [{"field": f, "message": m} for f, m in errors]}), 422
    row = store(kb_service().engine, data)
    return jsonify({
        "id": row.id,
        "edit_url": url_for("collections.collection", collection_id=row.id,
                            token=row.edit_token, _external=True),
        "share_url": url_for("collections.collection", collection_id=row.id, _external=True),
    }), 201


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    from ..collections import get_collection

    row = get_collection(kb_service().engine, collection_id)
    cases = kb_service().searcher.bundle.cases
    return jsonify({
        "id": row.id,
        "title": row.title,
        "description": row.description,
        "event_date": row.event_date,
        "cases": [
            {"slug": item["slug"], "note": item.get("note", ""),
             "title": cases.get(item["slug"], {}).get("title"),
             "municipality": cases.get(item["slug"], {}).get("municipality")}
            for item in row.items
        ],
        "created_at": row.created_at.isoformat(),
    })
