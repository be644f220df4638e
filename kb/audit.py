"""The audit log: every action on submissions and cases, with who, when and what."""

from __future__ import annotations

from sqlalchemy import select

from .db import AuditRow, PublicationRow, session_factory, utcnow

CONTRIBUTOR = "contributor"
SYSTEM = "system"
ACTION_LABELS = {
    "submitted": "eingereicht",
    "resubmitted": "überarbeitet und erneut eingereicht",
    "comment": "Kommentar der Redaktion",
    "changes_requested": "Rückfrage der Redaktion",
    "rejected": "abgelehnt",
    "approved": "zur Veröffentlichung freigegeben",
    "published": "veröffentlicht",
}
# What the contributor sees on the private status page (never the editors' addresses).
CONTRIBUTOR_VISIBLE = frozenset(ACTION_LABELS)


def record(session, actor: str, action: str, *, submission_id: str | None = None,
           case_slug: str | None = None, message: str = "") -> AuditRow:
    """Add an audit entry to an open transaction, so it commits with the change it records."""
    row = AuditRow(at=utcnow(), actor=actor, action=action, submission_id=submission_id,
                   case_slug=case_slug, message=message or "")
    session.add(row)
    return row


def actor_label(actor: str) -> str:
    """Name an actor for pages the public or the contributor reads."""
    if actor == CONTRIBUTOR:
        return "Einreichende Person"
    if actor == SYSTEM:
        return "System"
    return "Redaktion"


def submission_history(engine, submission_id: str) -> list[AuditRow]:
    """Return a submission's audit entries, oldest first."""
    with session_factory(engine)() as session:
        return list(session.scalars(
            select(AuditRow).where(AuditRow.submission_id == submission_id)
            .order_by(AuditRow.at, AuditRow.id)))


def case_versions(engine, slug: str) -> list[PublicationRow]:
    """Return the completed publications of a case, newest first."""
    with session_factory(engine)() as session:
        return list(session.scalars(
            select(PublicationRow)
            .where(PublicationRow.slug == slug, PublicationRow.finished_at.is_not(None))
            .order_by(PublicationRow.finished_at.desc())))
