"""Layout audit of the running kiosk: each visible touch target's box in px and mm, whether
another widget takes its touches (covered) and whether it lies fully on screen."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from kivy.core.window import Window
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.scrollview import ScrollView
from kivy.uix.stencilview import StencilView
from kivy.uix.textinput import TextInput

Box = tuple[float, float, float, float]  # x, y, right, top in window pixels (origin bottom left)

OFFICIAL_7IN_MM = (154.08, 85.92)  # Raspberry Pi 7" touch display, active area
MIN_TARGET_MM = 15.0
MIN_GAP_MM = 2.0
MIN_TEXT_MM = 3.0


@dataclass(frozen=True, slots=True)
class Panel:
    """The physical screen: millimetres per pixel across and down."""

    width_px: int
    height_px: int
    width_mm: float
    height_mm: float

    @classmethod
    def of(cls, size: tuple[int, int], diag_in: float | None = None) -> Panel:
        """`size` is the content's (after rotation). `diag_in` assumes square pixels; without it
        800×480 is the official 7" panel (480×800 when mounted turned) and anything else a 10.1"
        panel."""
        w, h = size
        if diag_in is None and (w, h) == (800, 480):
            return cls(w, h, *OFFICIAL_7IN_MM)
        if diag_in is None and (w, h) == (480, 800):
            return cls(w, h, OFFICIAL_7IN_MM[1], OFFICIAL_7IN_MM[0])
        diag_mm = (diag_in or 10.1) * 25.4
        per_px = diag_mm / math.hypot(w, h)
        return cls(w, h, w * per_px, h * per_px)

    @property
    def mm_x(self) -> float:
        return self.width_mm / self.width_px

    @property
    def mm_y(self) -> float:
        return self.height_mm / self.height_px


def window_box(w: Any) -> Box:
    x, y = w.to_window(w.x, w.y)
    return (x, y, x + w.width, y + w.height)


def _inside(box: Box, px: float, py: float) -> bool:
    return box[0] <= px <= box[2] and box[1] <= py <= box[3]


def _intersect(a: Box, b: Box) -> Box:
    return (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))


def is_target(w: Any) -> bool:
    return isinstance(w, ButtonBehavior | TextInput)


def shown(w: Any) -> bool:
    """Drawn with some size and no transparent ancestor."""
    if w.width <= 0 or w.height <= 0:
        return False
    node = w
    while node is not None and node is not Window:
        if getattr(node, "opacity", 1) <= 0:
            return False
        node = node.parent
    return True


def visible_box(w: Any) -> Box:
    """The part of `w` not clipped away by an enclosing scroll view (stencil)."""
    box = window_box(w)
    node = w.parent
    while node is not None and node is not Window:
        if isinstance(node, StencilView):
            box = _intersect(box, window_box(node))
        node = node.parent
    return box


def hit(px: float, py: float) -> Any:
    """The widget that would take a touch at window point (px, py), in Kivy's dispatch order."""
    for top in Window.children:
        found = _hit(top, px, py)
        if found is not None:
            return found
    return None


def _hit(w: Any, px: float, py: float) -> Any:
    inside = _inside(window_box(w), px, py)
    if isinstance(w, ModalView):
        passed = w.pass_target(px, py) if hasattr(w, "pass_target") else None
        if passed is not None:
            return passed
    if isinstance(w, ScrollView) and not inside:
        return None
    if w.disabled and inside:
        return w
    for child in w.children:
        found = _hit(child, px, py)
        if found is not None:
            return found
    if isinstance(w, ModalView) or (inside and (is_target(w) or isinstance(w, ScrollView))):
        return w
    return None


def _other(taker: Any, w: Any) -> bool:
    return taker is not None and taker.uid != w.uid


def _points(box: Box) -> list[tuple[float, float]]:
    xs = [box[0] + f * (box[2] - box[0]) for f in (0.1, 0.5, 0.9)]
    ys = [box[1] + f * (box[3] - box[1]) for f in (0.1, 0.5, 0.9)]
    return [(x, y) for x in xs for y in ys]


def widget_id(w: Any) -> str:
    """The kv id that names `w` in one of its ancestors' rules, or ''."""
    node = w.parent
    while node is not None and node is not Window:
        for key, value in getattr(node, "ids", {}).items():
            if getattr(value, "uid", None) == w.uid:
                return str(key)
        node = node.parent
    return ""


def label_of(w: Any) -> str:
    text = getattr(w, "caption", "") or getattr(w, "text", "") or getattr(w, "hint_text", "")
    return str(text).split("\n")[0]


def targets_in(roots: list[Any]) -> list[Any]:
    found = []
    for root in roots:
        found += [w for w in root.walk(restrict=True) if is_target(w) and shown(w)]
    return [w for w in found if _area(visible_box(w)) > 0]


