"""ISA-101 palette: calm greys for normal, colour only for abnormal states; shared sizes."""

from __future__ import annotations

import sys
from pathlib import Path

RGBA = tuple[float, float, float, float]


def _hex(code: str, alpha: float = 1.0) -> RGBA:
    code = code.lstrip("#")
    r, g, b = (int(code[i : i + 2], 16) / 255.0 for i in (0, 2, 4))
    return (r, g, b, alpha)


class C:
    """Colours by meaning (kv: `#:import C app.ui.theme.C`)."""

    bg = _hex("#c8c8c8")  # screen background: mid grey, low glare
    panel = _hex("#dcdcdc")  # grouped content
    panel_edge = _hex("#a6a6a6")
    header = _hex("#b4b4b4")
    text = _hex("#161616")
    text_dim = _hex("#4a4a4a")
    text_off = _hex("#8a8a8a")
    value = _hex("#0a0a0a")  # process values: the darkest ink on the screen
    button = _hex("#bdbdbd")
    button_down = _hex("#979797")
    button_edge = _hex("#6e6e6e")
    button_blocked = _hex("#d2d2d2")
    selected = _hex("#34495e")  # the one accent: which tab/zone is selected
    selected_text = _hex("#f2f2f2")
    bar_track = _hex("#f0f0f0")
    bar_fill = _hex("#5a5a5a")
    setpoint = _hex("#1f3f66")  # setpoint trace/marker: dark blue, not an alarm colour
    trip = _hex("#d01010")  # abnormal: trip / high priority
    trip_text = _hex("#ffffff")
    warning = _hex("#f2b600")  # abnormal: warning
    warning_text = _hex("#161616")
    info = _hex("#7a8ea3")
    shelved = _hex("#9a8fb0")
    blank = (0.0, 0.0, 0.0, 1.0)
    grid = _hex("#b0b0b0")
    plot_bg = _hex("#e8e8e8")
    series = (_hex("#111111"), _hex("#555555"), _hex("#1f3f66"), _hex("#6b4f2a"), _hex("#3d6b4f"))


# The fonts ship with the kiosk (assets/fonts, licences beside them): the source tree's copy,
# or the one a wheel installs under <prefix>/share/tvemicro/fonts.
_TREE_FONTS = Path(__file__).resolve().parents[2] / "assets" / "fonts"
_WHEEL_FONTS = Path(sys.prefix) / "share" / "tvemicro" / "fonts"
FONTS_DIR = _TREE_FONTS if _TREE_FONTS.is_dir() else _WHEEL_FONTS
FONT = str(FONTS_DIR / "Roboto-Regular.ttf")
FONT_MEDIUM = str(FONTS_DIR / "Roboto-Medium.ttf")
FONT_BOLD = str(FONTS_DIR / "Roboto-Bold.ttf")
ICON_FONT = str(FONTS_DIR / "materialdesignicons-webfont.ttf")  # glyph names: app/ui/icons.py

BASE_W, BASE_H = 800, 480  # layouts are drawn in units of the smallest supported panel

# Glove sizes in layout units (1 unit = 1 px at 800×480). On the official 7" panel
# (154.08 × 85.92 mm active area) a pixel is 0.193 mm wide and 0.179 mm tall, so 15 mm is
# 78 px across and 84 px high, 2 mm is 11 px and 3 mm of text is 17 px.
TARGET_W = 80  # narrowest touch target
TARGET_H = 84  # lowest touch target; the header and nav bars are exactly this high
GAP = 12  # space between two targets
KEY_GAP = 11  # between the letter keys: 9 keys of 15 mm and 8 gaps of 2 mm fit 800 px
TEXT_MIN = 17  # smallest font for reasons, status and values


def unit(width: int, height: int) -> float:
    """Pixels per layout unit: 1.0 on 800×480, 1.6 on 1280×800."""
    return max(0.5, min(width / BASE_W, height / BASE_H))


def severity_colour(severity: str) -> RGBA:
    return {"trip": C.trip, "warning": C.warning}.get(severity, C.info)


def severity_text(severity: str) -> RGBA:
    return C.trip_text if severity == "trip" else C.warning_text
