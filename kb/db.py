"""Database: SQLAlchemy 2.0 typed models and session handling (SQLite or PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    event,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from .errors import NotFoundError


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """Return a stored time as aware UTC (SQLite gives naive values back)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    pass


class CaseRow(Base):
    """Mirror of a case file's metadata and body (files stay the truth)."""

    __tablename__ = "cases"

    slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    municipality: Mapped[str] = mapped_column(String(200), index=True)
    municipality_type: Mapped[str] = mapped_column(String(40), index=True)
    state: Mapped[str] = mapped_column(String(2), index=True)
    population: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), index=True)
    summary: Mapped[str] = mapped_column(Text)
    domains: Mapped[list] = mapped_column(JSON)
    meta: Mapped[dict] = mapped_column(JSON)
    body: Mapped[str] = mapped_column(Text)
    source_hash: Mapped[str] = mapped_column(String(64))
    updated: Mapped[str] = mapped_column(String(10))
    mirrored_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ChunkRow(Base):
    """A chunk as indexed: its id is the FAISS id."""

    __tablename__ = "chunks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    slug: Mapped[str] = mapped_column(
        String(80), ForeignKey("cases.slug", ondelete="CASCADE"), index=True
    )
    ordinal: Mapped[int] = mapped_column(Integer)
    section: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)


class SubmissionRow(Base):
    """A contributed case (new or an edit) waiting for review; not yet a file."""

    __tablename__ = "submissions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    case_slug: Mapped[str | None] = mapped_column(String(80))
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PublicationRow(Base):
    """The journal of an approval: the exact file text, written before the file itself."""

    __tablename__ = "publications"

    submission_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    editor: Mapped[str] = mapped_column(String(254))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    """One recorded action: who did what to which submission or case, and when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(40))
    submission_id: Mapped[str | None] = mapped_column(String(32), index=True)
    case_slug: Mapped[str | None] = mapped_column(String(80), index=True)
    message: Mapped[str] = mapped_column(Text, default="")


class UserRow(Base):
    """An editor or administrator account (argon2id password hash)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LoginSessionRow(Base):
    """A logged-in browser, by the hash of its secret; deleting the row logs it out."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class RateEventRow(Base):
    """A counted event (failed login, submission) for limits shared by all worker processes."""

    __tablename__ = "rate_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class CollectionRow(Base):
    """A webinar folder ("Mappe"): ordered cases with host notes."""

    __tablename__ = "collections"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    edit_token: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    event_date: Mapped[str | None] = mapped_column(String(10), nullable=True, default=None)
    items: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FeedbackRow(Base):
    """A visitor's report of an accessibility barrier (Erklärung zur Barrierefreiheit)."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                    index=True)
    page: Mapped[str] = mapped_column(String(500), default="")
    message: Mapped[str] = mapped_column(Text)
    reply_to: Mapped[str | None] = mapped_column(String(254))


class EditorCollectionRow(Base):
    """A collection a logged-in editor created or edited, listed for them on /collections."""

    __tablename__ = "editor_collections"

    editor: Mapped[str] = mapped_column(String(254), primary_key=True)
    collection_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True
    )
    linked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets a parent folder, foreign keys and WAL."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.close()

    return engine


def init_db(engine: Engine) -> None:
    """Bring the schema up to date with the Alembic migrations (see kb/migrate.py)."""
    from .migrate import upgrade

    upgrade(engine)


def require(session, model, key, what: str):
    """The row of `model` with this primary key, or NotFoundError: "{what} „{key}“ gibt es nicht."

    `what` is the noun with its article as the sentence needs it: "Die Mappe", "Den Fall".
    """
    row = session.get(model, key)
    if row is None:
        raise NotFoundError(f"{what} „{key}“ gibt es nicht.")
    return row


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False, future=True)


def mirror_cases(engine: Engine, cases: dict[str, dict], bodies: dict[str, str],
                 chunks_by_case: dict[str, list]) -> int:
    """Make the database mirror equal to the published index in one transaction.

    A case is rewritten when its source hash or its chunk ids differ from the database, so
    the mirror also repairs itself after a crash or a full rebuild. Returns cases written.
    """
    Session = session_factory(engine)
    with Session.begin() as session:
        hashes = dict(session.execute(select(CaseRow.slug, CaseRow.source_hash)).all())
        db_chunks: dict[str, set[int]] = {}
        for cid, slug in session.execute(select(ChunkRow.id, ChunkRow.slug)):
            db_chunks.setdefault(slug, set()).add(cid)
        stale = [
            slug for slug, meta in cases.items()
            if hashes.get(slug) != meta["source_hash"]
            or db_chunks.get(slug, set()) != {c.id for c in chunks_by_case.get(slug, [])}
        ]
        gone = set(hashes) - set(cases)
        if stale or gone:
            session.execute(delete(ChunkRow).where(ChunkRow.slug.in_(set(stale) | gone)))
            session.execute(delete(CaseRow).where(CaseRow.slug.in_(gone)))
            session.flush()
        for slug in stale:
            meta = cases[slug]
            row = session.get(CaseRow, slug) or CaseRow(slug=slug)
            row.title = meta["title"]
            row.municipality = meta["municipality"]
            row.municipality_type = meta["municipality_type"]
            row.state = meta["state"]
            row.population = meta.get("population")
            row.status = meta["status"]
            row.summary = meta["summary"]
            row.domains = list(meta["domains"])
            row.meta = {k: v for k, v in meta.items() if k != "source_hash"}
            row.body = bodies[slug]
            row.source_hash = meta["source_hash"]
            row.updated = meta["updated"]
            row.mirrored_at = utcnow()
            session.add(row)
        session.flush()
        for slug in stale:
            session.add_all(ChunkRow(id=c.id, slug=slug, ordinal=c.ordinal, section=c.section,
                                     text=c.text) for c in chunks_by_case.get(slug, []))
        return len(stale)
