"""OpenAPI 3 description of /api/v1."""

from __future__ import annotations

from .. import __version__
from ..cases import DOMAINS, MUNICIPALITY_TYPES, STATES, STATUSES
from ..queryparse import SIZE_BANDS


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
        _param("size", "Größenklasse", {"type": "string", "enum": list(SIZE_BANDS)}, many=True),
        _param("like_type", "Eigene Art der Kommune",
               {"type": "string", "enum": list(MUNICIPALITY_TYPES)}),
        _param("like_state", "Eigenes Bundesland", {"type": "string", "enum": list(STATES)}),
        _param("like_size", "Eigene Größenklasse", {"type": "string", "enum": list(SIZE_BANDS)}),
        _param("like_mode", "Vergleichbare Kommunen höher gewichten oder nur sie zeigen",
               {"type": "string", "enum": ["boost", "filter"], "default": "boost"}),
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
            "/api/v1/submissions": {"post": {
                "summary": "Neuen Fall einreichen (Felder des Falls + body_markdown)",
                "requestBody": {"required": True, **_json("Submission")},
                "responses": {"201": {"description": "Eingereicht", **_json("SubmissionCreated")},
                              "400": error, "413": error,
                              "422": {"description": "Fehlerhafte Felder",
                                      **_json("FieldErrors")},
                              "429": error}}},
            "/api/v1/collections": {"post": {
                "summary": "Mappe anlegen",
                "requestBody": {"required": True, **_json("CollectionInput")},
                "responses": {"201": {"description": "Angelegt", **_json("CollectionCreated")},
                              "400": error, "422": {"description": "Fehlerhafte Felder",
                                                    **_json("FieldErrors")}}}},
            "/api/v1/collections/{id}": {"get": {
                "summary": "Eine Mappe",
                "parameters": [{"name": "id", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {"200": {"description": "Mappe"}, "404": error}}},
            "/api/v1/openapi.json": {"get": {"summary": "Diese Beschreibung",
                                             "responses": {"200": {"description": "OpenAPI"}}}},
        },
        "components": {"schemas": {
            "Submission": {"type": "object",
                           "required": ["title", "municipality", "municipality_type", "state",
                                        "domains", "status", "summary", "updated",
                                        "body_markdown"],
                           "properties": {
                "title": {"type": "string"}, "municipality": {"type": "string"},
                "municipality_type": {"type": "string", "enum": list(MUNICIPALITY_TYPES)},
                "state": {"type": "string", "enum": list(STATES)},
                "domains": {"type": "array", "items": {"type": "string", "enum": list(DOMAINS)}},
                "status": {"type": "string", "enum": list(STATUSES)},
                "summary": {"type": "string"}, "updated": {"type": "string", "format": "date"},
                "body_markdown": {"type": "string"}, "contact_consent": {"type": "boolean"},
                "note": {"type": "string", "description": "Hinweis an die Redaktion, privat"}}},
            "SubmissionCreated": {"type": "object", "properties": {
                "id": {"type": "string"}, "status": {"type": "string"},
                "status_url": {"type": "string"}}},
            "CollectionInput": {"type": "object", "required": ["title", "cases"], "properties": {
                "title": {"type": "string"}, "description": {"type": "string"},
                "event_date": {"type": "string", "format": "date"},
                "cases": {"type": "array", "items": {"type": "string"}}}},
            "CollectionCreated": {"type": "object", "properties": {
                "id": {"type": "string"}, "edit_url": {"type": "string"},
                "share_url": {"type": "string"}}},
            "FieldErrors": {"type": "object", "properties": {"errors": {
                "type": "array", "items": {"type": "object", "properties": {
                    "field": {"type": "string"}, "message": {"type": "string"}}}}}},
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
                "facets": {"type": "object"},
                "expansions": {"type": "array", "items": {"type": "string"},
                               "description": "Thesaurus-Gruppen, nach denen auch gesucht wurde"},
                "corrections": {"type": "array", "items": {"type": "string"},
                                "description": "Wörter des Bestands, nach denen für "
                                               "unbekannte (vertippte) Wörter gesucht wurde"},
                "only_similar": {"type": "boolean",
                                 "description": "Kein Fall enthält ein Suchwort; die Treffer "
                                                "stammen allein aus der Vektorsuche und sind "
                                                "nur inhaltlich ähnlich"}}},
        }},
    }
