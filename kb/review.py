"""Submissions: validate contributed cases, store them, and the editors' review actions."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update

from . import audit
from .auth import count_events, record_event
from .cases import KNOWN_FIELDS, Problem, parse_case, serialize_case, validate_meta
from .db import SubmissionRow, as_utc, require, session_factory, utcnow
from .errors import KbError, NotFoundError

STATUS_LABELS = {
    "pending": "eingereicht",
    "in_review": "in Prüfung",
    "changes_requested": "Rückfrage",
    "publishing": "wird veröffentlicht",
    "published": "veröffentlicht",
    "rejected": "abgelehnt",
}
OPEN_STATES = ("pending", "in_review", "changes_requested", "publishing")
MAX_BODY_CHARS = 60_000
MAX_NOTE_CHARS = 2_000
MAX_MESSAGE_CHARS = 5_000
SUBMISSIONS_PER_HOUR = 10
SINGLE_LINE = ("title", "municipality", "summary", "funding", "license")
LIST_FIELDS = ("tags", "partners", "standards", "sources")
EXTRA_KEYS = {"body_markdown", "contact_consent", "note"}


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class ReviewError(KbError):
    """An action does not fit the submission's current state."""

    http_status = 409


class SubmissionLimit(KbError):
    """A client sent more submissions than the hourly limit allows."""

    http_status = 429


def _has_line_break(value) -> bool:
    return isinstance(value, str) and any(c in value for c in "\r\n\x0b\x0c\x85\u2028\u2029")


def validate_submission(data) -> list[FieldError]:
    """Check a submission (front-matter fields plus body_markdown) like a case file."""
    if not isinstance(data, dict):
        return [FieldError("body", "Erwartet wird ein JSON-Objekt mit den Feldern des Falls.")]
    meta = {k: v for k, v in data.items() if k in KNOWN_FIELDS}
    errors = [FieldError(f, m) for f, m in validate_meta(meta)]
    unknown = sorted(set(data) - set(KNOWN_FIELDS) - EXTRA_KEYS)
    errors.extend(FieldError(k, "unbekanntes Feld") for k in unknown)
    for name in SINGLE_LINE:
        if _has_line_break(data.get(name)):
            errors.append(FieldError(name, "darf keine Zeilenumbrüche enthalten"))
    for name in LIST_FIELDS:
        if isinstance(data.get(name), list) and any(map(_has_line_break, data[name])):
            errors.append(FieldError(name, "Einträge dürfen keine Zeilenumbrüche enthalten"))
    if isinstance(data.get("contact"), dict) and any(map(_has_line_break,
                                                         data["contact"].values())):
        errors.append(FieldError("contact", "darf keine Zeilenumbrüche enthalten"))
    body = data.get("body_markdown")
    if not isinstance(body, str) or not body.strip():
        errors.append(FieldError("body_markdown", "Falltext fehlt"))
    elif len(body) > MAX_BODY_CHARS:
        errors.append(FieldError("body_markdown", f"höchstens {MAX_BODY_CHARS} Zeichen"))
    note = data.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE_CHARS):
        errors.append(FieldError("note", f"muss ein Text mit höchstens {MAX_NOTE_CHARS} "
                                         "Zeichen sein"))
    if data.get("contact") is not None and data.get("contact_consent") is not True:
        errors.append(FieldError(
            "contact",
            "Kontaktdaten werden nur mit ausdrücklicher Einwilligung gespeichert "
            "(contact_consent: true).",
        ))
    if not errors:
        # An acknowledged submission must always be publishable as a case file.
        _, problems = parse_case(serialize_case(meta, body), "pruefung")
        errors.extend(FieldError(p.field, p.message) for p in problems)
    return errors


def stored_fields(data: dict) -> dict:
    """Return what is kept of a valid submission: case fields, body and the note."""
    stored = {k: v for k, v in data.items() if k in KNOWN_FIELDS or k == "body_markdown"}
    if isinstance(data.get("note"), str) and data["note"].strip():
        stored["note"] = data["note"].strip()
    return stored


