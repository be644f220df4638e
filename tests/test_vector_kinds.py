"""Exact search below the threshold, IVF above it: recall, deletes, reconstruct, save/load."""

import numpy as np

from kb.indexes.vector import VectorIndex


def clustered(n, dim=32, seed=3):
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((20, dim)).astype("float32")
    vecs = centers[rng.integers(0, 20, n)] + 0.5 * rng.standard_normal((n, dim)).astype("float32")
    return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)


def test_ivf_above_the_threshold_keeps_recall_and_supports_deletes(tmp_path):
    vecs = clustered(3000)
    exact = VectorIndex(32)
    exact.add(np.arange(3000) + 100, vecs)
    assert exact.optimized(threshold=5000) is exact and exact.kind == "exact"

    ivf = exact.optimized(threshold=2000)
    assert ivf.kind == "ivf" and len(ivf) == 3000
    queries = clustered(50, seed=9)
    recall = np.mean([
        len(set(exact.search(q, 10)[0]) & set(ivf.search(q, 10)[0])) / 10 for q in queries
    ])
    assert recall >= 0.95
    assert np.allclose(ivf.reconstruct(150), vecs[50], atol=1e-6)

    assert ivf.remove([100, 101, 102]) == 3 and len(ivf) == 2997
    assert 100 not in set(ivf.search(vecs[0], 10)[0])
    ivf.add([5000], vecs[:1])
    assert ivf.search(vecs[0], 1)[0][0] == 5000

    ivf.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss")
    assert loaded.kind == "ivf" and len(loaded) == 2998
    assert list(loaded.search(queries[0], 10)[0]) == list(ivf.search(queries[0], 10)[0])

    back = loaded.optimized(threshold=4000)  # shrank below the threshold: exact again
    assert back.kind == "exact" and len(back) == 2998
    ids, got = back.items()
    assert set(ids) == set(range(103, 3100)) | {5000}
