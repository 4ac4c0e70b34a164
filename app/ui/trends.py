"""Trends: zone temperature, setpoint and duty, motor rpm, with event markers, from history."""

from __future__ import annotations

import math
import time
from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty

from app.ui.base import KioskScreen
from app.ui.history import TrendEvent
from app.ui.i18n import Strings
from app.ui.theme import C
from app.ui.trend_plot import Pane, Trace, TrendPlot
from control.snapshot import Snapshot

RANGES = {"10min": 600.0, "1h": 3600.0, "8h": 8 * 3600.0}
LIVE_FETCH_S = 2.0
MAX_POINTS = 400


def nice_range(lo: float, hi: float, ticks: int = 4) -> tuple[float, float]:
    """An axis covering lo..hi (plus a margin) in `ticks` round steps (1, 2, 2.5, 5 × 10^k)."""
    lo, hi = lo - 3.0, hi + 3.0
    mag = 10 ** math.floor(math.log10(max(hi - lo, 20.0) / ticks))
    for step in (m * mag for m in (1, 2, 2.5, 5, 10, 20, 25, 50, 100)):
        start = math.floor(lo / step) * step
        if start + ticks * step >= hi:
            return start, start + ticks * step
    return lo, hi


class TrendsScreen(KioskScreen):
    """Live by default (the window follows now); panning or zooming holds it still."""

    range_key = StringProperty("10min")
    live = BooleanProperty(True)
    legend = ListProperty([])
    status = StringProperty("")
    points_drawn = NumericProperty(0)

    def on_kv_post(self, *_: Any) -> None:
        self.plot: TrendPlot = self.ids.plot
        self.plot.on_view = self._viewed
        self._busy = False
        self._fetched_at = 0.0
        self._now = 0.0

    def refresh(self, snap: Snapshot) -> None:
        self._now = snap.wall_s
        self._snap = snap
        if self.live and not self.plot.dragging:
            span = RANGES[self.range_key]
            self.plot.since, self.plot.until = snap.wall_s - span, snap.wall_s
        if time.monotonic() - self._fetched_at >= LIVE_FETCH_S and (
            self.live or not self._fetched_at
        ):
            self.fetch()

    def fetch(self) -> None:
        """Read history for the visible window off the UI thread; one read at a time."""
        snap = getattr(self, "_snap", None)
        if self._busy or snap is None:
            return
        self._busy = True
        self._fetched_at = time.monotonic()
        since, until = self.plot.since, self.plot.until
        step = max(1.0, math.ceil((until - since) / MAX_POINTS))
        names = [f"{z.id}.{k}" for z in snap.zones for k in ("temperature_c", "setpoint_c", "duty")]
        names += [f"{m.id}.rpm" for m in snap.motors]
        source = self.app.services.history

        def work() -> tuple[dict[str, list[tuple[float, float]]], list[TrendEvent]]:
            return source.series(names, since, until, step), source.events(since, until)

        self.app.bridge.background(work, self._loaded)

    def _loaded(self, result: Any, err: BaseException | None) -> None:
        self._busy = False
        t = self.app.t
        if err is not None:
            self.status = t.f("history_error", err=err)
            return
        series, events = result
        snap = self._snap
        self.plot.panes = self._panes(snap, series, t)
        self.plot.events = events
        self.points_drawn = sum(len(v) for v in series.values())
        self.status = "" if self.points_drawn else t.no_history
        self.plot.redraw()

    def _panes(self, snap: Snapshot, series: dict[str, Any], t: Strings) -> list[Pane]:
        temps: list[Trace] = []
        lower: list[Trace] = []
        legend = []
        for i, z in enumerate(snap.zones):
            colour = C.series[i % len(C.series)]
            temps.append(Trace(series.get(f"{z.id}.temperature_c", []), colour))
            temps.append(Trace(series.get(f"{z.id}.setpoint_c", []), C.setpoint, dashed=True))
            duty = [(tt, v * 100) for tt, v in series.get(f"{z.id}.duty", [])]
            lower.append(Trace(duty, colour, width=1.0))
            legend.append((z.name, colour, "—"))
        for j, m in enumerate(snap.motors):
            colour = C.series[(j + 3) % len(C.series)]
            lower.append(Trace(series.get(f"{m.id}.rpm", []), colour, dashed=True))
            legend.append((f"{m.name} {t.unit_rpm}", colour, "- -"))
        legend.append((t.setpoint, C.setpoint, "- -"))
        self.legend = legend
        values = [v for tr in temps for _, v in tr.points]
        lo, hi = nice_range(min(values, default=0.0), max(values, default=100.0), 5)
        return [
            Pane(t.axis_temp, lo, hi, 0.62, temps, ticks=5),
            Pane(t.axis_duty_rpm, 0.0, 100.0, 0.38, lower),
        ]

    def on_legend(self, *_: Any) -> None:
        box = self.ids.legend
        if len(box.children) == len(self.legend):
            return
        box.clear_widgets()
        for text, colour, mark in self.legend:
            item = Factory.LegendItem()
            item.text, item.colour, item.mark = text, colour, mark
            box.add_widget(item)

    # -- controls -------------------------------------------------------------------------------
    def choose_range(self, key: str) -> None:
        self.range_key, self.live = key, True
        self._refetch()

    def zoom(self, factor: float) -> None:
        mid = self.plot.until if self.live else (self.plot.since + self.plot.until) / 2
        span = (self.plot.until - self.plot.since) * factor
        self.plot._set(mid - span / 2, mid + span / 2)
        if self.live:
            self.plot.since, self.plot.until = self._now - span, self._now
        self._viewed(self.plot.since, self.plot.until, self.live)

    def go_live(self) -> None:
        self.live = True
        self._refetch()

    def _viewed(self, since: float, until: float, live: bool) -> None:
        self.live = live
        self._refetch()

    def _refetch(self) -> None:
        self._fetched_at = 0.0
        snap = getattr(self, "_snap", None)
        if snap is not None:
            if self.live:
                span = RANGES[self.range_key]
                self.plot.since, self.plot.until = snap.wall_s - span, snap.wall_s
            self.fetch()
