"""Files ► chunks ► embeddings ► indexes and database mirror, incrementally."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from .cases import Case, Problem, load_cases
from .chunking import chunk_case
from .db import init_db, make_engine, mirror_cases
from .indexes.lexical import LexicalIndex
from .indexes.store import (
    FORMAT_VERSION,
    ChunkInfo,
    check_compatible,
    load_bundle,
    publish,
    read_manifest,
)
from .indexes.vector import VectorIndex
from .settings import Settings
from .text import vocabulary

CHUNKER_VERSION = 1


@dataclass
class BuildReport:
    """What a build did, for the CLI and tests."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_total: int = 0
    seconds: float = 0.0
    generation: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def case_key(case: Case, model_id: str, max_tokens: int) -> str:
    """Everything that decides a case's chunks and vectors; equal key, nothing to redo."""
    raw = f"{case.source_hash}|{model_id}|{max_tokens}|{CHUNKER_VERSION}"
    return hashlib.sha256(raw.encode()).hexdigest()


def build_index(
    settings: Settings,
    embedder,
    *,
    rebuild: bool = False,
    progress: bool = False,
    echo: Callable[[str], None] = lambda _msg: None,
    engine=None,
) -> BuildReport:
    """Build or update the indexes from the case files; invalid files are reported, not fatal."""
    started = time.perf_counter()
    report = BuildReport()
    cases, report.problems = load_cases(settings.content_dir)
    index_dir = Path(settings.index_dir)

    previous = None if rebuild else read_manifest(index_dir)
    if previous is not None and previous.get("format") != FORMAT_VERSION:
        echo("Das Indexformat hat sich geändert: Der Index wird vollständig neu gebaut.")
        previous = None
    bundle = None
    if previous is not None:
        check_compatible(previous, embedder.name, embedder.dimension, index_dir)
        bundle = load_bundle(index_dir, embedder.name, embedder.dimension)

    old_keys = previous.get("case_keys", {}) if previous else {}
    vectors = bundle.vectors.copy() if bundle else VectorIndex(embedder.dimension)
    chunks: dict[int, ChunkInfo] = dict(bundle.chunks) if bundle else {}
    case_chunks = {s: list(ids) for s, ids in bundle.case_chunks.items()} if bundle else {}
    next_id = int(previous.get("next_chunk_id", 0)) if previous else 0

    keys = {c.slug: case_key(c, embedder.name, embedder.max_tokens) for c in cases}
    todo = [c for c in cases if old_keys.get(c.slug) != keys[c.slug]]
    report.unchanged = sorted(c.slug for c in cases if old_keys.get(c.slug) == keys[c.slug])
    report.added = sorted(c.slug for c in todo if c.slug not in old_keys)
    report.updated = sorted(c.slug for c in todo if c.slug in old_keys)
    report.removed = sorted(set(old_keys) - set(keys))

    stale = [cid for slug in report.removed + report.updated for cid in case_chunks.pop(slug, [])]
    vectors.remove(stale)
    for cid in stale:
        chunks.pop(cid, None)

    new_chunks = []
    for case in tqdm(todo, desc="Fälle zerlegen", unit="Fall", disable=not progress or not todo):
        for chunk in chunk_case(case, embedder.count_tokens, embedder.max_tokens):
            new_chunks.append((next_id, chunk))
            next_id += 1
    if new_chunks:
        echo(f"Berechne Vektoren für {len(new_chunks)} Abschnitte mit {embedder.name} …")
        embedded = embedder.encode_passages([c.indexed_text for _, c in new_chunks], progress)
        vectors.add([cid for cid, _ in new_chunks], embedded)
    for cid, chunk in new_chunks:
        chunks[cid] = ChunkInfo(cid, chunk.slug, chunk.ordinal, chunk.section, chunk.text)
        case_chunks.setdefault(chunk.slug, []).append(cid)
    report.chunks_embedded = len(new_chunks)
    vectors = vectors.optimized()  # exact search, or IVF once the index is large

    case_meta = {c.slug: {**c.to_dict(), "source_hash": c.source_hash} for c in cases}
    if not report.changed and previous is not None:
        report.chunks_total = len(chunks)
        report.generation = int(previous["generation"])
    else:
        ordered = sorted(chunks.values(), key=lambda c: (c.slug, c.ordinal))
        by_slug = {c.slug: c for c in cases}
        texts = [_lexical_text(by_slug[c.slug], c) for c in ordered]
        echo("Baue den deutschen Volltextindex …")
        dictionary = frozenset(vocabulary(texts))
        lexical = LexicalIndex.build([c.id for c in ordered], texts, dictionary)
        # Whole cases ranked by BM25 beat their best chunk (GermanQuAD MRR@10 0.924 vs 0.915).
        case_order = sorted(c.slug for c in cases)
        case_lexical = LexicalIndex.build(
            range(len(case_order)), [case_text(by_slug[s]) for s in case_order], dictionary
        )
        manifest = publish(
            index_dir,
            previous=read_manifest(index_dir),
            model_id=embedder.name,
            dimension=embedder.dimension,
            vectors=vectors,
            lexical=lexical,
            case_lexical=case_lexical,
            case_order=case_order,
            chunks=ordered,
            cases=case_meta,
            case_keys=keys,
            next_chunk_id=next_id,
            settings_info={"max_tokens": embedder.max_tokens, "version": CHUNKER_VERSION},
        )
        report.chunks_total = len(ordered)
        report.generation = manifest["generation"]

    # The mirror is idempotent: it also repairs a database that fell behind the index.
    # A running service passes its own (migrated) engine; a lone build opens one.
    own_engine = engine is None
    if own_engine:
        engine = make_engine(settings.database)
        init_db(engine)
    try:
        by_case: dict[str, list[ChunkInfo]] = {}
        for c in chunks.values():
            by_case.setdefault(c.slug, []).append(c)
        mirror_cases(engine, case_meta, {c.slug: c.body for c in cases}, by_case)
    finally:
        if own_engine:
            engine.dispose()
    report.seconds = time.perf_counter() - started
    return report


def case_text(case: Case) -> str:
    """What the case-level lexical index sees: the whole case with its key metadata."""
    m = case.meta
    return "\n".join([m["title"], m["municipality"], m["summary"], " ".join(m.get("tags", [])),
                      " ".join(m.get("standards", [])), case.body])


def _lexical_text(case: Case, chunk: ChunkInfo) -> str:
    """Lexical indexing sees title, municipality and section besides the passage."""
    return f"{case.title}\n{case.meta['municipality']}\n{chunk.section}\n{chunk.text}"
