"""Submissions: validate contributed cases and store them for editorial review."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from .cases import KNOWN_FIELDS, Problem, validate_meta
from .db import SubmissionRow, session_factory

STATUS_LABELS = {
    "pending": "eingereicht",
    "in_review": "in Prüfung",
    "changes_requested": "Rückfrage",
    "published": "veröffentlicht",
    "rejected": "abgelehnt",
}
MAX_BODY_CHARS = 60_000


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


def validate_submission(data) -> list[FieldError]:
    """Check a submission (front-matter fields plus body_markdown) like a case file."""
    if not isinstance(data, dict):
        return [FieldError("body", "Erwartet wird ein JSON-Objekt mit den Feldern des Falls.")]
    meta = {k: v for k, v in data.items() if k in KNOWN_FIELDS}
    errors = [FieldError(f, m) for f, m in validate_meta(meta)]
    unknown = sorted(set(data) - set(KNOWN_FIELDS) - {"body_markdown", "contact_consent"})
    errors.extend(FieldError(k, "unbekanntes Feld") for k in unknown)
    body = data.get("body_markdown")
    if not isinstance(body, str) or not body.strip():
        errors.append(FieldError("body_markdown", "Falltext fehlt"))
    elif len(body) > MAX_BODY_CHARS:
        errors.append(FieldError("body_markdown", f"höchstens {MAX_BODY_CHARS} Zeichen"))
    if data.get("contact") is not None and data.get("contact_consent") is not True:
        errors.append(FieldError(
            "contact",
            "Kontaktdaten werden nur mit ausdrücklicher Einwilligung gespeichert "
            "(contact_consent: true).",
        ))
    return errors


def create_submission(engine, data: dict, case_slug: str | None = None) -> SubmissionRow:
    """Store a valid submission; it is acknowledged only after the commit."""
    stored = {k: v for k, v in data.items() if k in KNOWN_FIELDS or k == "body_markdown"}
    row = SubmissionRow(
        id=secrets.token_hex(8),
        token=secrets.token_urlsafe(24),
        status="pending",
        case_slug=case_slug,
        data=stored,
    )
    with session_factory(engine).begin() as session:
        session.add(row)
    return row


def submission_by_token(engine, token: str) -> SubmissionRow | None:
    with session_factory(engine)() as session:
        return session.query(SubmissionRow).filter_by(token=token).one_or_none()


def as_problems(errors: list[FieldError], path: str = "submission") -> list[Problem]:
    return [Problem(path, e.field, e.message) for e in errors]
