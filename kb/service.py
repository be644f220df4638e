"""The KnowledgeBase service: one per process, shared by web, CLI and tests."""

from __future__ import annotations

import threading

from sqlalchemy import select

from .build import BuildReport, build_index
from .cases import load_cases
from .db import CaseRow, init_db, make_engine, require, session_factory
from .embedding import Embedder, load_embedder
from .indexes.store import load_bundle, manifest_stamp, read_manifest
from .queryparse import Thesaurus
from .search import Query, Searcher, parse_query
from .settings import Settings


class KnowledgeBase:
    """Loads the model lazily, reloads the index when a new generation is published."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self._embedder = embedder
        self._searcher: Searcher | None = None
        self._stamp = None
        self._lock = threading.RLock()
        self._engine = None

    # -- resources -------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    self._embedder = load_embedder(self.settings)
        return self._embedder

    @property
    def engine(self):
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    engine = make_engine(self.settings.database)
                    init_db(engine)
                    self._engine = engine
        return self._engine

    def close(self) -> None:
        """Release database connections (tests, shutdown)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def session(self):
        return session_factory(self.engine)()

    @property
    def searcher(self) -> Searcher:
        """The searcher of the newest published generation (checked with one stat call)."""
        stamp = manifest_stamp(self.settings.index_dir)
        if self._searcher is None or stamp != self._stamp:
            with self._lock:
                if self._searcher is None or stamp != self._stamp:
                    emb = self.embedder
                    bundle = load_bundle(self.settings.index_dir, emb.name, emb.dimension)
                    thesaurus = Thesaurus.load(self.settings.thesaurus_path)
                    self._searcher = Searcher(bundle, emb, thesaurus=thesaurus)
                    self._stamp = stamp
        return self._searcher

    # -- operations ------------------------------------------------------------------------
    def build(self, rebuild=False, progress=False, echo=lambda m: None) -> BuildReport:
        return build_index(self.settings, self.embedder, rebuild=rebuild, progress=progress,
                           echo=echo, engine=self.engine)

    def validate(self, directory=None):
        return load_cases(directory or self.settings.content_dir)

    def search(self, text, top_k=10, filters=None, mode: str = "fused", like=None,
               like_mode=None) -> dict:
        query = parse_query(text, top_k, filters, like, like_mode)
        return self.searcher.search(query, mode=mode)

    def run_query(self, query: Query, mode: str = "fused") -> dict:
        return self.searcher.search(query, mode=mode)

    def similar(self, slug: str, top_k: int = 5) -> list[dict]:
        return self.searcher.similar(slug, top_k)

    def list_cases(self) -> list[dict]:
        with self.session() as session:
            rows = session.scalars(select(CaseRow).order_by(CaseRow.title)).all()
            return [{"slug": r.slug, **r.meta} for r in rows]

    def get_case(self, slug: str) -> dict:
        with self.session() as session:
            row = require(session, CaseRow, slug, "Den Fall")
            return {"slug": row.slug, **row.meta, "body_markdown": row.body}

    def info(self) -> dict:
        """Model, dimension, counts and build time (for `kb info` and /api/v1/health)."""
        manifest = read_manifest(self.settings.index_dir)
        emb = self.embedder
        info = {
            "model": emb.name,
            "model_source": emb.choice.source,
            "dimension": emb.dimension,
            "max_tokens": emb.max_tokens,
            "cases": 0,
            "chunks": 0,
            "built_at": None,
            "generation": None,
            "index_model": None,
            "vector_index": None,
        }
        if manifest:
            info.update(
                cases=manifest["counts"]["cases"],
                chunks=manifest["counts"]["chunks"],
                built_at=manifest["built_at"],
                generation=manifest["generation"],
                index_model=manifest["model"],
                vector_index=manifest.get("vector_index", "exact"),
            )
        return info
