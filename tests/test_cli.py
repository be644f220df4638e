"""The kb command end to end: validate, index, search (same ranking as the API), info."""

import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import CORPUS, make_settings

from kb.cli import main
from kb.service import KnowledgeBase


def run(args, kb=None, settings=None):
    obj = {"settings": settings or (kb.settings if kb else None)}
    if kb is not None:
        obj["kb"] = kb
    return CliRunner().invoke(main, args, obj=obj, catch_exceptions=False)


def test_validate_ok(built):
    kb, _ = built
    result = run(["validate", str(CORPUS)], kb)
    assert result.exit_code == 0 and "5 Fälle geprüft, alle gültig." in result.output


def test_validate_reports_path_field_reason(tmp_path, built):
    kb, _ = built
    shutil.copy(CORPUS / "rufbus-landgemeinde.md", tmp_path / "rufbus-landgemeinde.md")
    (tmp_path / "kaputt.md").write_text("---\ntitle: Ein kaputter Fall\nstate: XY\n---\nText")
    result = run(["validate", str(tmp_path)], kb)
    assert result.exit_code == 1
    assert f"{tmp_path / 'kaputt.md'}: state: unbekannter Wert „XY“" in result.output
    assert f"{tmp_path / 'kaputt.md'}: municipality: Pflichtfeld fehlt" in result.output


@pytest.mark.e2e
def test_index_reports_invalid_files_with_exit_1(tmp_path, real_embedder):
    content = tmp_path / "cases"
    shutil.copytree(CORPUS, content)
    (content / "kaputt.md").write_text("---\ntitle: Kaputt und kurz\n---\nText")
    kb = KnowledgeBase(make_settings(tmp_path, content), embedder=real_embedder)
    result = run(["index"], kb)
    assert result.exit_code == 1
    assert "5 neu" in result.output
    assert "kaputt.md: municipality: Pflichtfeld fehlt" in result.output
    again = run(["index"], kb)
    assert "5 unverändert" in again.output and "0 Abschnitte berechnet" in again.output


@pytest.mark.e2e
def test_cli_json_equals_api_ranking(built, client):
    kb, _ = built
    query = "Bodenfeuchte Bäume gießen bei Hitze"
    result = run(["search", query, "--json", "--top-k", "5"], kb)
    assert result.exit_code == 0
    cli = json.loads(result.output)
    api = client.get("/api/v1/search", query_string={"q": query, "top_k": 5}).get_json()
    assert [r["slug"] for r in cli["results"]] == [r["slug"] for r in api["results"]]
    assert cli["results"][0]["slug"] == "hitze-stadtbaeume-sensoren"


def test_cli_search_text_and_errors(built):
    kb, _ = built
    result = run(["search", "Bauantrag online", "--top-k", "2"], kb)
    assert result.exit_code == 0 and "1. Digitaler Bauantrag" in result.output
    typo = run(["search", "Bodenfeuhte", "--top-k", "1"], kb)
    assert "gesucht wurde auch nach: Bodenfeuchte" in typo.output
    assert "1. Bodenfeuchtesensoren" in typo.output
    unknown = run(["search", "Xylophon Quantenphysik", "--top-k", "1"], kb)
    assert unknown.output.startswith("Keine Treffer für „Xylophon Quantenphysik“")
    assert "Kein Fall enthält eines der Suchwörter" in unknown.output
    assert "nur inhaltlich" in unknown.output and "\n1. " in unknown.output
    filtered = run(["search", "Rufbus", "--state", "HH", "--top-k", "1"], kb)
    assert "Kein Fall mit diesen Filtern enthält eines der Suchwörter" in filtered.output
    bad = run(["search", "   "], kb)
    assert bad.exit_code == 1 and "Suchbegriff" in bad.output
    assert run(["search", "x", "--state", "XX"], kb).exit_code == 2


def test_info(built):
    kb, _ = built
    result = run(["info"], kb)
    assert result.exit_code == 0
    assert "all-MiniLM-L6-v2" in result.output and "Fälle:         5" in result.output
    assert "Dimension:     384" in result.output and "Generation 1" in result.output
