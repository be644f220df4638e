"""Index artifacts: vector index (FAISS), lexical index (BM25) and the manifest."""
