"""Inner-product vector index over normalized embeddings, keyed by chunk id.

Exact search (IndexFlatIP) while it is fast enough; from APPROX_THRESHOLD vectors on an
inverted-file index (IVF), whose recall@10 against exact search benchmarks/scale.py measures.
Deleting works in both: IVF removes ids from its lists natively (with a hash-table direct map
for reconstruct), so no tombstones are needed.
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from ..atomic import atomic_write

# benchmarks/scale.py on 2 cores: exact search costs about 6 ms at 100k and 60 ms at 1M
# vectors per query, IVF with nprobe 32 reaches recall@10 0.95 at under 1 ms.
APPROX_THRESHOLD = 1_000_000
IVF_NPROBE = 32


class VectorIndex:
    """FAISS IndexIDMap2(IndexFlatIP): add, remove, search, save, load."""

    def __init__(self, dimension: int, index=None):
        self.dimension = dimension
        self.index = index if index is not None else faiss.IndexIDMap2(
            faiss.IndexFlatIP(dimension)
        )

    def __len__(self) -> int:
        return int(self.index.ntotal)

    @property
    def kind(self) -> str:
        """'ivf' for the approximate index, 'exact' otherwise."""
        return "ivf" if isinstance(faiss.downcast_index(self.index), faiss.IndexIVF) else "exact"

    def items(self) -> tuple[np.ndarray, np.ndarray]:
        """All (ids, vectors), for rebuilding as another index type."""
        if self.kind == "exact":
            ids = faiss.vector_to_array(self.index.id_map).astype("int64")
            inner = faiss.downcast_index(self.index.index)
            vecs = faiss.vector_to_array(inner.codes).view("float32").reshape(-1, self.dimension)
            return ids, vecs
        ivf = faiss.downcast_index(self.index)
        ids = []
        for list_no in range(ivf.nlist):
            size = ivf.invlists.list_size(list_no)
            if size:
                ptr = ivf.invlists.get_ids(list_no)
                ids.extend(faiss.rev_swig_ptr(ptr, size).tolist())
        ids = np.asarray(sorted(ids), dtype="int64")
        vecs = np.vstack([ivf.reconstruct(int(i)) for i in ids]) if len(ids) else np.zeros(
            (0, self.dimension), dtype="float32")
        return ids, vecs

    def optimized(self, threshold: int = APPROX_THRESHOLD) -> VectorIndex:
        """Return this index as the type its size calls for (a rebuild only when it changes)."""
        want = "ivf" if len(self) >= threshold else "exact"
        if want == self.kind:
            return self
        ids, vecs = self.items()
        if want == "exact":
            exact = VectorIndex(self.dimension)
            exact.add(ids, vecs)
            return exact
        nlist = max(1, int(4 * np.sqrt(len(ids))))
        quantizer = faiss.IndexFlatIP(self.dimension)
        ivf = faiss.IndexIVFFlat(quantizer, self.dimension, nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.nprobe = min(IVF_NPROBE, nlist)
        ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
        step = max(1, len(ids) // (40 * nlist))
        ivf.train(np.ascontiguousarray(vecs[::step]))
        ivf.add_with_ids(np.ascontiguousarray(vecs), ids)
        return VectorIndex(self.dimension, ivf)

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
        if self.kind == "ivf":  # its hash-table direct map only takes an id array
            return int(self.index.remove_ids(faiss.IDSelectorArray(ids.size, faiss.swig_ptr(ids))))
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
