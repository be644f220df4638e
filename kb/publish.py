"""Approval as a resumable sequence: journal, write the case file, index it, mark it published.

1. One transaction marks the submission "publishing" and journals the exact file text
   (PublicationRow) together with the audit entry.
2. The file is written atomically into KB_CONTENT_DIR.
3. The incremental build embeds only that case and mirrors it into the database.
4. Once the mirror holds exactly the journaled text, the submission becomes "published".

A crash between any two steps leaves a journal entry without finished_at; the next approval
or `kb index` repeats steps 2 to 4 for it (see reconciling()).
"""

from __future__ import annotations

import difflib
import fcntl
import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, update

from . import audit
from .atomic import atomic_write_text
from .cases import KNOWN_FIELDS, SLUG_RE, parse_case, read_case_file, serialize_case
from .db import CaseRow, PublicationRow, SubmissionRow, require, session_factory, utcnow
from .errors import KbError, ValidationFailed
from .review import STATUS_LABELS, ReviewError, as_problems, validate_submission

UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


class PublishError(KbError):
    """A publication could not be completed; it stays journaled and will be resumed."""

    http_status = 500


@dataclass
class Reconciled:
    """Journaled publications written before a build and those completed after it."""

    written: list[PublicationRow] = field(default_factory=list)
    finished: list[PublicationRow] = field(default_factory=list)


def slugify(text: str, limit: int = 80) -> str:
    """Turn German text into a slug (a-z, 0-9, -), cut at a word boundary."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower().translate(UMLAUTS)).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug


def suggest_slug(data: dict, taken) -> str:
    """Propose a free slug from the title and the municipality's name."""
    words = (data.get("municipality") or "").split()
    place = slugify(words[-1], 30) if words else ""
    base = slugify(data.get("title") or "fall", 80 - len(place) - 4)
    base = f"{base}-{place}".strip("-") if place and place not in base else base
    base = base if len(base) >= 3 else f"fall-{base}".strip("-")
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def taken_slugs(engine, content_dir: Path) -> set[str]:
    """Slugs of existing case files and of publications still in progress."""
    taken = {p.stem for p in Path(content_dir).glob("*.md")}
    with session_factory(engine)() as session:
        taken |= set(session.scalars(select(PublicationRow.slug)
                                     .where(PublicationRow.finished_at.is_(None))))
    return taken


def published_text(content_dir: Path, slug: str | None) -> str | None:
    """Return the text of a case file as it is on disk, or None."""
    path = Path(content_dir) / f"{slug}.md"
    if not slug or not path.is_file():
        return None
    return path.read_text(encoding="utf-8")


def proposed_text(data: dict, content_dir: Path, slug: str) -> str:
    """Render a submission as a case file; an edit keeps the file's unknown fields."""
    meta = {k: v for k, v in data.items() if k in KNOWN_FIELDS}
    path = Path(content_dir) / f"{slug}.md"
    if path.is_file():
        current, _ = read_case_file(path)
        if current is not None:
            meta.update({k: v for k, v in current.extra.items() if k not in meta})
    return serialize_case(meta, data.get("body_markdown", ""))


def normalized_text(content_dir: Path, slug: str) -> str | None:
    """Return a case file as serialize_case writes it, so a diff shows content, not layout."""
    path = Path(content_dir) / f"{slug}.md"
    if not path.is_file():
        return None
    case, _ = read_case_file(path)
    if case is None:
        return path.read_text(encoding="utf-8")
    return serialize_case({**case.meta, **case.extra}, case.body)


def diff_lines(submission: SubmissionRow, content_dir: Path) -> list[str]:
    """Return a unified diff of an edit against the published case (empty for new cases)."""
    old = normalized_text(content_dir, submission.case_slug) if submission.case_slug else None
    if old is None:
        return []
    new = proposed_text(submission.data, content_dir, submission.case_slug)
    return list(difflib.unified_diff(old.splitlines(), new.splitlines(), "veröffentlicht",
                                     "vorgeschlagen", lineterm="", n=2))


