"""Every rule of CASE_FORMAT.md, one test each; unknown fields kept; all problems reported."""

from __future__ import annotations

import pytest
import yaml

from kb.cases import load_cases, parse_case, serialize_case

VALID = {
    "title": "Starkregenkarte im Stadtmodell",
    "municipality": "Stadt Beispielstadt",
    "municipality_type": "stadt",
    "state": "NW",
    "population": 64000,
    "domains": ["klimaanpassung", "wasser"],
    "tags": ["starkregen"],
    "status": "betrieb",
    "started": "2022-03",
    "summary": "Eine Simulation zeigt, welche Straßen bei Starkregen volllaufen.",
    "funding": "Landesprogramm",
    "partners": ["Hochschule X"],
    "standards": ["CityGML"],
    "contact": {"name": "N. N.", "role": "Leitung Tiefbau", "email": "tiefbau@example.org"},
    "sources": ["https://example.org/a"],
    "updated": "2026-05-01",
    "license": "CC-BY-4.0",
}


def text_of(meta: dict, body: str = "## Ausgangslage\nText.") -> str:
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n" + body


def problems_for(**changes) -> list[tuple[str, str]]:
    meta = {**VALID, **changes}
    meta = {k: v for k, v in meta.items() if v is not DROP}
    case, problems = parse_case(text_of(meta), "stadt-beispiel", "x/stadt-beispiel.md")
    assert (case is None) == bool(problems)
    return [(p.field, p.message) for p in problems]


DROP = object()


def test_valid_case_parses_and_normalizes():
    case, problems = parse_case(text_of(VALID), "stadt-beispiel")
    assert problems == []
    assert case.meta["updated"] == "2026-05-01"
    assert case.meta["domains"] == ["klimaanpassung", "wasser"]
    assert case.body.startswith("## Ausgangslage")


def test_yaml_dates_and_years_are_accepted():
    text = text_of(VALID).replace("updated: '2026-05-01'", "updated: 2026-05-01")
    text = text.replace("started: 2022-03", "started: 2022")
    case, problems = parse_case(text, "stadt-beispiel")
    assert problems == [] and case.meta["started"] == "2022"
    assert case.meta["updated"] == "2026-05-01"


@pytest.mark.parametrize("field", ["title", "municipality", "municipality_type", "state",
                                   "domains", "status", "summary", "updated"])
def test_required_fields(field):
    assert (field, "Pflichtfeld fehlt") in problems_for(**{field: DROP})


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "Kurz"}, "title"),
        ({"title": "x" * 161}, "title"),
        ({"title": 12345}, "title"),
        ({"municipality_type": "dorf"}, "municipality_type"),
        ({"state": "XX"}, "state"),
        ({"state": "nw"}, "state"),
        ({"population": -5}, "population"),
        ({"population": "viele"}, "population"),
        ({"population": True}, "population"),
        ({"domains": []}, "domains"),
        ({"domains": ["a", "b", "c", "d", "e"]}, "domains"),
        ({"domains": ["klimaanpassung", "klima"]}, "domains"),
        ({"domains": ["wasser", "wasser"]}, "domains"),
        ({"domains": "wasser"}, "domains"),
        ({"tags": ["Starkregen"]}, "tags"),
        ({"tags": "starkregen"}, "tags"),
        ({"status": "fertig"}, "status"),
        ({"started": "2022-13"}, "started"),
        ({"started": "März 2022"}, "started"),
        ({"started": "22"}, "started"),
        ({"summary": "Zu kurz."}, "summary"),
        ({"summary": "x" * 401}, "summary"),
        ({"funding": ["a"]}, "funding"),
        ({"partners": "Hochschule"}, "partners"),
        ({"standards": [1, 2]}, "standards"),
        ({"contact": "Frau X"}, "contact"),
        ({"contact": {"name": "X", "phone": "123"}}, "contact"),
        ({"contact": {"email": "keine-adresse"}}, "contact.email"),
        ({"sources": ["ftp://example.org/x"]}, "sources"),
        ({"sources": ["javascript:alert(1)"]}, "sources"),
        ({"sources": "https://example.org"}, "sources"),
        ({"updated": "01.05.2026"}, "updated"),
        ({"updated": "2026-02-30"}, "updated"),
        ({"license": ""}, "license"),
    ],
)
def test_field_rules(changes, field):
    fields = [f for f, _ in problems_for(**changes)]
    assert field in fields, problems_for(**changes)


@pytest.mark.parametrize(
    "slug", ["ab", "Gross-Schreibung", "mit_unterstrich", "ä-umlaut", "x" * 81]
)
def test_slug_rule(slug):
    _, problems = parse_case(text_of(VALID), slug)
    assert [p.field for p in problems] == ["slug"]


def test_optional_fields_may_be_left_out():
    minimal = {k: VALID[k] for k in ["title", "municipality", "municipality_type", "state",
                                     "domains", "status", "summary", "updated"]}
    case, problems = parse_case(text_of(minimal), "minimal-fall")
    assert problems == []
    assert case.meta["license"] == "CC-BY-4.0"  # the default


def test_unknown_fields_are_kept():
    case, problems = parse_case(text_of({**VALID, "projektnummer": "SR-17"}), "stadt-beispiel")
    assert problems == []
    assert case.to_dict()["projektnummer"] == "SR-17"


def test_front_matter_errors_are_reported_not_raised():
    for text, reason in [
        ("kein front matter", "fehlt"),
        ("---\ntitle: [unclosed\n---\nText", "YAML"),
        ("---\n- a\n- b\n---\nText", "name: wert"),
    ]:
        case, problems = parse_case(text, "stadt-beispiel", "p.md")
        assert case is None and reason in problems[0].message
        assert str(problems[0]).startswith("p.md: front matter: ")


def test_empty_body_is_a_problem():
    _, problems = parse_case(text_of(VALID, body="   \n"), "stadt-beispiel")
    assert [p.field for p in problems] == ["body"]


def test_all_problems_of_all_files_are_reported(tmp_path):
    (tmp_path / "gut-1.md").write_text(text_of(VALID), encoding="utf-8")
    (tmp_path / "schlecht-1.md").write_text(
        text_of({**VALID, "state": "XX", "status": "fertig"}), encoding="utf-8")
    (tmp_path / "schlecht-2.md").write_text(text_of({**VALID, "title": "x"}), encoding="utf-8")
    (tmp_path / "latin1-datei.md").write_bytes("---\ntitle: Gr\xfc\xdfe\n---\n".encode("latin-1"))
    (tmp_path / "_vorlage.md").write_text("nicht geprüft", encoding="utf-8")
    (tmp_path / "README.md").write_text("nicht geprüft", encoding="utf-8")
    cases, problems = load_cases(tmp_path)
    assert [c.slug for c in cases] == ["gut-1"]
    got = {(p.path.rsplit("/", 1)[-1], p.field) for p in problems}
    assert got == {("schlecht-1.md", "state"), ("schlecht-1.md", "status"),
                   ("schlecht-2.md", "title"), ("latin1-datei.md", "datei")}


def test_serialize_round_trip():
    case, _ = parse_case(text_of({**VALID, "extra_feld": "bleibt"}), "stadt-beispiel")
    text = serialize_case(case.to_dict(), case.body)
    again, problems = parse_case(text, "stadt-beispiel")
    assert problems == []
    assert again.to_dict() == case.to_dict()
    assert again.body == case.body
