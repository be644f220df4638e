"""Shared fixtures: a tiny committed corpus, the real bundled model, a temporary index."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from kb.embedding import Embedder, resolve_model  # noqa: E402
from kb.settings import Settings  # noqa: E402

CORPUS = Path(__file__).parent / "corpus"
THESAURUS = Path(__file__).parents[1] / "content" / "thesaurus.yaml"


class FakeEmbedder:
    """Deterministic bag-of-words hashing embedder for fast unit tests (not for e2e)."""

    name = "fake-embedder"
    dimension = 64
    max_tokens = 60

    def __init__(self):
        self.calls = 0
        self.encoded = 0

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dimension, dtype="float32")
        for word in text.lower().split():
            h = int(hashlib.md5(word.encode()).hexdigest(), 16)
            v[h % self.dimension] += 1.0
        n = np.linalg.norm(v)
        return v / n if n else v

    def encode_passages(self, texts, progress=False):
        self.calls += 1
        self.encoded += len(texts)
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, 64), "float32")

    def encode_query(self, text):
        return self._vec(text)


PG_URL = os.environ.get("KB_TEST_DATABASE_URL", "")
DB_BACKENDS = ["sqlite", *(["postgresql"] if PG_URL.startswith("postgresql") else [])]


def reset_postgres() -> str:
    """Empty the test PostgreSQL database (tables and migration state); return its URL."""
    from sqlalchemy import text

    from kb.db import Base, make_engine

    engine = make_engine(PG_URL)
    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    return PG_URL


def make_settings(tmp: Path, content: Path, **kw) -> Settings:
    return Settings(
        content_dir=content,
        index_dir=tmp / "indexes",
        database_url=kw.pop("database_url", None),
        instance_dir=tmp / "instance",
        secret_key="test-secret",
        hub_offline=True,
        testing=True,
        **kw,
    )


@pytest.fixture()
def corpus_copy(tmp_path) -> Path:
    target = tmp_path / "cases"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="session")
def real_embedder() -> Embedder:
    """The real bundled sentence-transformers model, loaded once per session."""
    settings = Settings(hub_offline=True)
    return Embedder(resolve_model(settings))


@pytest.fixture(scope="session")
def built(tmp_path_factory, real_embedder):
    """A real FAISS + BM25 index over the committed corpus, built once per session."""
    from kb.service import KnowledgeBase

    tmp = tmp_path_factory.mktemp("built")
    content = tmp / "cases"
    shutil.copytree(CORPUS, content)
    settings = make_settings(tmp, content, thesaurus=THESAURUS)
    kb = KnowledgeBase(settings, embedder=real_embedder)
    report = kb.build()
    return kb, report


@pytest.fixture(scope="session")
def app(built):
    from kb.web import create_app

    kb, _ = built
    return create_app(kb.settings, kb=kb)


@pytest.fixture()
def client(app):
    return app.test_client()
