"""Exact inner-product vector index over normalized embeddings, keyed by chunk id."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from ..atomic import atomic_write


class VectorIndex:
    """FAISS IndexIDMap2(IndexFlatIP): add, remove, search, save, load."""

    def __init__(self, dimension: int, index=None):
        self.dimension = dimension
        self.index = index if index is not None else faiss.IndexIDMap2(
            faiss.IndexFlatIP(dimension)
        )

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def copy(self) -> VectorIndex:
        return VectorIndex(self.dimension, faiss.clone_index(self.index))

    def add(self, ids, vectors: np.ndarray) -> None:
        ids = np.asarray(ids, dtype="int64")
        vectors = np.ascontiguousarray(vectors, dtype="float32")
        if len(ids) == 0:
            return
        if vectors.shape != (len(ids), self.dimension):
            raise ValueError(f"expected {len(ids)}x{self.dimension} vectors, got {vectors.shape}")
        self.index.add_with_ids(vectors, ids)

    def remove(self, ids) -> int:
        ids = np.asarray(list(ids), dtype="int64")
        if len(ids) == 0:
            return 0
        return int(self.index.remove_ids(faiss.IDSelectorBatch(ids)))

    def reconstruct(self, chunk_id: int) -> np.ndarray:
        return self.index.reconstruct(int(chunk_id))

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (chunk ids, scores) of the k nearest vectors, best first."""
        if len(self) == 0 or k <= 0:
            return np.zeros(0, dtype="int64"), np.zeros(0, dtype="float32")
        query = np.ascontiguousarray(vector.reshape(1, -1), dtype="float32")
        scores, ids = self.index.search(query, min(k, len(self)))
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def save(self, path: Path) -> None:
        atomic_write(path, lambda tmp: faiss.write_index(self.index, str(tmp)))

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        index = faiss.read_index(str(path))
        return cls(index.d, index)