def check_data(data: dict) -> list:
    """Validate stored submission data again (consent was checked when it was stored)."""
    consent = {"contact_consent": True} if data.get("contact") is not None else {}
    return validate_submission({**data, **consent})


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Serialize builds of all processes on this machine (one writer of the index at a time)."""
    Path(index_dir).mkdir(parents=True, exist_ok=True)
    with open(Path(index_dir) / ".build.lock", "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def approve(kb, submission_id: str, actor: str, slug: str | None = None) -> PublicationRow:
    """Approve a submission and publish it: file, database mirror and indexes at once."""
    engine, content = kb.engine, Path(kb.settings.content_dir)
    with session_factory(engine).begin() as session:
        row = require(session, SubmissionRow, submission_id, "Die Einreichung")
        if row.status != "publishing":
            _journal(session, engine, row, content, actor, slug)
    publish_pending(kb)
    pub = publication_of(engine, submission_id)
    if pub is None or pub.finished_at is None:
        raise PublishError("Die Veröffentlichung ist nicht abgeschlossen. Sie wird beim "
                           "nächsten Freigeben oder mit „kb index“ fortgesetzt.")
    return pub


def _journal(session, engine, row: SubmissionRow, content: Path, actor: str,
             slug: str | None) -> None:
    if row.status not in ("pending", "in_review"):
        raise ReviewError("Freigeben lässt sich nur eine eingereichte oder geprüfte "
                          f"Einreichung, nicht eine im Stand „{STATUS_LABELS[row.status]}“.")
    errors = check_data(row.data)
    if errors:
        raise ValidationFailed(as_problems(errors, f"Einreichung {row.id}"))
    if row.case_slug:
        target = row.case_slug
    else:
        taken = taken_slugs(engine, content)
        target = (slug or "").strip() or suggest_slug(row.data, taken)
        if not SLUG_RE.match(target):
            raise ReviewError(f"Der Kurzname „{target}“ ist ungültig: 3 bis 80 Zeichen aus "
                              "a-z, 0-9 und -.")
        if target in taken:
            raise ReviewError(f"Den Kurznamen „{target}“ gibt es schon. Bitte wählen Sie "
                              "einen anderen.")
    text = proposed_text(row.data, content, target)
    _, problems = parse_case(text, target)
    if problems:
        raise ValidationFailed(problems)
    changed = session.execute(
        update(SubmissionRow)
        .where(SubmissionRow.id == row.id, SubmissionRow.status.in_(("pending", "in_review")))
        .values(status="publishing", updated_at=utcnow()))
    if changed.rowcount != 1:
        raise ReviewError("Die Einreichung wurde gerade geändert. Bitte laden Sie neu.")
    session.add(PublicationRow(submission_id=row.id, slug=target,
                               kind="edit" if row.case_slug else "new", text=text,
                               editor=actor, started_at=utcnow()))
    audit.record(session, actor, "approved", submission_id=row.id, case_slug=target)


def publication_of(engine, submission_id: str) -> PublicationRow | None:
    with session_factory(engine)() as session:
        return session.get(PublicationRow, submission_id)


def unfinished(engine) -> list[PublicationRow]:
    """Journaled publications not yet completed, in the order they were approved."""
    with session_factory(engine)() as session:
        return list(session.scalars(
            select(PublicationRow).where(PublicationRow.finished_at.is_(None))
            .order_by(PublicationRow.started_at, PublicationRow.submission_id)))


def _latest_by_slug(pending: list[PublicationRow]) -> dict[str, PublicationRow]:
    """The newest journaled text per case; an older unfinished one is superseded by it."""
    return {pub.slug: pub for pub in pending}


def write_pending_files(kb) -> list[PublicationRow]:
    """Write every journaled file that is missing or differs on disk (step 2)."""
    pending = unfinished(kb.engine)
    for slug, pub in _latest_by_slug(pending).items():
        if published_text(kb.settings.content_dir, slug) != pub.text:
            atomic_write_text(Path(kb.settings.content_dir) / f"{slug}.md", pub.text)
    return pending


def finish_publications(kb, pending: list[PublicationRow]) -> list[PublicationRow]:
    """Mark publications published whose journaled text the database mirror now holds (step 4)."""
    finished = []
    latest = _latest_by_slug(pending)
    for pub in pending:
        digest = hashlib.sha256(latest[pub.slug].text.encode("utf-8")).hexdigest()
        with session_factory(kb.engine).begin() as session:
            mirrored = session.get(CaseRow, pub.slug)
            if mirrored is None or mirrored.source_hash != digest:
                continue
            session.execute(update(PublicationRow)
                            .where(PublicationRow.submission_id == pub.submission_id)
                            .values(finished_at=utcnow()))
            session.execute(update(SubmissionRow)
                            .where(SubmissionRow.id == pub.submission_id)
                            .values(status="published", updated_at=utcnow()))
            audit.record(session, pub.editor, "published", submission_id=pub.submission_id,
                         case_slug=pub.slug, message="neuer Fall" if pub.kind == "new"
                         else "Änderung")
        finished.append(pub)
    return finished


@contextmanager
def reconciling(kb) -> Iterator[Reconciled]:
    """Around a build: write journaled files before it and complete their publications after."""
    with build_lock(kb.settings.index_dir):
        result = Reconciled(written=write_pending_files(kb))
        yield result
        result.finished = finish_publications(kb, result.written)


def publish_pending(kb) -> list[PublicationRow]:
    """Complete every journaled publication with one incremental build."""
    with reconciling(kb) as result:
        if result.written:
            kb.build()
    return result.finished
