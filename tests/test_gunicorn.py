"""Several gunicorn workers serve consistent results while a new case is published."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import CORPUS, THESAURUS, make_settings

from kb.build import build_index

ROOT = Path(__file__).parents[1]
NEW_CASE = (CORPUS / "rufbus-landgemeinde.md").read_text(encoding="utf-8").replace(
    "Rufbus auf Abruf für eine Landgemeinde", "Quartiersspeicher Zwölfling für Nahwärme"
).replace("Gemeinde Kleindorf", "Gemeinde Zwölfling")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {}


@pytest.mark.e2e
def test_workers_swap_to_a_new_generation_without_errors(tmp_path, real_embedder):
    gunicorn = Path(sys.executable).with_name("gunicorn")
    content = tmp_path / "cases"
    shutil.copytree(CORPUS, content)
    settings = make_settings(tmp_path, content, thesaurus=THESAURUS)
    build_index(settings, real_embedder)
    port = free_port()
    env = {**os.environ, "KB_CONTENT_DIR": str(content), "KB_INDEX_DIR": str(settings.index_dir),
           "KB_INSTANCE_DIR": str(tmp_path / "instance"), "KB_SECRET_KEY": "test",
           "KB_THESAURUS": str(THESAURUS), "HF_HUB_OFFLINE": "1", "WEB_CONCURRENCY": "2",
           "GUNICORN_BIND": f"127.0.0.1:{port}"}
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([str(gunicorn), "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/api/v1"
    statuses: list[int] = []
    try:
        def health():
            status, data = get(f"{base}/health")
            statuses.append(status)
            return data

        deadline = time.time() + 120
        seen: dict[int, int] = {}
        while time.time() < deadline and len(seen) < 2:
            try:
                with ThreadPoolExecutor(4) as pool:
                    for data in pool.map(lambda _: health(), range(8)):
                        seen[data["worker"]] = data["generation"]
            except (urllib.error.URLError, ConnectionError, KeyError):
                time.sleep(1)
        assert len(seen) == 2 and set(seen.values()) == {1}, seen
        statuses.clear()

        (content / "quartiersspeicher-zwoelfling.md").write_text(NEW_CASE, encoding="utf-8")
        report = build_index(settings, real_embedder)
        assert report.added == ["quartiersspeicher-zwoelfling"] and report.generation == 2

        deadline = time.time() + 15
        served: dict[int, bool] = {}
        while time.time() < deadline and not (len(served) == 2 and all(served.values())):
            with ThreadPoolExecutor(4) as pool:
                for data in pool.map(lambda _: health(), range(8)):
                    served[data["worker"]] = data["generation"] == 2
        assert len(served) == 2 and all(served.values()), served
        status, result = get(f"{base}/search?q=Quartiersspeicher+Zw%C3%B6lfling&top_k=3")
        assert status == 200 and result["results"][0]["slug"] == "quartiersspeicher-zwoelfling"
        assert statuses and set(statuses) == {200}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
