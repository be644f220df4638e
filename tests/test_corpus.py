"""The shipped corpus: every case valid, the template valid, and the breadth rules hold."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from kb.cases import DOMAINS, load_cases

CONTENT = Path(__file__).parents[1] / "content"


@pytest.fixture(scope="module")
def shipped():
    cases, problems = load_cases(CONTENT / "cases")
    return cases, problems


def test_every_shipped_case_is_valid(shipped):
    _, problems = shipped
    assert problems == [], "\n".join(map(str, problems))


def test_template_is_valid_once_copied(tmp_path):
    shutil.copy(CONTENT / "_vorlage.md", tmp_path / "neuer-fall.md")
    cases, problems = load_cases(tmp_path)
    assert problems == [] and len(cases) == 1


def test_at_least_sixty_cases(shipped):
    assert len(shipped[0]) >= 60


def test_every_domain_has_three_cases(shipped):
    counts = Counter(d for c in shipped[0] for d in c.meta["domains"])
    assert {d: counts[d] for d in DOMAINS if counts[d] < 3} == {}


def test_at_least_twelve_states(shipped):
    assert len({c.meta["state"] for c in shipped[0]}) >= 12


def test_municipality_types_in_practice(shipped):
    types = {c.meta["municipality_type"] for c in shipped[0]}
    assert {"gemeinde", "stadt", "kreisfreie-stadt", "kreis", "stadtstaat", "verband",
            "land"} <= types


def test_all_stages_from_planning_to_finished(shipped):
    statuses = {c.meta["status"] for c in shipped[0]}
    assert {"planung", "pilot", "umsetzung", "betrieb", "abgeschlossen"} <= statuses


def test_every_case_is_sourced_and_has_the_sections(shipped):
    for case in shipped[0]:
        assert case.meta.get("sources"), case.slug
        headings = re.findall(r"^## (.+)$", case.body, flags=re.M)
        assert {"Ausgangslage", "Umsetzung", "Lessons Learned"} <= set(headings), case.slug


def test_case_length_is_400_to_1200_words(shipped):
    wrong = {c.slug: len(c.body.split()) for c in shipped[0]
             if not 400 <= len(c.body.split()) <= 1200}
    assert wrong == {}


def test_no_personal_email_addresses(shipped):
    for case in shipped[0]:
        assert "contact" not in case.meta, case.slug
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", case.body), case.slug
