"""Query understanding: English detection, named constraints, size bands, thesaurus."""

import pytest

from kb.queryparse import Thesaurus, constraints_in, is_english, size_band
from kb.text import analyze


@pytest.mark.parametrize(("text", "english"), [
    ("How do cities map flood risk for the streets?", True),
    ("flood early warning with river gauges", True),
    ("Wie finden andere Städte die gefährdeten Straßen?", False),
    ("Starkregen", False),
    ("Smart City Dashboard", False),
])
def test_is_english(text, english):
    assert is_english(text) is english


@pytest.mark.parametrize(("text", "expected"), [
    ("kleine Gemeinde in Bayern Bürgerbeteiligung",
     {"state": ["BY"], "type": ["gemeinde"], "size": ["klein"]}),
    ("Landkreis Hochwasser Pegel", {"type": ["kreis"]}),
    ("Projekte in Sachsen zur Mobilität", {"state": ["SN"]}),
    ("Sachsen-Anhalt Stadtplanung", {"state": ["ST"]}),
    ("Wärmeplanung in NRW", {"state": ["NW"]}),
    ("Tiefbauamt plant Straßen", {}),
    ("Bei uns führt jedes Amt eigene Listen", {}),
    ("Starkregen", {}),
    ("kleine Landgemeinde in Bayern", {"state": ["BY"], "type": ["gemeinde"], "size": ["klein"]}),
    ("Großstadt Verkehr", {"type": ["kreisfreie-stadt"], "size": ["gross", "sehr-gross"]}),
])
def test_constraints_in(text, expected):
    assert constraints_in(text) == expected


@pytest.mark.parametrize(("text", "bands"), [
    ("Kleinstadt unter 20.000 Einwohnern", ["klein"]),
    ("Großstadt mit mehr als 500.000 Einwohnern", ["sehr-gross"]),  # the number wins
    ("Mittelstadt mit 20.000 bis 60.000 Einwohnern", ["mittel"]),
    ("Stadt mit 80 000 Einwohnern", ["mittel"]),
    ("Gemeinde mit 5 Tsd. Einwohnern", ["klein"]),
    ("Kommune mit rund 150000 Einwohnern", ["gross"]),
    ("ab 100.000 Einwohner", ["gross", "sehr-gross"]),
    ("Millionenstadt", ["sehr-gross"]),
    ("Wärmeplanung mit 100 Gigawattstunden", None),
])
def test_size_constraints(text, bands):
    assert constraints_in(text).get("size") == bands


@pytest.mark.parametrize(("population", "band"), [
    (4200, "klein"), (19999, "klein"), (20000, "mittel"), (250000, "gross"),
    (1_500_000, "sehr-gross"), (None, None),
])
def test_size_band(population, band):
    assert size_band(population) == band


def test_thesaurus_expands_everyday_words_and_english(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("""
groups:
  - name: Starkregen
    terms: [Starkregen, Sturzflut]
    phrases: [Keller laufen voll]
    en: [heavy rain, flash flood]
  - name: Hitze
    terms: [Hitze, Hitzeinsel]
""", encoding="utf-8")
    thesaurus = Thesaurus.load(path)
    added, fired = thesaurus.expand("Bei Gewitter laufen unsere Keller voll")
    assert fired == ["Starkregen"] and "Starkregen" in added and "heavy rain" in added
    added, fired = thesaurus.expand("heavy rain in the city centre")
    assert fired == ["Starkregen"] and "Starkregen" in added
    assert thesaurus.expand("Wärmeplanung") == ([], [])
    assert thesaurus.expand("Keller") == ([], [])  # half a phrase does not fire


def test_missing_thesaurus_is_empty(tmp_path):
    assert Thesaurus.load(tmp_path / "nicht-da.yaml").expand("Starkregen") == ([], [])


def test_shipped_thesaurus_loads_and_fires():
    from pathlib import Path

    thesaurus = Thesaurus.load(Path(__file__).parents[1] / "content" / "thesaurus.yaml")
    assert len(thesaurus.groups) >= 40
    added, fired = thesaurus.expand("Bei Gewitter laufen die Keller in der Altstadt voll")
    assert any(set(analyze("Starkregen")) <= set(analyze(a)) for a in added), fired


def test_shipped_thesaurus_is_consistent():
    """The editors' rules from the file header: every entry once, no two groups sharing one."""
    from collections import Counter
    from pathlib import Path

    import yaml

    path = Path(__file__).parents[1] / "content" / "thesaurus.yaml"
    groups = yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
    entries = Counter(str(e).casefold() for g in groups
                      for key in ("terms", "phrases", "en") for e in g.get(key) or [])
    assert [e for e, n in entries.items() if n > 1] == []
    assert all(g.get("name") and g.get("terms") and g.get("en") for g in groups)
    owner: dict = {}
    for group in Thesaurus.load(path).groups:
        for entry, terms in group["entries"]:
            assert owner.setdefault(terms, group["name"]) == group["name"], entry
    # A typical everyday question fires the right group, and a plain one fires none.
    thesaurus = Thesaurus.load(path)
    assert "Starkregen" in thesaurus.expand("Bei Gewitter laufen unsere Keller voll")[1]
    assert thesaurus.expand("Guten Tag") == ([], [])