def _centre(box: Box) -> tuple[float, float]:
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def _area(box: Box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def gap_mm(a: Box, b: Box, panel: Panel) -> float:
    dx = max(0.0, b[0] - a[2], a[0] - b[2]) * panel.mm_x
    dy = max(0.0, b[1] - a[3], a[1] - b[3]) * panel.mm_y
    return math.hypot(dx, dy)


def describe(w: Any, panel: Panel, others: list[Any]) -> dict[str, Any]:
    """One target's row of the audit."""
    box, seen = window_box(w), visible_box(w)
    takers = {k.uid: k for k in (hit(px, py) for px, py in _points(seen)) if _other(k, w)}
    cover = next(iter(takers.values()), None)
    gaps = [gap_mm(seen, visible_box(o), panel) for o in others if o is not w]
    return {
        "id": widget_id(w),
        "text": label_of(w),
        "kind": type(w).__name__,
        "px": [round(box[0], 1), round(box[1], 1), round(box[2] - box[0], 1),
               round(box[3] - box[1], 1)],
        "mm": [round((box[2] - box[0]) * panel.mm_x, 1), round((box[3] - box[1]) * panel.mm_y, 1)],
        "covered": cover is not None,
        "covered_by": "" if cover is None else f"{type(cover).__name__} {widget_id(cover)}".strip(),
        "on_screen": box[0] >= -0.5 and box[1] >= -0.5 and box[2] <= panel.width_px + 0.5
        and box[3] <= panel.height_px + 0.5,
        "scrolled": seen != box,
        "gap_mm": round(min(gaps), 1) if gaps else None,
    }  # fmt: skip


def small_texts(roots: list[Any], panel: Panel) -> list[dict[str, Any]]:
    """Visible labels whose font is under MIN_TEXT_MM high (the em size, as typographers do)."""
    rows = []
    for root in roots:
        for w in root.walk(restrict=True):
            if isinstance(w, Label) and w.text.strip() and shown(w):
                height_mm = w.font_size * panel.mm_y
                if height_mm < MIN_TEXT_MM - 0.05:
                    rows.append({"id": widget_id(w), "text": label_of(w)[:40],
                                 "mm": round(height_mm, 1)})  # fmt: skip
    return rows


def cut_texts(roots: list[Any]) -> list[dict[str, Any]]:
    """Visible one-line labels whose text is wider than their box: Kivy shows them cut ('…')."""
    rows = []
    for root in roots:
        for w in root.walk(restrict=True):
            if not (isinstance(w, Label) and w.shorten and w.text.strip() and shown(w)):
                continue
            room = w.text_size[0] - 2 * (w.padding[0] if w.padding else 0)
            if w.text_size[0] and w._label.get_extents(w.text)[0] > room + 1:
                rows.append({"id": widget_id(w), "text": label_of(w)[:60]})
    return rows


def overflow_texts(roots: list[Any]) -> list[dict[str, Any]]:
    """Visible wrapping labels (button captions too) whose lines need more height than the
    label has: the first or last line is drawn outside it, e.g. a caption pushed off its button."""
    from kivy.core.text import Label as CoreLabel
    from kivy.core.text.markup import MarkupLabel

    rows = []
    for root in roots:
        for w in root.walk(restrict=True):
            fixed = isinstance(w, Label) and not w.shorten and w.text_size[0] and w.text_size[1]
            if not (fixed and w.text.strip() and shown(w)):
                continue
            kind = MarkupLabel if w.markup else CoreLabel
            free = kind(text=w.text, font_size=w.font_size, font_name=w.font_name,
                        text_size=(w.text_size[0], None), padding=w.padding, halign=w.halign,
                        max_lines=w.max_lines, line_height=w.line_height)  # fmt: skip
            free.refresh()
            if free.texture is not None and free.texture.height > w.height + 1:
                rows.append({"id": widget_id(w), "text": label_of(w)[:60]})
    return rows


def audit_view(roots: list[Any], panel: Panel) -> dict[str, Any]:
    """Every visible target under `roots` (the frame, the screen and any open sheet)."""
    found = targets_in(roots)
    if any(isinstance(r, ModalView) for r in roots):  # what a sheet hides is not a target now
        found = [w for w in found if not _other(hit(*_centre(visible_box(w))), w)]
    rows = [describe(w, panel, found) for w in found]
    cut, over = cut_texts(roots), overflow_texts(roots)
    words = [f"text cut to …: {c['text']}" for c in cut]
    words += [f"text taller than its box: {o['id'] or o['text']}" for o in over]
    return {"targets": rows, "small_text": small_texts(roots, panel), "cut_text": cut,
            "overflow_text": over, "problems": problems(rows) + words}  # fmt: skip


def problems(rows: list[dict[str, Any]]) -> list[str]:
    """The audit's verdict in words: what breaks a glove rule."""
    out = [p for r in rows for p in _row_problems(r)]
    for target, words in (("stop", "STOP"), ("estop", "E-STOP")):
        if not any(r["id"] == target and not r["covered"] and r["on_screen"] for r in rows):
            out.append(f"no usable {words}")
    return out


def _row_problems(r: dict[str, Any]) -> list[str]:
    """What breaks a glove rule for one target (size, gap, covered, off screen)."""
    out = []
    name = r["id"] or r["text"] or r["kind"]
    if min(r["mm"]) < MIN_TARGET_MM - 0.05:
        out.append(f"{name}: {r['mm'][0]}×{r['mm'][1]} mm, under {MIN_TARGET_MM:g} mm")
    if r["gap_mm"] is not None and r["gap_mm"] < MIN_GAP_MM - 0.05:
        out.append(f"{name}: {r['gap_mm']} mm from the next target")
    if r["covered"]:
        out.append(f"{name}: covered by {r['covered_by']}")
    if not r["on_screen"]:
        out.append(f"{name}: not fully on screen")
    return out
