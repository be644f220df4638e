"""Model resolution as INTERFACES.md says, decided in seconds; the real model's prompts."""

import socket
import time

import numpy as np
import pytest

from kb.embedding import BUNDLED_MODEL_ID, hub_reachable, prompts_for, resolve_model
from kb.errors import ModelError
from kb.settings import DEFAULT_MODEL, Settings


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_unreachable_hub_is_detected_quickly():
    settings = Settings(hub_endpoint=f"http://127.0.0.1:{closed_port()}", hub_probe_timeout=2)
    started = time.perf_counter()
    assert hub_reachable(settings) is False
    assert time.perf_counter() - started < 3


def test_offline_without_cache_falls_back_to_bundled_with_warning(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))
    settings = Settings(hub_endpoint=f"http://127.0.0.1:{closed_port()}", hub_probe_timeout=1)
    started = time.perf_counter()
    choice = resolve_model(settings)
    assert time.perf_counter() - started < 5
    assert choice.source == "bundled" and choice.model_id == BUNDLED_MODEL_ID
    assert DEFAULT_MODEL in choice.warning and BUNDLED_MODEL_ID in choice.warning


def test_explicit_missing_folder_fails_clearly():
    with pytest.raises(ModelError, match="existiert nicht"):
        resolve_model(Settings(embedding_model="/gibt/es/nicht", hub_offline=True))


def test_explicit_hub_id_without_hub_fails_clearly_and_fast(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    started = time.perf_counter()
    with pytest.raises(ModelError, match="KB_EMBEDDING_MODEL"):
        resolve_model(Settings(embedding_model="org/unbekanntes-modell", hub_offline=True))
    assert time.perf_counter() - started < 5


def test_explicit_local_folder_is_used(tmp_path):
    from kb.embedding import bundled_model_path

    choice = resolve_model(Settings(embedding_model=str(bundled_model_path()), hub_offline=True))
    assert choice.source == "explicit" and choice.warning is None


def test_e5_models_get_query_and_passage_prompts():
    assert prompts_for("intfloat/multilingual-e5-small", None) == {
        "query": "query: ", "passage": "passage: "}
    assert prompts_for("/models/multilingual-e5-base", None)["query"] == "query: "
    assert prompts_for("org/other", {"query": "q: ", "document": "d: "}) == {
        "query": "q: ", "passage": "d: "}


@pytest.mark.e2e
def test_real_model_embeds_normalized_vectors(real_embedder):
    vectors = real_embedder.encode_passages(
        ["Heavy rain floods the streets", "Heat planning for districts"]
    )
    assert vectors.shape == (2, real_embedder.dimension)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    q = real_embedder.encode_query("heavy rain flooding")
    assert float(vectors[0] @ q) > float(vectors[1] @ q)
    assert real_embedder.max_tokens == real_embedder.max_seq_length - 2
