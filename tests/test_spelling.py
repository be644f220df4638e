"""Spelling correction of unknown query words, with the real German word list."""

import pytest

from kb.spelling import Speller, WordList, german_words, max_edits
from kb.text import stem

CORPUS_WORDS = {"hochwasser", "fruehwarnsystem", "stadtwald", "vorrang", "verkehrsmanagement",
                "baugenehmigung", "datenschutz", "pegel", "starkregen", "gefahrenkarte",
                "heute"}
FREQUENCY = {"hochwasser": 30}


def speller(general=frozenset()):
    stems = {stem(w) for w in CORPUS_WORDS}
    return Speller(CORPUS_WORDS, stems.__contains__, lambda w: FREQUENCY.get(w, 1), general)


@pytest.mark.parametrize(("token", "meant"), [
    ("hochwaser", "hochwasser"),            # one letter missing
    ("Frühwarnsytem", "fruehwarnsystem"),   # umlaut spelled as ü, one letter missing
    ("stadwald", "stadtwald"),
    ("vorang", "vorrang"),
    ("verkehrsmanagment", "verkehrsmanagement"),
    ("baugenemigung", "baugenehmigung"),
    ("datenschtuz", "datenschutz"),          # swapped letters count as one edit
])
def test_typos_are_corrected_to_corpus_words(token, meant):
    assert speller().correct_word(token) == meant


@pytest.mark.parametrize("token", [
    "hochwasser", "Hochwassers",      # known, or an inflection of a known word
    "starkregengefahrenkarte",        # a compound of known parts
    "pegl", "Kita",                   # too short to correct safely
    "xylophonorchester",              # too far from every corpus word
    "3d", "2024",
])
def test_known_short_or_far_words_are_left_alone(token):
    assert speller().correct_word(token) is None


def test_ties_go_to_the_more_frequent_corpus_word():
    tie = Speller({"abcdefgh", "abcdefgk"}, lambda s: False,
                  {"abcdefgh": 1, "abcdefgk": 9}.get)
    assert tie.correct_word("abcdefgx") == "abcdefgk"


def test_ordinary_german_words_outside_the_corpus_are_not_corrected():
    general = german_words()
    assert len(general) > 300_000
    # Real words a department head writes that no case uses: without the word list they would
    # be "corrected" to corpus words that look alike.
    plain = speller(frozenset())
    checked = speller(general)
    assert plain.correct_word("Leute") == "heute"
    assert checked.correct_word("Leute") is None
    assert checked.correct_word("hochwaser") == "hochwasser"
    assert checked.correct("Unsere Leute fürchten das Hochwaser") == {"hochwaser": "hochwasser"}


def test_word_list_answers_membership_for_its_words_only():
    words = WordList(["leute", "strasse", "leute", "hochwasser"])
    assert len(words) == 3
    assert "leute" in words and "strasse" in words and "hochwasser" in words
    assert "Leute" not in words and "hochwaser" not in words and "" not in words
    assert 17 not in words
    assert "x" not in WordList([])


def test_general_word_list_is_folded_like_query_words():
    general = german_words()
    # Stored folded: umlauts and ß as the analyzer writes them, never as typed.
    assert "groesse" in general and "strasse" in general and "fuerchten" in general
    assert "größe" not in general
    assert "hochwaser" not in general


def test_longer_words_allow_two_edits():
    assert max_edits("vorang") == 1 and max_edits("hochwaser") == 2
    assert speller().correct_word("hochwsaer") == "hochwasser"
