"""Section-aware chunking: prefixes, merging, overlap, and the hard token limit."""

from kb.cases import parse_case
from kb.chunking import OVERVIEW_SECTION, chunk_case

HEAD = """---
title: Ein Testfall zur Zerlegung
municipality: Stadt Test
municipality_type: stadt
state: NW
domains: [wasser]
status: pilot
summary: Eine kurze Zusammenfassung des Testfalls.
updated: 2026-01-01
---
"""


def words(n, word="wort"):
    return " ".join(f"{word}{i}." if i % 10 == 9 else f"{word}{i}" for i in range(n))


def count(text):
    return len(text.split())


def make(body):
    case, problems = parse_case(HEAD + body, "test-fall")
    assert not problems
    return case


def test_sections_become_chunks_with_title_and_section_prefix():
    case = make(f"## Ausgangslage\n{words(50)}\n\n## Ziele\n{words(50, 'ziel')}")
    chunks = chunk_case(case, count, max_tokens=100)
    assert [c.section for c in chunks] == [OVERVIEW_SECTION, "Ausgangslage", "Ziele"]
    assert chunks[1].indexed_text.startswith("Ein Testfall zur Zerlegung – Ausgangslage\n")


def test_tiny_sections_are_merged_into_the_next():
    case = make(f"## Ziele\nKurz.\n\n## Umsetzung\n{words(60)}")
    chunks = chunk_case(case, count, max_tokens=200)
    assert [c.section for c in chunks] == [OVERVIEW_SECTION, "Ziele / Umsetzung"]
    assert chunks[1].text.startswith("Kurz.")


def test_long_sections_are_split_with_overlap_and_never_exceed_the_limit():
    case = make(f"## Umsetzung\n{words(500)}")
    chunks = chunk_case(case, count, max_tokens=80, overlap_tokens=20)
    body = [c for c in chunks if c.section == "Umsetzung"]
    assert len(body) > 6
    assert all(count(c.indexed_text) <= 80 for c in chunks)
    first, second = body[0].text.split(), body[1].text.split()
    assert set(first[-10:]) & set(second[:20]), "consecutive pieces overlap"
    covered = set(w for c in body for w in c.text.split())
    assert covered == set(words(500).split()), "no word is lost"


def test_a_single_huge_sentence_is_split_at_words():
    case = make("## Umsetzung\n" + " ".join(["lang"] * 300))
    chunks = chunk_case(case, count, max_tokens=50)
    assert all(count(c.indexed_text) <= 50 for c in chunks)
    assert sum(c.text.count("lang") for c in chunks) >= 300


def test_ordinals_are_consecutive():
    case = make(f"## A\n{words(100)}\n## B\n{words(100)}")
    chunks = chunk_case(case, count, max_tokens=60)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_a_word_longer_than_the_limit_is_cut():
    def chars(text):  # one token per 4 characters, like a subword tokenizer on a URL
        return sum(max(1, len(w) // 4) for w in text.split())

    url = "https://example.org/" + "a" * 800
    case = make(f"## Quellen\nSiehe {url} für Details.")
    chunks = chunk_case(case, chars, max_tokens=60)
    assert all(chars(c.indexed_text) <= 60 for c in chunks)
    assert "".join(c.text for c in chunks).count("a" * 50) >= 10
