"""Every icon the kiosk names has a glyph in the font it ships (no tofu boxes, no blank buttons)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.ui.fontfile import FontError, char_map, glyph_names, named_code_points
from app.ui.icon_map import ICON_FONT, icons_used, render
from app.ui.icons import ICONS

FONTS = ICON_FONT.parent


def test_every_icon_used_in_kv_and_app_ui_is_in_the_map() -> None:
    missing = sorted(icons_used() - ICONS.keys())
    assert missing == [], f"run `python -m app.ui.icon_map` to add {missing}"


def test_the_map_is_what_the_generator_writes_now() -> None:
    """No stale entries, no hand edits: the checked-in file equals a fresh run."""
    assert Path(__file__).parents[2].joinpath("app/ui/icons.py").read_text() == render(icons_used())


def test_each_mapped_code_point_is_the_glyph_of_that_name_in_the_shipped_font() -> None:
    data = ICON_FONT.read_bytes()
    cmap, names = char_map(data), glyph_names(data)
    for name, glyph in ICONS.items():
        index = cmap.get(ord(glyph))
        assert index is not None, f"{name}: U+{ord(glyph):X} has no glyph (a tofu box)"
        assert names[index] == name


def test_the_scanner_finds_icons_in_kv_expressions_keywords_attributes_and_icon_tables(
    tmp_path: Path,
) -> None:
    (tmp_path / "kv").mkdir()
    (tmp_path / "app" / "ui").mkdir(parents=True)
    kv = (
        '<X>:\n    icon: "stop"\n    icon: "a" if app.user else "b"\n'
        '    icon: "g" if root.step == "name" else "h"\n'
    )
    (tmp_path / "kv" / "a.kv").write_text(kv)
    (tmp_path / "app" / "ui" / "m.py").write_text(
        'NAV_ICONS = {"overview": "c"}\n'
        'b = PanelButton(icon="d", caption="not an icon")\n'
        'b.icon = "e" if on else "f"\n'
    )
    assert icons_used(tmp_path) == {"stop", "a", "b", "c", "d", "e", "f", "g", "h"}  # not "name"


def test_an_icon_the_font_lacks_is_named_and_nothing_is_written() -> None:
    with pytest.raises(KeyError, match="no-such-icon"):
        render({"stop", "no-such-icon"})


def test_the_text_fonts_have_the_characters_the_kiosk_writes() -> None:
    for font in ("Roboto-Regular.ttf", "Roboto-Medium.ttf", "Roboto-Bold.ttf"):
        cmap = char_map((FONTS / font).read_bytes())
        assert all(ord(c) in cmap for c in "0123456789 °C±–…äöüÄÖÜß%/"), font


def test_a_file_that_is_not_a_font_is_refused_by_name(tmp_path: Path) -> None:
    fake = tmp_path / "icons.ttf"
    fake.write_text("<html>not found</html>")
    with pytest.raises(FontError, match="not a TrueType font"):
        named_code_points(fake)