SECTION_PROMPTS = {
    "Ausgangslage": "Welches Problem gab es vor Ort, und was war der Anlass (z. B. ein Unwetter, "
                    "ein Ratsbeschluss, ein Förderaufruf)?",
    "Ziele": "Was sollte das Projekt erreichen? Am besten als kurze Liste prüfbarer Ziele.",
    "Umsetzung": "Wer hat was wann gemacht? Projektphasen, beteiligte Ämter (nur Funktion, "
                 "keine Namen), Partner, Vergabe und Finanzierung.",
    "Daten und Technik": "Welche Daten, Standards, Schnittstellen und Werkzeuge wurden genutzt? "
                         "Woher kommen die Daten, und wie bleiben sie aktuell?",
    "Ergebnisse": "Was ist heute nutzbar, und wer nutzt es? Zahlen nur mit Quelle.",
    "Lessons Learned": "Was war schwierig, und was würden Sie heute anders machen?",
    "Übertragbarkeit": "Was braucht eine andere Kommune, um das nachzumachen? Voraussetzungen, "
                       "Aufwand und ein kleiner Einstieg.",
}
_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_HEADING_RE = re.compile(r"^##\s+\S")


def body_template() -> str:
    """Return the recommended sections, each with its prompt below the heading."""
    return "\n\n".join(f"## {name}\n\n{prompt}" for name, prompt in SECTION_PROMPTS.items())


def clean_body(text: str) -> str:
    """Drop untouched prompts, HTML comments and the sections left empty."""
    text = _COMMENT_RE.sub("", (text or "").replace("\r\n", "\n"))
    prompts = set(SECTION_PROMPTS.values())
    blocks: list[list[str]] = [[]]
    for line in text.split("\n"):
        if line.strip() in prompts:
            continue
        if _HEADING_RE.match(line):
            blocks.append([])
        blocks[-1].append(line.rstrip())
    kept = [b for b in blocks if _has_content(b)]
    return re.sub(r"\n{3,}", "\n\n", "\n".join("\n".join(b) for b in kept)).strip()


def _has_content(block: list[str]) -> bool:
    lines = block[1:] if block and _HEADING_RE.match(block[0]) else block
    return any(line.strip() for line in lines)


def check_submission_limit(engine, client: str, per_hour: int = SUBMISSIONS_PER_HOUR) -> None:
    """Refuse a client that already sent per_hour submissions within the last hour."""
    if count_events(engine, "submission", client, dt.timedelta(hours=1)) >= per_hour:
        raise SubmissionLimit(
            "Sie haben in der letzten Stunde schon viele Fälle eingereicht. Bitte warten Sie "
            "etwas und versuchen Sie es dann erneut. Ihre bisherigen Einreichungen sind "
            "gespeichert.")


def note_submission(engine, client: str) -> None:
    record_event(engine, "submission", client)


