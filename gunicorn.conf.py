"""Production server settings: ``gunicorn wsgi:app`` (reads this file automatically).

The model and the index are loaded in each worker after the fork (never in the master):
FAISS and PyTorch can hang in a forked child that inherits OpenMP state from its parent.
Workers share the cores, so each gets an equal share of threads.
"""

import multiprocessing
import os

_cores = multiprocessing.cpu_count()

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, min(4, _cores))))
worker_class = "sync"
preload_app = False
timeout = 120
graceful_timeout = 30
keepalive = 2
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"

_threads = str(max(1, _cores // max(workers, 1)))
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, _threads)
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def post_worker_init(worker):
    """Load model, index and word list now, so the first visitor does not wait for them."""
    try:
        worker.wsgi.extensions["kb"].searcher.speller  # noqa: B018 - loads on access
    except Exception as exc:  # noqa: BLE001 - the error pages explain it per request
        worker.log.warning("Index noch nicht geladen: %s", exc)
