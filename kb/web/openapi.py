"""OpenAPI 3 description of /api/v1."""

from __future__ import annotations

from .. import __version__
from ..cases import DOMAINS, MUNICIPALITY_TYPES, STATES, STATUSES


def _param(name, desc, schema, required=False, many=False):
    if many:
        schema = {"type": "array", "items": schema}
    p = {"name": name, "in": "query", "description": desc, "required": required, "schema": schema}
    if many:
        p.update(style="form", explode=True)
    return p


def _json(ref):
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def openapi_spec() -> dict:
    """Build the OpenAPI document (kept beside the routes it describes)."""
    error = {"description": "Fehler", **_json("Error")}
    filters = [
        _param("domain", "Handlungsfeld", {"type": "string", "enum": list(DOMAINS)}, many=True),
        _param("state", "Bundesland", {"type": "string", "enum": list(STATES)}, many=True),
        _param("type", "Art der Kommune", {"type": "string", "enum": list(MUNICIPALITY_TYPES)},
               many=True),
        _param("status", "Projektstand", {"type": "string", "enum": list(STATUSES)}, many=True),
    ]
    slug = {"name": "slug", "in": "path", "required": True,
            "schema": {"type": "string", "pattern": "^[a-z0-9-]{3,80}$"}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Praxisatlas Digitale Zwillinge API", "version": __version__,
                 "description": "Suche und Fälle kommunaler Praxisbeispiele."},
        "paths": {
            "/api/v1/health": {"get": {"summary": "Zustand, Modell und Indexgröße",
                                       "responses": {"200": {"description": "OK",
                                                             **_json("Health")}}}},
            "/api/v1/search": {"get": {
                "summary": "Fälle suchen",
                "parameters": [
                    _param("q", "Suchanfrage (1–1000 Zeichen)",
                           {"type": "string", "minLength": 1, "maxLength": 1000}, required=True),
                    _param("top_k", "Anzahl der Treffer",
                           {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}),
                    *filters,
                ],
                "responses": {"200": {"description": "Suchergebnis", **_json("SearchResult")},
                              "400": error},
            }},
            "/api/v1/cases": {"get": {"summary": "Alle Fälle (Metadaten)",
                                      "responses": {"200": {"description": "Liste"}}}},
            "/api/v1/cases/{slug}": {"get": {
                "summary": "Ein Fall mit Text", "parameters": [slug],
                "responses": {"200": {"description": "Fall"}, "404": error}}},
            "/api/v1/cases/{slug}/similar": {"get": {
                "summary": "Ähnliche Fälle",
                "parameters": [slug, _param("top_k", "Anzahl", {"type": "integer", "minimum": 1,
                                                                 "maximum": 50, "default": 5})],
                "responses": {"200": {"description": "Ähnliche Fälle"}, "400": error,
                              "404": error}}},
            "/api/v1/openapi.json": {"get": {"summary": "Diese Beschreibung",
                                             "responses": {"200": {"description": "OpenAPI"}}}},
        },
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error"],
                      "properties": {"error": {"type": "string"}}},
            "Health": {"type": "object", "properties": {
                "status": {"type": "string"}, "model": {"type": "string"},
                "dimension": {"type": "integer"}, "cases": {"type": "integer"},
                "chunks": {"type": "integer"}, "built_at": {"type": "string", "nullable": True},
                "generation": {"type": "integer"}}},
            "SearchResult": {"type": "object", "required": ["query", "total", "took_ms",
                                                            "results", "facets"],
                             "properties": {
                "query": {"type": "string"}, "total": {"type": "integer"},
                "took_ms": {"type": "number"},
                "results": {"type": "array", "items": {"type": "object", "properties": {
                    "slug": {"type": "string"}, "title": {"type": "string"},
                    "municipality": {"type": "string"}, "state": {"type": "string"},
                    "domains": {"type": "array", "items": {"type": "string"}},
                    "status": {"type": "string"}, "summary": {"type": "string"},
                    "score": {"type": "number"},
                    "snippets": {"type": "array", "items": {"type": "object", "properties": {
                        "section": {"type": "string"}, "text": {"type": "string"}}}}}}},
                "facets": {"type": "object"}}},
        }},
    }
