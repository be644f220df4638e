"""German analysis: folding, stemming, stop words, decompounding, sentences, sections."""

from kb.text import (
    analyze,
    fold,
    split_compound,
    split_sections,
    split_sentences,
    stem,
    tokenize,
    vocabulary,
)

DICT = frozenset(fold(w) for w in [
    "starkregen", "gefahren", "karte", "gefahrenkarte", "wärme", "planung", "klima", "folgen",
    "anpassung", "stadt", "modell", "hitze", "insel", "keller", "straße", "bäume",
])


def test_fold_umlauts_and_sharp_s():
    assert fold("Wärmeplanung") == fold("Waermeplanung") == "waermeplanung"
    assert fold("Straße") == "strasse"
    assert fold("Café") == "cafe"


def test_umlaut_spellings_share_a_stem():
    assert stem("wärmeplanung") == stem("waermeplanung")
    assert stem("überflutungen") == stem("ueberflutungen")
    assert stem("häuser") == stem("haeuser")


def test_inflections_share_a_stem():
    assert stem("gefahrenkarten") == stem("gefahrenkarte")
    assert stem("planungen") == stem("planung")


def test_stopwords_are_dropped():
    assert analyze("Die Stadt und der Keller") == [stem("stadt"), stem("keller")]


def test_tokenize_splits_hyphens_and_keeps_digits():
    assert tokenize("3D-Stadtmodell (LoD2)") == ["3d", "stadtmodell", "lod2"]


def test_compound_split_uses_fewest_known_parts():
    assert split_compound("starkregengefahrenkarte", DICT) == ["starkregen", "gefahrenkarte"]
    assert split_compound(fold("Klimafolgenanpassung"), DICT) == ["klima", "folgen", "anpassung"]


def test_compound_split_with_linking_s():
    words = DICT | {"stadtteil", "zentrum"}
    assert split_compound("stadtteilszentrum", words) == ["stadtteil", "zentrum"]


def test_unknown_or_short_words_are_not_shredded():
    assert split_compound("kellerraum", DICT) == []  # "raum" is not in the dictionary
    assert split_compound("keller", DICT) == []  # too short to be split
    assert split_compound("wasserstoff", DICT) == []


def test_compound_parts_become_terms_and_the_original_stays():
    terms = analyze("Starkregengefahrenkarte", DICT)
    assert stem("starkregengefahrenkarte") in terms
    assert stem("starkregen") in terms and stem("gefahrenkarte") in terms
    # the query "Klimafolgen" and a document "Klimafolgenanpassung" share terms
    assert set(analyze("Klimafolgen", DICT)) & set(analyze("Klimafolgenanpassung", DICT))


def test_vocabulary_is_folded_and_skips_stopwords():
    assert vocabulary(["Die Wärme der Straße", "und 2024"]) == {"waerme", "strasse"}


def test_split_sections_ignores_headings_in_code_fences():
    body = "Vorwort\n\n## Ziele\nA\n```\n## kein Abschnitt\n```\n## Ergebnisse\nB"
    names = [n for n, _ in split_sections(body)]
    assert names == ["Einleitung", "Ziele", "Ergebnisse"]


def test_split_sentences_keeps_all_words():
    text = "Erster Satz. Zweiter Satz! Dritter: mit Liste\n- a\n- b"
    parts = split_sentences(text)
    assert len(parts) >= 3
    assert " ".join(parts).split() == text.split()


def test_strip_markdown_for_snippets():
    from kb.text import strip_markdown

    text = "- **Fließwege** sind [keine Simulation](https://x.de)\n## Titel\n1. `Code` und *mehr*"
    assert strip_markdown(text) == "Fließwege sind keine Simulation\nTitel\nCode und mehr"