def create_submission(engine, data: dict, case_slug: str | None = None) -> SubmissionRow:
    """Store a valid submission; it is acknowledged only after the commit."""
    row = SubmissionRow(
        id=secrets.token_hex(8),
        token=secrets.token_urlsafe(24),
        status="pending",
        case_slug=case_slug,
        data=stored_fields(data),
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    message = data.get("note") or ""
    if data.get("contact") is not None:
        message = (message + "\n\n" if message else "") + (
            "Einwilligung zur Veröffentlichung der Kontaktdaten erteilt.")
    with session_factory(engine).begin() as session:
        session.add(row)
        session.flush()
        audit.record(session, audit.CONTRIBUTOR, "submitted", submission_id=row.id,
                     case_slug=case_slug, message=message)
    return row


def submission_by_token(engine, token: str) -> SubmissionRow | None:
    with session_factory(engine)() as session:
        return session.query(SubmissionRow).filter_by(token=token).one_or_none()


def get_submission(engine, submission_id: str) -> SubmissionRow:
    """Return a submission by id or raise NotFoundError."""
    with session_factory(engine)() as session:
        return require(session, SubmissionRow, submission_id, "Die Einreichung")


def list_submissions(engine, states=None, min_age_days: int | None = None,
                     max_age_days: int | None = None) -> list[SubmissionRow]:
    """Return submissions in the given states, filtered by age, oldest first."""
    query = select(SubmissionRow).order_by(SubmissionRow.created_at, SubmissionRow.id)
    if states:
        query = query.where(SubmissionRow.status.in_(list(states)))
    now = utcnow()
    if min_age_days is not None:
        query = query.where(SubmissionRow.created_at <= now - dt.timedelta(days=min_age_days))
    if max_age_days is not None:
        query = query.where(SubmissionRow.created_at >= now - dt.timedelta(days=max_age_days))
    with session_factory(engine)() as session:
        return list(session.scalars(query))


def age_days(row: SubmissionRow) -> int:
    """Whole days since a submission arrived."""
    return max(0, (utcnow() - as_utc(row.created_at)).days)


def resubmit(engine, token: str, data: dict) -> SubmissionRow:
    """Replace a submission's data after a "Rückfrage" and put it back into review."""
    note = data.get("note") or ""
    with session_factory(engine).begin() as session:
        row = session.query(SubmissionRow).filter_by(token=token).one_or_none()
        if row is None:
            raise NotFoundError("Diese Einreichung gibt es nicht.")
        changed = session.execute(
            update(SubmissionRow)
            .where(SubmissionRow.id == row.id, SubmissionRow.status == "changes_requested")
            .values(status="in_review", data=stored_fields(data), updated_at=utcnow()))
        if changed.rowcount != 1:
            raise ReviewError("Diese Einreichung kann gerade nicht überarbeitet werden, weil "
                              "die Redaktion keine Rückfrage gestellt hat.")
        audit.record(session, audit.CONTRIBUTOR, "resubmitted", submission_id=row.id,
                     case_slug=row.case_slug, message=note)
    return get_submission(engine, row.id)


# -- editors' actions -----------------------------------------------------------------------
ACTIONS = {
    # action: (states it may start from, state afterwards (None: unchanged), message label)
    "comment": (("pending", "in_review", "changes_requested"), None, "Kommentar"),
    "changes_requested": (("pending", "in_review"), "changes_requested", "Rückfrage"),
    "rejected": (("pending", "in_review", "changes_requested"), "rejected", "Begründung"),
}


def _act(engine, submission_id: str, actor: str, action: str, message: str) -> SubmissionRow:
    allowed, after, label = ACTIONS[action]
    message = (message or "").strip()
    if not message:
        raise ReviewError(f"Bitte schreiben Sie einen Text ({label}).")
    if len(message) > MAX_MESSAGE_CHARS:
        raise ReviewError(f"{label}: höchstens {MAX_MESSAGE_CHARS} Zeichen.")
    with session_factory(engine).begin() as session:
        row = require(session, SubmissionRow, submission_id, "Die Einreichung")
        if row.status not in allowed:
            raise ReviewError(
                f"Im Stand „{STATUS_LABELS.get(row.status, row.status)}“ ist das nicht möglich.")
        new_status = after or ("in_review" if row.status == "pending" else row.status)
        changed = session.execute(
            update(SubmissionRow)
            .where(SubmissionRow.id == row.id, SubmissionRow.status == row.status)
            .values(status=new_status, updated_at=utcnow()))
        if changed.rowcount != 1:
            raise ReviewError("Die Einreichung wurde gerade geändert. Bitte laden Sie neu.")
        audit.record(session, actor, action, submission_id=row.id, case_slug=row.case_slug,
                     message=message)
    return get_submission(engine, submission_id)


def comment(engine, submission_id: str, actor: str, message: str) -> SubmissionRow:
    """Add an editor's comment the contributor can read; a new submission is now in review."""
    return _act(engine, submission_id, actor, "comment", message)


def request_changes(engine, submission_id: str, actor: str, message: str) -> SubmissionRow:
    """Ask the contributor to revise the submission ("Rückfrage")."""
    return _act(engine, submission_id, actor, "changes_requested", message)


def reject(engine, submission_id: str, actor: str, reason: str) -> SubmissionRow:
    """Reject a submission with a reason the contributor can read."""
    return _act(engine, submission_id, actor, "rejected", reason)


def as_problems(errors: list[FieldError], path: str = "submission") -> list[Problem]:
    return [Problem(path, e.field, e.message) for e in errors]
