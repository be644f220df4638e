"""Webinar collections ("Mappen"): an ordered list of cases with host notes."""

from __future__ import annotations

import secrets

from .db import CollectionRow, session_factory
from .errors import NotFoundError

MAX_CASES = 100


def validate_collection(data, known_slugs) -> list[tuple[str, str]]:
    """Check {title, description?, cases: [slug…]} against the published cases."""
    if not isinstance(data, dict):
        return [("body", "Erwartet wird ein JSON-Objekt mit title und cases.")]
    errors = []
    title = data.get("title")
    if not isinstance(title, str) or not 3 <= len(title.strip()) <= 160:
        errors.append(("title", "Titel mit 3 bis 160 Zeichen angeben"))
    description = data.get("description", "")
    if not isinstance(description, str) or len(description) > 2000:
        errors.append(("description", "höchstens 2000 Zeichen Text"))
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


def create_collection(engine, data: dict) -> CollectionRow:
    row = CollectionRow(
        id=secrets.token_urlsafe(9),
        edit_token=secrets.token_urlsafe(24),
        title=data["title"].strip(),
        description=(data.get("description") or "").strip(),
        items=[{"slug": s, "note": ""} for s in data["cases"]],
    )
    with session_factory(engine).begin() as session:
        session.add(row)
    return row


def get_collection(engine, collection_id: str) -> CollectionRow:
    with session_factory(engine)() as session:
        row = session.get(CollectionRow, collection_id)
    if row is None:
        raise NotFoundError(f"Die Mappe „{collection_id}“ gibt es nicht.")
    return row
