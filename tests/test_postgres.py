"""The same database behaviour on a real PostgreSQL server (started by scripts/with-postgres.sh).

Without a server these tests are skipped with the reason, never silently passed.
"""

from __future__ import annotations

import os

import pytest
from conftest import FakeEmbedder, make_settings, reset_postgres
from sqlalchemy import func, select

from kb.build import build_index
from kb.db import CaseRow, ChunkRow, make_engine
from kb.indexes.store import load_bundle
from kb.service import KnowledgeBase

PG_URL = os.environ.get("KB_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not PG_URL.startswith("postgresql"),
    reason=os.environ.get("KB_TEST_PG_SKIP", "KB_TEST_DATABASE_URL ist nicht gesetzt "
                          "(make test startet einen PostgreSQL-Testserver)"),
)


@pytest.fixture()
def pg_url():
    yield reset_postgres()
    reset_postgres()


def counts(url):
    engine = make_engine(url)
    with engine.connect() as conn:
        assert engine.dialect.name == "postgresql"
        result = (conn.scalar(select(func.count()).select_from(CaseRow)),
                  conn.scalar(select(func.count()).select_from(ChunkRow)))
    engine.dispose()
    return result


def test_mirror_incremental_and_rebuild_on_postgres(tmp_path, corpus_copy, pg_url):
    settings = make_settings(tmp_path, corpus_copy, database_url=pg_url)
    build_index(settings, FakeEmbedder())
    bundle = load_bundle(settings.index_dir)
    assert counts(pg_url) == (5, len(bundle.chunks))
    (corpus_copy / "rufbus-landgemeinde.md").unlink()
    build_index(settings, FakeEmbedder())
    build_index(settings, FakeEmbedder(), rebuild=True)
    bundle = load_bundle(settings.index_dir)
    assert counts(pg_url) == (4, len(bundle.chunks))


def test_api_with_postgres(tmp_path, corpus_copy, pg_url):
    from kb.web import create_app

    settings = make_settings(tmp_path, corpus_copy, database_url=pg_url)
    kb = KnowledgeBase(settings, embedder=FakeEmbedder())
    kb.build()
    try:
        check_api(create_app(settings, kb=kb).test_client())
    finally:
        kb.close()


def check_api(client):
    case = client.get("/api/v1/cases/starkregen-beispielstadt").get_json()
    assert case["municipality"] == "Stadt Beispielstadt" and case["projektnummer"] == "SR-17"
    assert len(client.get("/api/v1/cases").get_json()["cases"]) == 5
    resp = client.post("/api/v1/collections", json={
        "title": "Mappe in PostgreSQL", "cases": ["starkregen-beispielstadt"]})
    assert resp.status_code == 201
    got = client.get(f"/api/v1/collections/{resp.get_json()['id']}").get_json()
    assert got["title"] == "Mappe in PostgreSQL"
    submission = {
        "title": "Ein Fall über PostgreSQL", "municipality": "Gemeinde Test",
        "municipality_type": "gemeinde", "state": "BY", "domains": ["verwaltung"],
        "status": "idee", "summary": "Eine Einreichung, die in PostgreSQL landet.",
        "updated": "2026-11-26", "body_markdown": "## Ausgangslage\nText mit „Umlauten“ äöüß.",
    }
    resp = client.post("/api/v1/submissions", json=submission)
    assert resp.status_code == 201
