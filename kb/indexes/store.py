"""The self-describing index directory: generations of artifacts published by a manifest.

Each build writes its files under new names (``*-<generation>.*``) and then replaces
``manifest.json`` atomically: that replacement is the commit point, so readers see either
the old or the new generation, never a half-written one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..atomic import atomic_write_json
from ..errors import IndexMismatchError, IndexMissingError
from .lexical import LexicalIndex
from .vector import VectorIndex

FORMAT_VERSION = 2
MANIFEST = "manifest.json"


@dataclass
class ChunkInfo:
    """What search needs of a chunk without the database: owner, section and text."""

    id: int
    slug: str
    ordinal: int
    section: str
    text: str

    def to_json(self) -> dict:
        return {"id": self.id, "slug": self.slug, "ordinal": self.ordinal,
                "section": self.section, "text": self.text}


@dataclass
class IndexBundle:
    """One loaded generation: manifest, vectors, lexical index, chunks and case metadata."""

    manifest: dict
    vectors: VectorIndex
    lexical: LexicalIndex
    chunks: dict[int, ChunkInfo]
    cases: dict[str, dict]
    case_chunks: dict[str, list[int]] = field(default_factory=dict)
    case_lexical: LexicalIndex | None = None
    case_order: list[str] = field(default_factory=list)

    @property
    def generation(self) -> int:
        return int(self.manifest["generation"])


def content_hash(case_hashes: dict[str, str]) -> str:
    """One hash over every case's source hash: equal content, equal hash."""
    digest = hashlib.sha256()
    for slug in sorted(case_hashes):
        digest.update(f"{slug}\0{case_hashes[slug]}\n".encode())
    return digest.hexdigest()


def read_manifest(index_dir: Path) -> dict | None:
    path = Path(index_dir) / MANIFEST
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexMismatchError(
            f"{path}: Das Manifest ist beschädigt ({exc}). Bitte „kb index --rebuild“ ausführen."
        ) from exc


def manifest_stamp(index_dir: Path) -> tuple[int, int] | None:
    """A cheap change marker of the manifest (mtime, inode), for reload checks."""
    try:
        st = (Path(index_dir) / MANIFEST).stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_ino)


def check_compatible(manifest: dict, model_id: str, dimension: int, path: Path) -> None:
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"{path}: Der Index hat ein anderes Format (Version {manifest.get('format')}). "
            "Bitte „kb index --rebuild“ ausführen."
        )
    if manifest.get("model") != model_id or int(manifest.get("dimension", -1)) != dimension:
        raise IndexMismatchError(
            f"{path}: Der Index wurde mit dem Modell „{manifest.get('model')}“ "
            f"({manifest.get('dimension')} Dimensionen) gebaut, verwendet wird aber "
            f"„{model_id}“ ({dimension} Dimensionen). Bitte „kb index --rebuild“ ausführen."
        )


def load_bundle(index_dir: Path, model_id: str | None = None, dimension: int | None = None):
    """Load the generation the manifest names; refuse an index of another model."""
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    if manifest is None:
        raise IndexMissingError(
            f"{index_dir}: Es gibt noch keinen Suchindex. Bitte zuerst „kb index“ ausführen."
        )
    if model_id is not None:
        check_compatible(manifest, model_id, dimension, index_dir)
    files = manifest["files"]
    try:
        vectors = VectorIndex.load(index_dir / files["vectors"])
        lexical = LexicalIndex.load(index_dir / files["lexical"])
        case_lexical = LexicalIndex.load(index_dir / files["case_lexical"])
        data = json.loads((index_dir / files["data"]).read_text(encoding="utf-8"))
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        raise IndexMismatchError(
            f"{index_dir}: Indexdateien fehlen oder sind beschädigt ({exc}). "
            "Bitte „kb index --rebuild“ ausführen."
        ) from exc
    chunks = {c["id"]: ChunkInfo(**c) for c in data["chunks"]}
    case_chunks: dict[str, list[int]] = {}
    for c in sorted(chunks.values(), key=lambda c: (c.slug, c.ordinal)):
        case_chunks.setdefault(c.slug, []).append(c.id)
    return IndexBundle(manifest, vectors, lexical, chunks, data["cases"], case_chunks,
                       case_lexical, data["case_order"])


def publish(
    index_dir: Path,
    *,
    previous: dict | None,
    model_id: str,
    dimension: int,
    vectors: VectorIndex,
    lexical: LexicalIndex,
    case_lexical: LexicalIndex,
    case_order: list[str],
    chunks: list[ChunkInfo],
    cases: dict[str, dict],
    case_keys: dict[str, str],
    next_chunk_id: int,
    settings_info: dict,
) -> dict:
    """Write a new generation's files, then the manifest (the commit point); prune old ones."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    generation = int(previous["generation"]) + 1 if previous else 1
    files = {
        "vectors": f"vectors-{generation}.faiss",
        "lexical": f"lexical-{generation}.npz",
        "case_lexical": f"caselexical-{generation}.npz",
        "data": f"data-{generation}.json",
    }
    vectors.save(index_dir / files["vectors"])
    lexical.save(index_dir / files["lexical"])
    case_lexical.save(index_dir / files["case_lexical"])
    atomic_write_json(
        index_dir / files["data"],
        {"chunks": [c.to_json() for c in chunks], "cases": cases, "case_order": case_order},
    )
    manifest = {
        "format": FORMAT_VERSION,
        "generation": generation,
        "package_version": __version__,
        "model": model_id,
        "dimension": dimension,
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "content_hash": content_hash({s: c["source_hash"] for s, c in cases.items()}),
        "counts": {"cases": len(cases), "chunks": len(chunks)},
        "vector_index": vectors.kind,
        "next_chunk_id": next_chunk_id,
        "case_keys": case_keys,
        "chunking": settings_info,
        "files": files,
    }
    atomic_write_json(index_dir / MANIFEST, manifest)
    _prune(index_dir, keep={generation, generation - 1})
    return manifest


def _prune(index_dir: Path, keep: set[int]) -> None:
    """Delete files of generations older than the previous one (in-flight readers keep theirs)."""
    for path in index_dir.glob("*-*.*"):
        stem = path.name.split(".")[0]
        prefix, _, gen = stem.rpartition("-")
        kinds = ("vectors", "lexical", "caselexical", "data")
        if prefix in kinds and gen.isdigit() and int(gen) not in keep:
            path.unlink(missing_ok=True)
