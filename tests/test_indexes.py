"""Vector and lexical indexes: add, remove, search, atomic save, crash safety."""

import numpy as np
import pytest

from kb.atomic import atomic_write
from kb.indexes.lexical import LexicalIndex
from kb.indexes.vector import VectorIndex
from kb.text import stem


def unit(rows):
    v = np.asarray(rows, dtype="float32")
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_vector_add_search_remove_reconstruct(tmp_path):
    index = VectorIndex(3)
    index.add([10, 20, 30], unit([[1, 0, 0], [0, 1, 0], [1, 1, 0]]))
    ids, scores = index.search(unit([[1, 0.1, 0]])[0], 2)
    assert list(ids) == [10, 30] and scores[0] > scores[1]
    assert index.remove([10]) == 1
    ids, _ = index.search(unit([[1, 0, 0]])[0], 5)
    assert list(ids) == [30, 20]
    assert np.allclose(index.reconstruct(20), [0, 1, 0])
    index.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss")
    assert len(loaded) == 2 and loaded.dimension == 3


def test_vector_add_checks_shapes():
    with pytest.raises(ValueError):
        VectorIndex(3).add([1, 2], unit([[1, 0, 0]]))


def test_lexical_bm25_ranks_and_saves(tmp_path):
    texts = ["Starkregen flutet Keller in der Altstadt", "Wärmeplanung für Gemeinden",
             "Keller und Keller und Starkregen", "Bauantrag digital"]
    index = LexicalIndex.build([5, 6, 7, 8], texts)
    ids, scores = index.search({stem("keller"): 1.0}, 10)
    assert list(ids) == [7, 5] and scores[0] > scores[1] > 0
    ids, _ = index.search({stem("waermeplanung"): 1.0}, 10)
    assert list(ids) == [6]
    assert list(index.search({"gibtsnicht": 1.0}, 10)[0]) == []
    index.save(tmp_path / "l.npz")
    again = LexicalIndex.load(tmp_path / "l.npz")
    assert np.allclose(again.score({stem("keller"): 1.0}), index.score({stem("keller"): 1.0}))


def test_query_weights_scale_scores():
    index = LexicalIndex.build([1, 2], ["Hitze in der Stadt", "Hitze und Dürre"])
    full = index.score({stem("hitze"): 1.0})
    half = index.score({stem("hitze"): 0.5})
    assert np.allclose(half, full / 2)


def test_failed_atomic_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "data.bin"
    target.write_bytes(b"alt")

    def crash(tmp):
        tmp.write_bytes(b"halb geschrieben")
        raise OSError("Platte voll")

    with pytest.raises(OSError):
        atomic_write(target, crash)
    assert target.read_bytes() == b"alt"
    assert list(tmp_path.iterdir()) == [target]
