"""BM25 lexical index over German-analyzed chunks, stored as compressed sparse arrays."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from ..atomic import atomic_write
from ..text import analyze

K1 = 1.2
B = 0.75


class LexicalIndex:
    """BM25 (Lucene-style idf) with postings per term; immutable once built."""

    def __init__(self, chunk_ids, vocab, indptr, postings, tfs, doc_len, dictionary):
        self.chunk_ids = np.asarray(chunk_ids, dtype="int64")
        self.vocab = list(vocab)
        self.term_index = {t: i for i, t in enumerate(self.vocab)}
        self.indptr = np.asarray(indptr, dtype="int64")
        self.postings = np.asarray(postings, dtype="int32")
        self.tfs = np.asarray(tfs, dtype="float32")
        self.doc_len = np.asarray(doc_len, dtype="float32")
        self.dictionary = frozenset(dictionary)
        n = len(self.chunk_ids)
        df = np.diff(self.indptr).astype("float64")
        self.idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5)).astype("float32")
        avg = float(self.doc_len.mean()) if n else 1.0
        self.norm = (K1 * (1.0 - B + B * self.doc_len / max(avg, 1e-9))).astype("float32")

    def __len__(self) -> int:
        return len(self.chunk_ids)

    @classmethod
    def build(cls, chunk_ids, texts, dictionary=frozenset()) -> LexicalIndex:
        """Analyze every text and build the postings."""
        term_index: dict[str, int] = {}
        rows, cols, vals, doc_len = [], [], [], []
        for row, text in enumerate(texts):
            terms = analyze(text, dictionary)
            doc_len.append(len(terms))
            counts: dict[int, int] = {}
            for term in terms:
                tid = term_index.setdefault(term, len(term_index))
                counts[tid] = counts.get(tid, 0) + 1
            rows.extend([row] * len(counts))
            cols.extend(counts.keys())
            vals.extend(counts.values())
        rows_a = np.asarray(rows, dtype="int32")
        cols_a = np.asarray(cols, dtype="int64")
        vals_a = np.asarray(vals, dtype="float32")
        order = np.lexsort((rows_a, cols_a))
        counts = np.bincount(cols_a, minlength=len(term_index)) if len(cols_a) else np.zeros(0)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype("int64")
        vocab = [None] * len(term_index)
        for term, tid in term_index.items():
            vocab[tid] = term
        return cls(chunk_ids, vocab, indptr, rows_a[order], vals_a[order], doc_len, dictionary)

    def query_terms(self, text: str) -> list[str]:
        """Analyze a query with the same analyzer and dictionary as the documents."""
        return analyze(text, self.dictionary)

    def score(self, weighted_terms: dict[str, float]) -> np.ndarray:
        """BM25 score of every document for terms with query weights."""
        scores = np.zeros(len(self.chunk_ids), dtype="float32")
        for term, weight in weighted_terms.items():
            tid = self.term_index.get(term)
            if tid is None:
                continue
            lo, hi = self.indptr[tid], self.indptr[tid + 1]
            docs = self.postings[lo:hi]
            tf = self.tfs[lo:hi]
            scores[docs] += weight * self.idf[tid] * tf * (K1 + 1.0) / (tf + self.norm[docs])
        return scores

    def search(self, weighted_terms: dict[str, float], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (chunk ids, scores) of the k best-scoring chunks with a score above zero."""
        scores = self.score(weighted_terms)
        hits = np.flatnonzero(scores > 0)
        if len(hits) > k:
            hits = hits[np.argpartition(-scores[hits], k - 1)[:k]]
        hits = hits[np.argsort(-scores[hits], kind="stable")]
        return self.chunk_ids[hits], scores[hits]

    def save(self, path: Path) -> None:
        def write(tmp: Path) -> None:
            buf = io.BytesIO()
            np.savez_compressed(
                buf,
                chunk_ids=self.chunk_ids,
                indptr=self.indptr,
                postings=self.postings,
                tfs=self.tfs,
                doc_len=self.doc_len,
                vocab=np.frombuffer(json.dumps(self.vocab).encode(), dtype="uint8"),
                dictionary=np.frombuffer(
                    json.dumps(sorted(self.dictionary)).encode(), dtype="uint8"
                ),
            )
            tmp.write_bytes(buf.getvalue())

        atomic_write(path, write)

    @classmethod
    def load(cls, path: Path) -> LexicalIndex:
        with np.load(path, allow_pickle=False) as data:
            return cls(
                data["chunk_ids"],
                json.loads(data["vocab"].tobytes().decode()),
                data["indptr"],
                data["postings"],
                data["tfs"],
                data["doc_len"],
                json.loads(data["dictionary"].tobytes().decode()),
            )
