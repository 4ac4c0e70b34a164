"""A light trend plot: lines on a grid, event markers, pan with one finger, pinch to zoom."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kivy.core.text import Label as CoreLabel
from kivy.graphics import Color, Line, Rectangle
from kivy.properties import NumericProperty
from kivy.uix.widget import Widget

from app.ui.history import TrendEvent
from app.ui.theme import FONT, RGBA, C, severity_colour

Points = list[tuple[float, float]]


MARKER_ROWS = 3  # event badges stack down to this many rows where events crowd


@dataclass(frozen=True, slots=True)
class Trace:
    points: Points
    colour: RGBA
    dashed: bool = False
    width: float = 1.3


@dataclass
class Pane:
    """One y-axis band of the plot (a fraction of the height) with its traces."""

    title: str
    lo: float
    hi: float
    share: float
    traces: list[Trace]
    ticks: int = 4


class TrendPlot(Widget):  # type: ignore[misc]
    """Draws panes between `since` and `until` (Unix seconds); `on_view(since, until, live)`
    is called after the user pans or zooms."""

    since = NumericProperty(0.0)
    until = NumericProperty(1.0)
    u = NumericProperty(1.0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.panes: list[Pane] = []
        self.events: list[TrendEvent] = []
        self.badges: list[tuple[float, float, float, float]] = []  # drawn event badges: x, y, w, h
        self.on_view: Callable[[float, float, bool], None] | None = None
        self._touches: dict[Any, tuple[float, float]] = {}
        self._start: tuple[float, float, float] = (0.0, 0.0, 0.0)
        self._labels: dict[tuple[str, int], Any] = {}
        self.bind(pos=self.redraw, size=self.redraw)

    # -- drawing --------------------------------------------------------------------------------
    def redraw(self, *_: Any) -> None:
        self.canvas.clear()
        if self.width < 10 or self.height < 10:
            return
        left, gap = self.u * 52, self.u * 6
        x0, w = self.x + left, self.width - left - self.u * 6
        y = self.top
        with self.canvas:
            Color(*C.plot_bg)
            Rectangle(pos=(x0, self.y), size=(w, self.height))
        total = sum(p.share for p in self.panes) or 1.0
        for pane in self.panes:
            h = (self.height - gap * (len(self.panes) - 1)) * pane.share / total
            self._pane(pane, x0, y - h, w, h)
            y -= h + gap
        self._time_axis(x0, w)
        self._markers(x0, w)

    def _xs(self, t: float, x0: float, w: float) -> float:
        return float(x0 + (t - self.since) / max(1e-9, self.until - self.since) * w)

    def _pane(self, pane: Pane, x0: float, y0: float, w: float, h: float) -> None:
        span = max(1e-9, pane.hi - pane.lo)
        with self.canvas:
            for i in range(pane.ticks + 1):
                gy = y0 + h * i / pane.ticks
                Color(*C.grid)
                Line(points=[x0, gy, x0 + w, gy], width=1)
                # centred on its grid line, kept inside the pane so neighbours never overlap
                label_y = min(max(gy - self.u * 8, y0), y0 + h - self.u * 16)
                self._text(f"{pane.lo + span * i / pane.ticks:g}", self.x + self.u * 2, label_y)
            self._text(pane.title, x0 + self.u * 4, y0 + h - self.u * 18, dim=False)
            for trace in pane.traces:
                pts: list[float] = []
                for t, v in trace.points:
                    if self.since <= t <= self.until:
                        vy = min(max((v - pane.lo) / span, -0.02), 1.02)
                        pts += [self._xs(t, x0, w), y0 + vy * h]
                if len(pts) >= 4:
                    Color(*trace.colour)
                    dash = {"dash_length": 6, "dash_offset": 4} if trace.dashed else {}
                    Line(points=pts, width=1 if trace.dashed else trace.width * self.u, **dash)

    def _time_axis(self, x0: float, w: float) -> None:
        span = self.until - self.since
        step = next((s for s in (60, 300, 600, 1800, 3600, 7200) if span / s <= 6), 14400)
        first = (int(self.since // step) + 1) * step
        with self.canvas:
            t = first
            while t < self.until:
                x = self._xs(t, x0, w)
                Color(*C.grid)
                Line(points=[x, self.y, x, self.top], width=1)
                self._text(time.strftime("%H:%M", time.localtime(t)), x + 3, self.y + 2)
                t += step

    def _markers(self, x0: float, w: float) -> None:
        box = self.u * 18
        row_ends: list[float] = []  # right edge of the last badge in each row, so none overlap
        self.badges = []
        with self.canvas:
            for event in self.events:
                if not self.since <= event.t <= self.until:
                    continue
                x = self._xs(event.t, x0, w)
                colour = severity_colour(event.severity) if event.kind == "alarm" else C.text_dim
                Color(*colour)
                Line(points=[x, self.y, x, self.top], width=1.5 if event.kind == "alarm" else 1)
                row = next((r for r, end in enumerate(row_ends) if x - box / 2 >= end), None)
                if row is None and len(row_ends) < MARKER_ROWS:
                    row = len(row_ends)
                    row_ends.append(x + box / 2)
                if row is None:
                    continue  # a crowd of events: the lines show them, the badges stay readable
                row_ends[row] = x + box / 2 + self.u * 2
                glyph = {"alarm": "!", "state": "S", "setpoint": "SP"}.get(event.kind, "?")
                y = self.top - box * (row + 1)
                Rectangle(pos=(x - box / 2, y), size=(box, box))
                self.badges.append((x - box / 2, y, box, box))
                self._text(glyph, x - self.u * 5, y + self.u, ink=(1, 1, 1, 1))

    def _text(
        self, text: str, x: float, y: float, dim: bool = True, ink: RGBA | None = None
    ) -> None:
        key = (text, int(self.u * 100))
        texture = self._labels.get(key)
        if texture is None:
            label = CoreLabel(text=text, font_size=self.u * 12, font_name=FONT)
            label.refresh()
            texture = self._labels[key] = label.texture
            if len(self._labels) > 400:
                self._labels.clear()
        Color(*(ink or (C.text_dim if dim else C.text)))
        Rectangle(texture=texture, pos=(x, y), size=texture.size)

    # -- touch: one finger pans, two fingers zoom ---------------------------------------------
    def on_touch_down(self, touch: Any) -> bool:
        if not self.collide_point(*touch.pos):
            return False
        touch.grab(self)
        self._touches[touch.uid] = touch.pos
        self._start = (self.since, self.until, self._spread())
        return True

    def on_touch_move(self, touch: Any) -> bool:
        if touch.grab_current is not self:
            return False
        self._touches[touch.uid] = touch.pos
        since0, until0, spread0 = self._start
        span0 = until0 - since0
        if len(self._touches) >= 2 and spread0 > 0:
            span = span0 * spread0 / max(1.0, self._spread())
            mid = (since0 + until0) / 2
            self._set(mid - span / 2, mid + span / 2)
        else:
            dx = touch.pos[0] - touch.opos[0]
            shift = -dx / max(1.0, self.width) * span0
            self._set(since0 + shift, until0 + shift)
        return True

    def on_touch_up(self, touch: Any) -> bool:
        if touch.grab_current is not self:
            return False
        touch.ungrab(self)
        self._touches.pop(touch.uid, None)
        self._start = (self.since, self.until, self._spread())
        if self.on_view is not None:
            self.on_view(self.since, self.until, False)
        return True

    @property
    def dragging(self) -> bool:
        """A finger is on the plot: live following must not fight the drag."""
        return bool(self._touches)

    def _spread(self) -> float:
        pts = list(self._touches.values())
        if len(pts) < 2:
            return 0.0
        (ax, ay), (bx, by) = pts[0], pts[1]
        return float(((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5)

    def _set(self, since: float, until: float) -> None:
        span = min(max(until - since, 120.0), 24 * 3600.0)
        mid = (since + until) / 2
        self.since, self.until = mid - span / 2, mid + span / 2
        self.redraw()
