"""The README documents every setting and every command (a missing line fails)."""

from pathlib import Path

import pytest

from kb.cli import main
from kb.settings import documented_settings

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("variable", [row[0] for row in documented_settings()])
def test_every_setting_is_documented(variable):
    assert f"`{variable}`" in README


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_is_documented(command):
    assert f"`kb {command}" in README


def test_readme_starts_with_the_two_commands():
    head = README[:1500]
    assert "make run" in head and "make test" in head
