"""Strings live in tables, not widgets: every language has every key, every kv key exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.ui.i18n import EN, TABLES, Strings, missing_keys

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("language", sorted(TABLES))
def test_every_language_is_complete(language: str) -> None:
    assert missing_keys(language) == []


@pytest.mark.parametrize("language", sorted(TABLES))
def test_placeholders_match_english(language: str) -> None:
    def fields(text: str) -> set[str]:
        return set(re.findall(r"{(\w+)", text))

    bad = [k for k, v in TABLES[language].items() if fields(v) != fields(EN[k])]
    assert bad == []


def test_every_key_used_in_kv_and_python_exists() -> None:
    used: set[str] = set()
    for path in [*ROOT.glob("kv/*.kv"), *ROOT.glob("app/ui/*.py")]:
        text = path.read_text()
        used |= set(re.findall(r"(?<!\w)t\.(?!f\b|get\b|language\b|state\b)(\w+)\b(?!\()", text))
        used |= set(re.findall(r"\bt\.f\(\"(\w+)\"", text))
    assert sorted(used - set(EN)) == []


def test_unknown_attribute_is_an_error_not_a_string() -> None:
    t = Strings("de")
    assert t.start == "START" and t.f("soak_left", s=12) == "Halten 12 s"
    with pytest.raises(AttributeError):
        _ = t.fbind  # Kivy probes objects like this; a string answer would break bindings


def test_no_literal_text_in_kv() -> None:
    """kv files take their words from `app.t`; only symbols and numbers are literal."""
    offenders = []
    for path in ROOT.glob("kv/*.kv"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            match = re.match(r"\s*(text|caption|sub|title):\s*\"([^\"]*)\"\s*$", line)
            if match and re.search(r"[A-Za-z]{2,}", match.group(2)):
                offenders.append(f"{path.name}:{n}: {line.strip()}")
    assert offenders == []


def test_config_accepts_exactly_the_languages_there_are_tables_for() -> None:
    from typing import get_args

    from machine_config.config import UiConfig

    assert set(get_args(UiConfig.model_fields["language"].annotation)) == set(TABLES)
