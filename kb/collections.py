"""Webinar collections ("Mappen"): an ordered list of cases with host notes."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from sqlalchemy import select

from .db import CollectionRow, EditorCollectionRow, require, session_factory, utcnow
from .errors import KbError, NotFoundError

MAX_CASES = 100
MAX_NOTE = 600
ITEM_ACTIONS = ("note", "up", "down", "remove")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class CollectionAccessDenied(KbError):
    """The edit token is missing or wrong."""

    http_status = 403


class CollectionInvalid(KbError):
    """Form data for a collection breaks a rule; carries (field, message) pairs."""

    http_status = 422

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = list(errors)
        super().__init__("Bitte prüfen Sie die Angaben: "
                         + "; ".join(message for _, message in self.errors))


def validate_details(data: dict) -> list[tuple[str, str]]:
    """Check title, description and the optional event date (YYYY-MM-DD)."""
    errors = []
    title = data.get("title")
    if not isinstance(title, str) or not 3 <= len(title.strip()) <= 160:
        errors.append(("title", "Titel mit 3 bis 160 Zeichen angeben"))
    description = data.get("description", "")
    if not isinstance(description, str) or len(description) > 2000:
        errors.append(("description", "höchstens 2000 Zeichen Text"))
    event_date = data.get("event_date") or ""
    if not isinstance(event_date, str) or (event_date and not _is_date(event_date)):
        errors.append(("event_date", "Datum im Format JJJJ-MM-TT angeben, z. B. 2026-05-12"))
    return errors


def _is_date(value: str) -> bool:
    if not DATE_RE.match(value):
        return False
    try:
        return 2000 <= dt.date.fromisoformat(value).year <= 2100
    except ValueError:
        return False


def validate_collection(data, known_slugs) -> list[tuple[str, str]]:
    """Check {title, description?, event_date?, cases: [slug…]} against the published cases."""
    if not isinstance(data, dict):
        return [("body", "Erwartet wird ein JSON-Objekt mit title und cases.")]
    errors = validate_details(data)
    cases = data.get("cases")
    if not isinstance(cases, list) or not all(isinstance(s, str) for s in cases):
        errors.append(("cases", "Liste von Fall-Kennungen (slugs) angeben"))
    elif len(cases) > MAX_CASES:
        errors.append(("cases", f"höchstens {MAX_CASES} Fälle"))
    else:
        unknown = [s for s in cases if s not in known_slugs]
        if unknown:
            errors.append(("cases", f"unbekannte Fälle: {', '.join(unknown[:10])}"))
        if len(set(cases)) != len(cases):
            errors.append(("cases", "ein Fall steht doppelt in der Mappe"))
    return errors


def new_collection_id() -> str:
    """A random URL-safe id that starts with a letter or digit.

    An id like ``-6Fq…`` would read as an option on a command line
    (``kb export -6Fq…``), so such draws are discarded.
    """
    while True:
        candidate = secrets.token_urlsafe(9)
        if candidate[0].isalnum():
            return candidate


def create_collection(engine, data: dict) -> CollectionRow:
    """Store a new collection with an unguessable edit token."""
    row = CollectionRow(
        id=new_collection_id(),
        edit_token=secrets.token_urlsafe(24),
        title=data["title"].strip(),
        description=(data.get("description") or "").strip(),
        event_date=data.get("event_date") or None,
        items=[{"slug": s, "note": ""} for s in data.get("cases", [])],
    )
    with session_factory(engine).begin() as session:
        session.add(row)
    return row


def get_collection(engine, collection_id: str) -> CollectionRow:
    """Return a collection or raise NotFoundError."""
    with session_factory(engine)() as session:
        return require(session, CollectionRow, collection_id, "Die Mappe")


def can_edit(row: CollectionRow, token: str | None) -> bool:
    """Tell whether token is the collection's edit token (constant-time comparison)."""
    return bool(token) and secrets.compare_digest(str(token), row.edit_token)


def _edit(engine, collection_id: str, token: str | None, change) -> CollectionRow:
    """Load, check the token, apply change(row) and commit, in one transaction."""
    with session_factory(engine).begin() as session:
        row = require(session, CollectionRow, collection_id, "Die Mappe")
        if not can_edit(row, token):
            raise CollectionAccessDenied(
                "Zum Bearbeiten dieser Mappe brauchen Sie ihren privaten Bearbeitungslink."
            )
        change(row)
        row.updated_at = utcnow()
    return row


def update_details(engine, collection_id: str, token: str | None, data: dict) -> CollectionRow:
    """Change title, description and event date (the token is checked before the data)."""
    def change(row):
        errors = validate_details(data)
        if errors:
            raise CollectionInvalid(errors)
        row.title = data["title"].strip()
        row.description = (data.get("description") or "").strip()
        row.event_date = data.get("event_date") or None

    return _edit(engine, collection_id, token, change)


def add_case(engine, collection_id: str, token: str | None, slug: str) -> bool:
    """Append a case; return False if it was already in the collection."""
    added = []

    def change(row):
        if any(item["slug"] == slug for item in row.items):
            return
        if len(row.items) >= MAX_CASES:
            raise CollectionInvalid([("cases", f"Eine Mappe fasst höchstens {MAX_CASES} Fälle.")])
        row.items = [*row.items, {"slug": slug, "note": ""}]
        added.append(slug)

    _edit(engine, collection_id, token, change)
    return bool(added)


def change_item(engine, collection_id: str, token: str | None, slug: str, action: str,
                note: str | None = None) -> CollectionRow:
    """Save a case's note and/or move it up, down or out of the collection."""
    if action not in ITEM_ACTIONS:
        raise CollectionInvalid([("action", f"Unbekannte Aktion „{action}“.")])

    def change(row):
        if note is not None and len(note) > MAX_NOTE:
            message = f"Die Notiz darf höchstens {MAX_NOTE} Zeichen haben."
            raise CollectionInvalid([("note", message)])
        if not any(item["slug"] == slug for item in row.items):
            raise NotFoundError(f"Der Fall „{slug}“ steht nicht in dieser Mappe.")
        row.items = apply_item_action(row.items, slug, action, note)

    return _edit(engine, collection_id, token, change)


def apply_item_action(items: list[dict], slug: str, action: str,
                      note: str | None = None) -> list[dict]:
    """Return a new item list with the action applied to slug (the note is kept on moves)."""
    items = [dict(item) for item in items]
    index = next(i for i, item in enumerate(items) if item["slug"] == slug)
    if action == "remove":
        return items[:index] + items[index + 1:]
    if note is not None:
        items[index]["note"] = note.strip()
    target = {"up": index - 1, "down": index + 1}.get(action, index)
    if 0 <= target < len(items) and target != index:
        items[index], items[target] = items[target], items[index]
    return items


def link_to_editor(engine, editor: str, collection_id: str) -> None:
    """Remember that an editor works on a collection (idempotent)."""
    with session_factory(engine).begin() as session:
        if session.get(EditorCollectionRow, (editor, collection_id)) is None:
            session.add(EditorCollectionRow(editor=editor, collection_id=collection_id))


def editor_collections(engine, editor: str) -> list[CollectionRow]:
    """The collections an editor created or edited, most recently changed first."""
    with session_factory(engine)() as session:
        return list(session.scalars(
            select(CollectionRow)
            .join(EditorCollectionRow, EditorCollectionRow.collection_id == CollectionRow.id)
            .where(EditorCollectionRow.editor == editor)
            .order_by(CollectionRow.updated_at.desc())
        ))
