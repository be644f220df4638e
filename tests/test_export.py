"""Exports of a collection: key points, PPTX, PDF, Markdown, CSV, and `kb export`."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import replace
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pypdf import PdfReader

from kb.cli import main
from kb.collections import create_collection, new_collection_id
from kb.db import CollectionRow, session_factory
from kb.export import FORMATS, filename, render
from kb.export.deck import slide_count
from kb.export.keypoints import (
    key_points,
    plain_text,
    shorten,
    split_sections,
    split_sentences,
)
from kb.export.model import assemble, format_date
from kb.export.tabular import render_search_csv

GERMAN = "Straßenkeller in Köln: „Überflutungsschutz“ für 50.000 € – größer als gedacht"

BODY = """## Ausgangslage
Die Altstadt lief bei jedem Gewitter voll.

## Ziele
- Gefährdete Straßen früh erkennen.
- Bürgerinnen und Bürger informieren.

## Umsetzung
Das Tiefbauamt rechnete eine Fließwegsimulation.

## Ergebnisse
Die Karte ist seit 2024 öffentlich. Die Feuerwehr plant damit ihre Einsätze.
Bauanträge werden gegen die Karte geprüft.

## Lessons Learned
- **Datenqualität zählt:** Das Geländemodell entscheidet über die Aussagekraft.
- Kanaldeckel mussten von Hand nachgetragen werden, das kostete 12.000 €.
- Ein dritter Punkt, der nicht mehr gebraucht wird.
"""


def make_case(slug: str, title: str, **extra) -> dict:
    return {
        "slug": slug, "title": title, "municipality": "Stadt Größingen",
        "municipality_type": "stadt", "state": "NW", "population": 64000,
        "domains": ["klimaanpassung", "wasser"], "status": "betrieb",
        "summary": "Eine Fließwegsimulation zeigt, welche Straßen bei Starkregen volllaufen.",
        "sources": ["https://example.org/starkregen", "https://example.org/bericht"],
        "updated": "2026-05-01", "license": "CC-BY-4.0", "funding": "Förderprogramm „Klima“",
        "body_markdown": BODY, **extra,
    }


def make_export(n: int = 2, notes: dict | None = None, body: str = BODY, base_url=""):
    cases = {f"fall-{i}": make_case(f"fall-{i}", f"{GERMAN} Nr. {i}", body_markdown=body)
             for i in range(1, n + 1)}
    notes = notes or {}
    row = SimpleNamespace(
        id="mappe1", title="Webinar „Starkregen“ – Größere Städte", description="Für Ämter: 5 €",
        event_date="2026-05-12",
        items=[{"slug": slug, "note": notes.get(slug, "")} for slug in cases]
        + [{"slug": "geloescht", "note": ""}],
    )
    return assemble(row, cases, base_url=base_url, today=dt.date(2026, 4, 30))


# -- key points ---------------------------------------------------------------------------------
def test_key_points_take_results_and_lessons_as_plain_text():
    points = key_points(BODY)
    assert points == [
        "Die Karte ist seit 2024 öffentlich.",
        "Die Feuerwehr plant damit ihre Einsätze.",
        "Datenqualität zählt: Das Geländemodell entscheidet über die Aussagekraft.",
        "Kanaldeckel mussten von Hand nachgetragen werden, das kostete 12.000 €.",
    ]


@pytest.mark.parametrize(("body", "summary", "expected"), [
    ("## Ziele\n- Erstes Ziel erreichen\n- Zweites Ziel erreichen\n", "",
     ["Erstes Ziel erreichen"]),
    ("## Umsetzung\nDer Bauhof erfasst Bäume mobil. Die Daten landen im Kataster.\n", "",
     ["Der Bauhof erfasst Bäume mobil.", "Die Daten landen im Kataster."]),
    ("## Lessons Learned\nNur ein einziger Satz mit Erfahrung.\n",
     "Die Zusammenfassung sagt etwas Wichtiges.",
     ["Nur ein einziger Satz mit Erfahrung.", "Die Zusammenfassung sagt etwas Wichtiges."]),
    ("Kein Abschnitt.", "", []),
])
def test_key_points_fall_back_when_sections_are_missing(body, summary, expected):
    assert key_points(body, summary)[:len(expected)] == expected
    assert len(key_points(body, summary)) <= 4


def test_key_points_are_at_most_four_and_short():
    long_list = "## Ergebnisse\n" + "".join(f"- {'Sehr langer Punkt ' * 30}{i}\n" for i in range(6))
    points = key_points(long_list + BODY.split("## Ergebnisse")[1])
    assert 2 <= len(points) <= 4
    assert all(len(p) <= 220 for p in points) and points[0].endswith("…")


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("Kurz.", 50, "Kurz."),
    ("Erster Satz hier. Zweiter Satz ist viel länger als erlaubt.", 25, "Erster Satz hier."),
    ("Einwortlangeswort und noch mehr Wörter ohne Satzende", 30, "Einwortlangeswort und noch …"),
])
def test_shorten_cuts_at_sentence_or_word(text, limit, expected):
    assert shorten(text, limit) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Erster Satz. Zweiter Satz.", ["Erster Satz.", "Zweiter Satz."]),
    ("Städte wie z. B. Köln planen. Gut so!", ["Städte wie z. B. Köln planen.", "Gut so!"]),
    ("Seit dem 1. Mai 2024 läuft es. Förderung Nr. 5 half.",
     ["Seit dem 1. Mai 2024 läuft es.", "Förderung Nr. 5 half."]),
    ("Kosten: ca. 50.000 €. „Teuer“, sagt sie.", ["Kosten: ca. 50.000 €.", "„Teuer“, sagt sie."]),
])
def test_split_sentences_knows_german_abbreviations(text, expected):
    assert split_sentences(text) == expected


def test_subheadings_stay_inside_their_section():
    body = "## Ergebnisse\n### Zahlen\n- 40 Sensoren laufen\n- 3 Ämter nutzen die Daten\n"
    assert list(split_sections(body)) == ["Ergebnisse"]
    assert key_points(body)[:2] == ["40 Sensoren laufen", "3 Ämter nutzen die Daten"]


def test_plain_text_and_sections():
    assert plain_text("**fett** und _kursiv_ mit [Link](https://x.de) `code`") == (
        "fett und kursiv mit Link code")
    assert list(split_sections(BODY)) == ["Ausgangslage", "Ziele", "Umsetzung", "Ergebnisse",
                                          "Lessons Learned"]


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-05-01", "1. Mai 2026"), ("2022-03", "März 2022"), ("", ""), ("bald", "bald"),
])
def test_format_date_in_german(value, expected):
    assert format_date(value) == expected


def test_assemble_keeps_order_notes_and_skips_missing_cases():
    export = make_export(3, notes={"fall-2": "Auf Kosten eingehen"})
    assert [c.slug for c in export.cases] == ["fall-1", "fall-2", "fall-3"]
    assert [c.position for c in export.cases] == [1, 2, 3]
    assert export.cases[1].note == "Auf Kosten eingehen" and export.missing == ["geloescht"]
    case = export.cases[0]
    assert case.state == "Nordrhein-Westfalen" and case.status == "Betrieb"
    assert ("Einwohner", "64.000") in case.facts and ("Stand", "1. Mai 2026") in case.facts
    assert export.date_label == "12. Mai 2026"


# -- PPTX ---------------------------------------------------------------------------------------
def open_pptx(data: bytes):
    return Presentation(io.BytesIO(data))


def test_pptx_has_title_case_and_source_slides_with_notes():
    export = make_export(2, notes={"fall-2": "Frau Müller fragt nach den Kosten (€)."},
                         base_url="https://atlas.example")
    prs = open_pptx(render(export, "pptx"))
    slides = list(prs.slides)
    assert len(slides) == slide_count(export) == 4
    assert abs(prs.slide_width / prs.slide_height - 16 / 9) < 0.01
    assert slides[0].shapes.title.text == "Webinar „Starkregen“ – Größere Städte"
    assert slides[1].shapes.title.text == f"{GERMAN} Nr. 1"
    assert slides[3].shapes.title.text == "Quellen"
    slide_text = "\n".join(s.text_frame.text for s in slides[2].shapes if s.has_text_frame)
    assert "Stadt Größingen, Nordrhein-Westfalen · Projektstand: Betrieb" in slide_text
    assert "Klimafolgenanpassung" in slide_text
    assert "Die Feuerwehr plant damit ihre Einsätze." in slide_text
    assert "Frau Müller fragt nach den Kosten (€)." in slide_text
    assert "3 / 4" in slide_text
    notes = slides[1].notes_slide.notes_text_frame.text
    assert "Zusammenfassung: Eine Fließwegsimulation zeigt" in notes
    assert "Lessons Learned:" in notes and "Kanaldeckel mussten" in notes
    sources = "\n".join(s.text_frame.text for s in slides[3].shapes if s.has_text_frame)
    assert "https://example.org/bericht" in sources and "Erstellt mit dem Praxisatlas" in sources


def test_pptx_text_is_editable_german_and_linked():
    prs = open_pptx(render(make_export(1), "pptx"))
    assert prs.core_properties.language == "de-DE"
    assert prs.part._element.sldSz.get("type") is None  # widescreen, not "screen4x3"
    assert prs.core_properties.title == "Webinar „Starkregen“ – Größere Städte"
    links = []
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.shape_type == MSO_SHAPE_TYPE.PICTURE:
                assert shape._element.nvPicPr.cNvPr.get("descr"), "picture without alt text"
                continue
            assert shape.has_text_frame, "every shape is an editable text box"
            for paragraph in shape.text_frame.paragraphs:
                for run in paragraph.runs:
                    assert run._r.get_or_add_rPr().get("lang") == "de-DE"
                    if run.hyperlink.address:
                        links.append(run.hyperlink.address)
    assert "https://example.org/starkregen" in links


def test_pptx_splits_many_sources_over_several_slides():
    export = make_export(7)
    prs = open_pptx(render(export, "pptx"))
    titles = [s.shapes.title.text for s in prs.slides]
    assert len(titles) == 1 + 7 + 2 == slide_count(export)
    assert titles[-2:] == ["Quellen (1/2)", "Quellen (2/2)"]


# -- PDF ----------------------------------------------------------------------------------------
def test_pdf_handout_has_german_text_metadata_and_embedded_font():
    export = make_export(2, notes={"fall-1": "Hinweis für „Gäste“"},
                         base_url="https://atlas.example")
    reader = PdfReader(io.BytesIO(render(export, "pdf")))
    assert reader.metadata.title == "Webinar „Starkregen“ – Größere Städte"
    assert reader.trailer["/Root"]["/Lang"] == "de-DE"
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in ("Webinar „Starkregen“ – Größere Städte", "12. Mai 2026", "Stadt Größingen",
                     "Förderprogramm „Klima“", "Hinweis für „Gäste“", "64.000", "Zusammenfassung",
                     "Die Feuerwehr plant damit ihre Einsätze.", "12.000 €",
                     "https://example.org/bericht", "https://atlas.example/cases/fall-2"):
        assert expected in text
    assert " ".join(GERMAN.split()[:3]) in text
    assert len(reader.pages) <= 1 + 2 * 2
    fonts = {str(f["/BaseFont"]) for page in reader.pages
             for f in page["/Resources"]["/Font"].values()}
    assert fonts and all("DejaVu" in f for f in fonts)


def case_page_spans(reader: PdfReader) -> list[int]:
    """Return how many pages each case takes, from the PDF outline (cover first)."""
    starts = [reader.get_destination_page_number(entry) for entry in reader.outline]
    ends = [*starts[1:], len(reader.pages)]
    return [end - start for start, end in zip(starts, ends, strict=True)][1:]


def test_pdf_keeps_each_case_within_two_pages():
    long_text = "Dieser Absatz ist lang und enthält Umlaute wie ä, ö, ü und ß. " * 60
    long_body = "\n\n".join(f"## {name}\n{long_text}" for name in ("Ergebnisse", "Lessons Learned"))
    export = make_export(3, body=long_body, notes={"fall-2": "Bitte beachten. " * 37})
    crowded = replace(export.cases[2], sources=[f"https://example.org/q/{i}" for i in range(12)],
                      meta={**export.cases[2].meta, "partners": [
                          f"Partnerorganisation mit langem Namen Nr. {i}" for i in range(90)]})
    export = replace(export, cases=[*export.cases[:2], crowded])
    reader = PdfReader(io.BytesIO(render(export, "pdf")))
    assert [entry.title for entry in reader.outline][1:] == [c.title for c in export.cases]
    assert case_page_spans(reader) == [2, 2, 2]
    text = " ".join(page.extract_text() for page in reader.pages[5:]).replace("\n", " ")
    # The crowded case keeps all facts and sources; its long sections give way to key points.
    assert "Namen Nr. 89" in text and "… und 4 weitere (siehe Fallseite)" in text
    assert "Kernpunkte" in text and "Lessons Learned" not in text
    first = " ".join(page.extract_text() for page in reader.pages[1:3])
    assert "Lessons Learned" in first and "Ergebnisse" in first


# -- Markdown and CSV ---------------------------------------------------------------------------
def test_markdown_export():
    text = render(make_export(2, notes={"fall-2": "Bitte *kurz* halten"}), "md").decode("utf-8")
    assert text.startswith("# Webinar „Starkregen“ – Größere Städte\n")
    assert f"## 2. {GERMAN} Nr. 2" in text
    assert "> **Notiz der Moderation:** Bitte \\*kurz\\* halten" in text
    assert "- <https://example.org/starkregen>" in text and "Nicht mehr veröffentlicht" in text


def read_csv(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_csv_export_one_row_per_case():
    rows = read_csv(render(make_export(2, notes={"fall-1": "=HYPERLINK(\"x\")"}), "csv"))
    assert [r["slug"] for r in rows] == ["fall-1", "fall-2"]
    assert rows[0]["titel"] == f"{GERMAN} Nr. 1"
    assert rows[0]["bundesland"] == "Nordrhein-Westfalen" and rows[0]["einwohner"] == "64000"
    assert rows[0]["quellen"] == "https://example.org/starkregen | https://example.org/bericht"
    assert rows[0]["notiz"].startswith("'=")  # a spreadsheet must not run it as a formula
    assert len(rows[1]["kernpunkte"].split(" | ")) == 4


def test_search_csv_from_api_object():
    result = {"results": [{
        "slug": "a", "title": "Größe „A“", "municipality": "Köln", "state": "NW",
        "status": "pilot", "domains": ["wasser"], "summary": "S", "score": 0.5,
        "snippets": [{"section": "Ergebnisse", "text": "Treffer"}]}]}
    rows = read_csv(render_search_csv(result, "https://atlas.example"))
    assert rows == [{"rang": "1", "score": "0.500000", "slug": "a", "titel": "Größe „A“",
                     "kommune": "Köln", "bundesland": "Nordrhein-Westfalen",
                     "projektstand": "Pilot", "handlungsfelder": "Wasser, Abwasser und Hochwasser",
                     "zusammenfassung": "S", "fundstelle": "Ergebnisse: Treffer",
                     "url": "https://atlas.example/cases/a"}]


def test_filename_is_ascii():
    assert filename(make_export(1), "pptx") == "mappe-webinar-starkregen-groessere-staedte.pptx"
    assert set(FORMATS) == {"pptx", "pdf", "md", "csv"}


# -- kb export ----------------------------------------------------------------------------------
def run_cli(kb, args):
    return CliRunner().invoke(main, args, obj={"settings": kb.settings, "kb": kb},
                              catch_exceptions=False)


@pytest.mark.parametrize("fmt", ["pptx", "pdf", "md", "csv"])
def test_kb_export_writes_each_format(built, tmp_path, fmt):
    kb, _ = built
    row = create_collection(kb.engine, {"title": "Webinar Klima", "cases": [
        "starkregen-beispielstadt", "hitze-stadtbaeume-sensoren"]})
    target = tmp_path / "aus" / f"mappe.{fmt}"
    result = run_cli(kb, ["export", row.id, "--format", fmt, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "mit 2 Fällen" in result.output
    data = target.read_bytes()
    if fmt == "pptx":
        titles = [s.shapes.title.text for s in open_pptx(data).slides]
        assert titles == ["Webinar Klima", "Starkregengefahrenkarte im 3D-Stadtmodell",
                          "Bodenfeuchtesensoren für die Bewässerung von Stadtbäumen", "Quellen"]
    elif fmt == "pdf":
        text = PdfReader(io.BytesIO(data)).pages[1].extract_text()
        assert "Starkregengefahrenkarte im 3D-Stadtmodell" in text and "Nordrhein-Westfalen" in text
    elif fmt == "md":
        assert "## 1. Starkregengefahrenkarte im 3D-Stadtmodell" in data.decode("utf-8")
    else:
        assert [r["slug"] for r in read_csv(data)] == ["starkregen-beispielstadt",
                                                       "hitze-stadtbaeume-sensoren"]
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_new_collection_ids_never_look_like_options():
    # One plain token in 64 starts with "-"; 2,000 draws would hit about 31 of them.
    ids = [new_collection_id() for _ in range(2000)]
    assert all(i[0].isalnum() for i in ids)
    assert len(set(ids)) == len(ids) and all(len(i) == 12 for i in ids)


def test_kb_export_accepts_an_older_id_beginning_with_a_dash(built, tmp_path):
    kb, _ = built
    with session_factory(kb.engine).begin() as session:
        session.add(CollectionRow(id="-6Fq_altMappe", edit_token="t" * 32, title="Alte Mappe",
                                  description="", event_date=None,
                                  items=[{"slug": "starkregen-beispielstadt", "note": ""}]))
    target = tmp_path / "alt.csv"
    result = run_cli(kb, ["export", "-6Fq_altMappe", "--format", "csv", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert [r["slug"] for r in read_csv(target.read_bytes())] == ["starkregen-beispielstadt"]
    args = ["export", "-6Fq_altMappe", "--format", "csv", "-o", str(target)]
    assert run_cli(kb, [*args, "--gibts"]).exit_code == 2


def test_kb_export_unknown_collection_leaves_file_alone(built, tmp_path):
    kb, _ = built
    target = tmp_path / "mappe.pdf"
    target.write_text("alt")
    result = run_cli(kb, ["export", "gibt-es-nicht", "--format", "pdf", "-o", str(target)])
    assert result.exit_code == 1 and "Die Mappe „gibt-es-nicht“ gibt es nicht" in result.output
    assert target.read_text() == "alt" and len(list(tmp_path.iterdir())) == 1
