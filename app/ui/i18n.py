"""Translatable strings: one table per language, English first; widgets never hard-code text."""

from __future__ import annotations

from typing import Any

from app.ui.strings_de import DE
from app.ui.strings_en import EN

TABLES: dict[str, dict[str, str]] = {"en": EN, "de": DE}
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}


class Strings:
    """Attribute access to one language (`t.start`), falling back to English, then to the key."""

    def __init__(self, language: str = "en") -> None:
        self.language = language if language in TABLES else "en"
        self._table = TABLES[self.language]

    def get(self, key: str) -> str:
        return self._table.get(key) or EN.get(key) or key

    def __getattr__(self, key: str) -> str:
        # Only table keys are attributes: Kivy probes objects (e.g. `fbind`) and must hear no.
        if key not in EN:
            raise AttributeError(key)
        return self.get(key)

    def f(self, key: str, **values: Any) -> str:
        """A formatted string: `t.f("soak_left", s=42)`."""
        try:
            return self.get(key).format(**values)
        except (KeyError, IndexError, ValueError):
            return EN.get(key, key).format(**values)

    def has(self, key: str) -> bool:
        """True when `key` is a string of the tables (not just echoed back by `get`)."""
        return key in EN

    def state(self, state: str) -> str:
        return self.get("state_" + state)


def missing_keys(language: str) -> list[str]:
    """Keys English has that `language` lacks (a test keeps translations complete)."""
    return sorted(set(EN) - set(TABLES[language]))
