"""Feedback on accessibility barriers: validate, store (rate-limited per client), list."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from .auth import count_events, record_event
from .cases import EMAIL_RE
from .db import FeedbackRow, session_factory
from .errors import KbError

MAX_MESSAGE = 5000
PER_HOUR = 5


class FeedbackLimit(KbError):
    """Too many reports from one client within an hour."""

    http_status = 429


def validate_feedback(form: dict) -> dict[str, str]:
    """Return {field: German message} for every problem of a feedback form."""
    errors = {}
    message = form.get("message", "").strip()
    if not message:
        errors["message"] = "Bitte beschreiben Sie, wo Sie auf eine Barriere gestoßen sind."
    elif len(message) > MAX_MESSAGE:
        errors["message"] = f"Bitte fassen Sie sich kürzer (höchstens {MAX_MESSAGE} Zeichen)."
    if len(form.get("page", "")) > 500:
        errors["page"] = "Die Seitenangabe ist zu lang (höchstens 500 Zeichen)."
    reply_to = form.get("reply_to", "").strip()
    if reply_to and not EMAIL_RE.match(reply_to):
        errors["reply_to"] = "Bitte geben Sie eine gültige E-Mail-Adresse an oder lassen Sie das " \
                             "Feld leer."
    return errors


def store_feedback(engine, form: dict, client: str) -> FeedbackRow:
    """Save a valid report; a client may send PER_HOUR reports an hour."""
    if count_events(engine, "feedback", client, dt.timedelta(hours=1)) >= PER_HOUR:
        raise FeedbackLimit("Sie haben in der letzten Stunde schon mehrere Rückmeldungen "
                            "gesendet. Bitte versuchen Sie es später erneut.")
    row = FeedbackRow(page=form.get("page", "").strip(), message=form["message"].strip(),
                      reply_to=form.get("reply_to", "").strip() or None)
    with session_factory(engine).begin() as session:
        session.add(row)
    record_event(engine, "feedback", client)
    return row


def list_feedback(engine, limit: int = 200) -> list[FeedbackRow]:
    with session_factory(engine)() as session:
        return list(session.scalars(
            select(FeedbackRow).order_by(FeedbackRow.created_at.desc()).limit(limit)))
