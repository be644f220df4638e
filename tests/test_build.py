"""Building indexes: incremental updates, invalid files, model mismatch, crash safety."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from conftest import FakeEmbedder, make_settings
from sqlalchemy import func, select

from kb.build import build_index
from kb.db import CaseRow, ChunkRow, make_engine
from kb.errors import IndexMismatchError
from kb.indexes.store import load_bundle, read_manifest
from kb.service import KnowledgeBase


def test_incremental_build_embeds_only_changed_cases(tmp_path, corpus_copy):
    settings = make_settings(tmp_path, corpus_copy)
    emb = FakeEmbedder()
    first = build_index(settings, emb)
    assert len(first.added) == 5 and first.problems == [] and first.generation == 1
    total = emb.encoded

    second = build_index(settings, emb)
    assert second.unchanged == first.added and emb.encoded == total
    assert second.generation == 1  # nothing changed, nothing published

    path = corpus_copy / "rufbus-landgemeinde.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Arzt", "Hausarzt"), "utf-8")
    (corpus_copy / "hitze-stadtbaeume-sensoren.md").unlink()
    third = build_index(settings, emb)
    assert third.updated == ["rufbus-landgemeinde"]
    assert third.removed == ["hitze-stadtbaeume-sensoren"]
    rufbus_chunks = emb.encoded - total
    assert 0 < rufbus_chunks <= 4

    bundle = load_bundle(settings.index_dir)
    assert set(bundle.cases) == {"starkregen-beispielstadt", "waermeplanung-musterkreis",
                                 "bauantrag-digital-hafenstadt", "rufbus-landgemeinde"}
    assert len(bundle.vectors) == len(bundle.chunks) == len(bundle.lexical)
    engine = make_engine(settings.database)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(CaseRow)) == 4
        assert conn.scalar(select(func.count()).select_from(ChunkRow)) == len(bundle.chunks)
    engine.dispose()


def test_invalid_files_are_reported_and_valid_ones_indexed(tmp_path, corpus_copy):
    (corpus_copy / "kaputt-fall.md").write_text("---\ntitle: Kaputt\nstate: XX\n---\nText")
    report = build_index(make_settings(tmp_path, corpus_copy), FakeEmbedder())
    assert len(report.added) == 5
    fields = {p.field for p in report.problems if p.path.endswith("kaputt-fall.md")}
    assert {"state", "municipality", "summary"} <= fields


def test_index_of_another_model_is_refused(tmp_path, corpus_copy):
    settings = make_settings(tmp_path, corpus_copy)
    build_index(settings, FakeEmbedder())
    other = FakeEmbedder()
    other.name = "ein-anderes-modell"
    with pytest.raises(IndexMismatchError, match="kb index --rebuild"):
        build_index(settings, other)
    with pytest.raises(IndexMismatchError, match="fake-embedder"):
        load_bundle(settings.index_dir, "ein-anderes-modell", 64)
    report = build_index(settings, other, rebuild=True)
    assert len(report.added) == 5 and read_manifest(settings.index_dir)["model"] == other.name


@pytest.mark.parametrize("step", ["vectors", "lexical", "data", "manifest"])
def test_crash_during_save_leaves_previous_index_loadable(tmp_path, corpus_copy, step):
    settings = make_settings(tmp_path, corpus_copy)
    build_index(settings, FakeEmbedder())
    before = read_manifest(settings.index_dir)
    (corpus_copy / "bauantrag-digital-hafenstadt.md").unlink()

    target = {
        "vectors": "kb.indexes.vector.VectorIndex.save",
        "lexical": "kb.indexes.lexical.LexicalIndex.save",
        "data": "kb.indexes.store.atomic_write_json",
        "manifest": "kb.indexes.store.atomic_write_json",
    }[step]
    calls = {"n": 0}
    real = None

    def boom(*args, **kwargs):
        calls["n"] += 1
        if step == "manifest" and calls["n"] == 1:
            return real(*args, **kwargs)  # the data file is written, the manifest is not
        raise OSError("Stromausfall")

    if step == "manifest":
        import kb.indexes.store as store

        real = store.atomic_write_json
    with mock.patch(target, side_effect=boom), pytest.raises(OSError):
        build_index(settings, FakeEmbedder())

    assert read_manifest(settings.index_dir) == before
    bundle = load_bundle(settings.index_dir, "fake-embedder", 64)
    assert "bauantrag-digital-hafenstadt" in bundle.cases
    assert len(bundle.vectors) == len(bundle.chunks)
    # and the next build recovers
    report = build_index(settings, FakeEmbedder())
    assert report.removed == ["bauantrag-digital-hafenstadt"]


def test_manifest_describes_the_index(tmp_path, corpus_copy):
    settings = make_settings(tmp_path, corpus_copy)
    build_index(settings, FakeEmbedder())
    manifest = json.loads((settings.index_dir / "manifest.json").read_text())
    assert manifest["model"] == "fake-embedder" and manifest["dimension"] == 64
    assert manifest["counts"]["cases"] == 5 and manifest["counts"]["chunks"] > 5
    assert len(manifest["content_hash"]) == 64 and manifest["built_at"]
    assert manifest["package_version"] and manifest["vector_index"] == "exact"


def test_service_reloads_a_new_generation(tmp_path, corpus_copy):
    settings = make_settings(tmp_path, corpus_copy)
    kb = KnowledgeBase(settings, embedder=FakeEmbedder())
    kb.build()
    assert kb.searcher.bundle.generation == 1
    (corpus_copy / "rufbus-landgemeinde.md").unlink()
    other = KnowledgeBase(settings, embedder=FakeEmbedder())  # e.g. `kb index` elsewhere
    other.build()
    assert kb.searcher.bundle.generation == 2
    assert "rufbus-landgemeinde" not in kb.searcher.bundle.cases


# ---------------------------------------------------------------- with the real model

@pytest.mark.e2e
def test_real_model_chunks_fit_and_german_query_finds_case(built, real_embedder):
    kb, report = built
    assert report.problems == [] and len(report.added) == 5
    bundle = kb.searcher.bundle
    for chunk in bundle.chunks.values():
        indexed = f"{bundle.cases[chunk.slug]['title']} – {chunk.section}\n{chunk.text}"
        assert real_embedder.count_tokens(indexed) <= real_embedder.max_tokens
    result = kb.search("Keller laufen bei Unwetter voll, welche Straßen sind gefährdet?")
    assert result["results"][0]["slug"] == "starkregen-beispielstadt"
    result = kb.search("Waermeplanung fuer kleine Gemeinden")
    assert result["results"][0]["slug"] == "waermeplanung-musterkreis"


def test_full_rebuild_and_a_stale_database_are_reconciled(tmp_path, corpus_copy):
    settings = make_settings(tmp_path, corpus_copy)
    build_index(settings, FakeEmbedder())
    (corpus_copy / "rufbus-landgemeinde.md").unlink()
    build_index(settings, FakeEmbedder())  # chunk ids move on
    build_index(settings, FakeEmbedder(), rebuild=True)  # ids restart at 0: no collision
    engine = make_engine(settings.database)
    bundle = load_bundle(settings.index_dir)
    with engine.begin() as conn:
        ids = set(conn.scalars(select(ChunkRow.id)))
        assert ids == set(bundle.chunks)
        conn.execute(ChunkRow.__table__.delete().where(ChunkRow.slug == "rufbus-landgemeinde"))
        conn.execute(ChunkRow.__table__.delete().where(
            ChunkRow.slug == "starkregen-beispielstadt"))
    build_index(settings, FakeEmbedder())  # nothing changed in the files, the mirror heals
    with engine.connect() as conn:
        assert set(conn.scalars(select(ChunkRow.id))) == set(bundle.chunks)
    engine.dispose()
