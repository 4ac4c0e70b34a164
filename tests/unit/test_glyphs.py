"""Every character the kiosk shows in text is in the shipped Roboto, so none is drawn as tofu."""

from __future__ import annotations

import ast

import pytest

from app.ui.fontfile import char_map
from tests.support import ROOT

FONTS = ROOT / "assets" / "fonts"
# the icon font's own modules: their code points belong to materialdesignicons-webfont.ttf
ICON_MODULES = {"icons.py", "icon_map.py", "fontfile.py"}


def _docstrings(tree: ast.AST) -> set[str]:
    kinds = ast.Module | ast.ClassDef | ast.FunctionDef
    nodes = [n for n in ast.walk(tree) if isinstance(n, kinds)]
    return {doc for n in nodes if (doc := ast.get_docstring(n, clean=False))}


def shown_texts() -> list[tuple[str, str]]:
    """Text the kiosk may draw: string constants of app/ui (not docstrings) and kv lines (not
    comments), by where they come from."""
    found: list[tuple[str, str]] = []
    for path in sorted((ROOT / "app" / "ui").glob("*.py")):
        if path.name in ICON_MODULES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and text not in docs:
                found.append((f"{path.name}:{node.lineno}", text))
    for path in sorted((ROOT / "kv").glob("*.kv")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.lstrip().startswith("#"):
                found.append((f"{path.name}:{number}", line.split(" #", 1)[0]))
    return found


@pytest.mark.parametrize("font", ["Roboto-Regular.ttf", "Roboto-Medium.ttf", "Roboto-Bold.ttf"])
def test_every_shown_character_is_in_the_shipped_font(font: str) -> None:
    glyphs = char_map((FONTS / font).read_bytes())
    missing = {
        f"{where}: {ch!r} U+{ord(ch):04X}"
        for where, text in shown_texts()
        for ch in text
        if ord(ch) > 0x7F and ord(ch) not in glyphs
    }
    assert not missing, sorted(missing)


def test_the_scan_sees_the_strings_the_operator_reads() -> None:
    texts = "\n".join(text for _, text in shown_texts())
    assert "°C" in texts and ("ä" in texts or "ü" in texts)  # units and German strings are scanned
