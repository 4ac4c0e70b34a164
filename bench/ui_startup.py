"""Kiosk figures: first frame, frames/s with Trends (idle, panned, + REST load), RSS, ticks."""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def process_age_s() -> float:
    """Seconds since this process was started (from /proc, so imports are counted too)."""
    start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
    uptime_s = float(Path("/proc/uptime").read_text().split()[0])
    return uptime_s - start_ticks / os.sysconf("SC_CLK_TCK")


def rss_mb() -> dict[str, float]:
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
            out[key] = int(value.split()[0]) / 1024
    return out


SOFTWARE_GL = ("libLLVM", "swrast_dri", "libgallium", "kms_swrast")


def rss_parts() -> dict[str, float]:
    """Resident MB by kind, from /proc/self/smaps: Mesa's software renderer (llvmpipe: LLVM and
    the swrast driver, mapped files absent on a Pi's V3D GPU), other mapped files (Python, Kivy,
    SDL, libc...), and anonymous memory (Python objects, malloc heaps, GL buffers; llvmpipe's
    own heap is in here too and cannot be told apart by mapping)."""
    parts = {"software_gl": 0.0, "files": 0.0, "anon": 0.0}
    kind = "anon"
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split()
        if head and "-" in head[0] and len(head) >= 5 and ":" not in head[0]:
            path = head[5] if len(head) > 5 else ""
            software = any(name in path for name in SOFTWARE_GL)
            kind = "software_gl" if software else ("files" if path.startswith("/") else "anon")
        elif head and head[0] == "Rss:":
            parts[kind] += int(head[1]) / 1024
    return parts


BARE = """
from app.ui.env import WindowSpec, prepare
prepare(WindowSpec(False, True, 30, ({w}, {h})))
from kivy.app import App
from kivy.clock import Clock
from kivy.uix.label import Label
class Bare(App):
    def load_kv(self, filename=None):
        return None
    def build(self):
        Clock.schedule_once(lambda dt: self.stop(), 2)
        return Label(text="bare")
    def on_stop(self):
        rss = [l for l in open("/proc/self/status") if l.startswith("VmRSS")][0]
        print(int(rss.split()[1]) / 1024)
Bare().run()
"""


def bare_window_mb(size: str) -> float | None:
    """RSS of a process that only opens a Kivy window with one label: the GL stack's share."""
    import subprocess

    w, h = size.split("x")
    root = str(Path(__file__).resolve().parents[1])
    code = BARE.format(w=w, h=h)
    try:
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=root
        )
        return float(out.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError):
        return None


def prefill(historian: Any, snap: Any, hours: float) -> None:
    """8 h of 1 Hz samples in the SQLite historian, so Trends reads and draws a full window."""
    now = snap.wall_s
    for i in range(int(hours * 3600), 0, -1):
        historian.put_sample(snap.replace(wall_s=now - i))
        if i % 1000 == 0:  # the writer's queue is bounded: let it commit as we go
            historian.flush(30.0)
    historian.flush(30.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="1280x800")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--rate", type=float, default=200.0, help="REST req/s in the last phase")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    from app.run_cmd import SWITCH_INTERVAL_S
    from app.services.memory import limit_malloc_arenas
    from app.ui.env import WindowSpec, prepare

    limit_malloc_arenas()  # as `tvemicro run` does, before any thread starts
    sys.setswitchinterval(SWITCH_INTERVAL_S)  # as `tvemicro run` does (DESIGN §3)
    prepare(WindowSpec(False, True, 30, (width, height)))
    import kivy.core.window  # noqa: F401  # opened before the loop ticks, as `tvemicro run` does

    from app.api.server import start_api
    from app.services.machine import build_machine
    from app.storage.wiring import build_storage
    from app.ui.kiosk import build_app
    from machine_config.config import load_config

    root = Path(__file__).resolve().parents[1]
    figures: dict[str, Any] = {}
    cfg = load_config(root / "config.yaml")
    data_dir = Path(tempfile.mkdtemp())
    storage = build_storage(cfg, data_dir)  # the whole process, as `tvemicro run` builds it
    machine = build_machine(cfg, "sim", data_dir=data_dir, sinks=storage.sinks())
    storage.attach(machine)
    assert machine.runner is not None
    machine.runner.start()
    figures["overruns_at_start"] = machine.core.overruns
    api = start_api(machine, "127.0.0.1", 0, storage)
    token, _ = storage.tokens.create("viewer", "bench")
    app = build_app(machine, cfg)
    _schedule(app, machine, figures, args, (api.url, token, storage))
    app.run()
    app.shutdown()
    api.stop()
    machine.close()
    storage.close()
    figures["bare_window_mb"] = bare_window_mb(args.size)
    _report(figures, args)
    return 0


def _schedule(
    app: Any, machine: Any, figures: dict[str, Any], args: Any, rest: tuple[str, str, Any]
) -> None:
    from kivy.clock import Clock
    from kivy.core.window import Window

    seconds = args.seconds
    flips = [0]

    def flipped(*_: Any) -> None:
        if "first_frame_s" not in figures:
            figures["first_frame_s"] = process_age_s()
            figures["first_frame_rss"] = rss_mb()["VmRSS"]
            Clock.schedule_once(started, 1.0)
        flips[0] += 1

    def started(_: float) -> None:
        """Kiosk start: from the loop's first tick to one second after the first frame."""
        figures["start_overruns"] = machine.core.overruns - figures["overruns_at_start"]
        figures["start_late_max_ms"] = 1000 * max(machine.runner.stats.lateness_s, default=0.0)

    Window.bind(on_flip=flipped)

    def trends(_: float) -> None:
        prefill(rest[2].historian, machine.core.snapshot, 8.0)
        app.go("trends")
        app.current().choose_range("8h")
        Clock.schedule_once(measure, 3.0)

    def measure(_: float) -> None:
        flips[0] = 0
        machine.runner.stats.lateness_s.clear()
        figures["t0"], figures["cpu0"] = time.monotonic(), _cpu_s()
        Clock.schedule_once(finish, seconds)

    def finish(_: float) -> None:
        elapsed = time.monotonic() - figures["t0"]
        figures["redraw_fps"] = flips[0] / elapsed
        figures["loop_fps"] = Clock.get_fps()
        figures["cpu_pct"] = 100 * (_cpu_s() - figures["cpu0"]) / elapsed
        figures["points"] = app.current().points_drawn
        figures["late_p99_ms"], figures["overruns"] = _lateness(machine)
        figures["rss"] = rss_mb()
        figures["parts"] = rss_parts()
        plot = app.current().plot
        t0 = time.perf_counter()
        for _ in range(20):
            plot.redraw()
        figures["redraw_ms"] = (time.perf_counter() - t0) / 20 * 1000
        drag(plot, "drag", lambda: drag(plot, "load", app.stop, load=True))

    def drag(plot: Any, key: str, then: Any, load: bool = False) -> None:
        """A finger pans the 8 h trend back and forth every frame for `seconds` (with `load`,
        a second process also GETs /api/v1/status at `--rate`)."""
        from kivy.tests.common import UnitTestTouch

        x, y = plot.to_window(*plot.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        step = [0]

        def move(_: float) -> None:
            step[0] += 1
            touch.touch_move(x + 60 * ((step[0] // 30) % 2 * 2 - 1) * (step[0] % 30) / 30, y)

        mover = Clock.schedule_interval(move, 0)
        start: dict[str, Any] = {}

        def begin(_: float) -> None:  # a second of panning first: judge the steady state
            flips[0] = 0
            machine.runner.stats.lateness_s.clear()
            start.update(ticks=machine.core.ticks, overruns=machine.core.overruns)
            start["t0"] = time.monotonic()
            if load:
                threading.Thread(target=_rest_load, args=(rest, args, figures, done)).start()
            else:
                Clock.schedule_once(done, seconds)

        def done(*_: Any) -> None:
            mover.cancel()
            touch.touch_up()
            figures[key + "_fps"] = flips[0] / (time.monotonic() - start["t0"])
            late, overruns = _lateness(machine)
            ticks = max(1, machine.core.ticks - start["ticks"])
            figures[key + "_late_p99_ms"] = late
            figures[key + "_overruns"] = (overruns - start["overruns"], ticks)
            then()

        Clock.schedule_once(begin, 1.0)

    Clock.schedule_once(trends, 1.0)


def _rest_load(rest: tuple[str, str, Any], args: Any, figures: dict[str, Any], done: Any) -> None:
    """bench/api_load.py's client in a second process; `done` runs on the Kivy thread."""
    from kivy.clock import Clock

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from api_load import pct, run_load

    result = run_load(rest[0], rest[1], args.rate, args.seconds)
    lat = result["latencies"]
    figures["rest"] = (pct(lat, 0.5), pct(lat, 0.99), len(lat), len(result["errors"]))
    Clock.schedule_once(done)


def _lateness(machine: Any) -> tuple[float, int]:
    """Control tick lateness p99 (ms) since the last clear, and overruns so far."""
    lateness = sorted(machine.runner.stats.lateness_s)
    p99 = 1000 * lateness[int(len(lateness) * 0.99)] if lateness else 0.0
    return p99, int(machine.core.overruns)


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _report(f: dict[str, Any], args: Any) -> None:
    rss = f["rss"]
    print(f"kiosk {args.size}, simulator, SQLite historian and REST server, real-time loop")
    print(
        f"  first frame after process start: {f['first_frame_s']:.2f} s "
        f"(RSS then {f['first_frame_rss']:.0f} MB)"
    )
    print(
        f"  trends visible (8 h, {f['points']} points): {f['redraw_fps']:.1f} redraws/s, "
        f"Kivy clock {f['loop_fps']:.1f} ticks/s, whole process CPU {f['cpu_pct']:.0f} %"
    )
    print(
        f"  one trend redraw (a pan/zoom step) {f['redraw_ms']:.1f} ms, "
        f"so up to {1000 / max(f['redraw_ms'], 1e-3):.0f} redraws/s while panning"
    )
    base = f.get("bare_window_mb")
    if base:
        print(
            f"  a bare Kivy window here: {base:.0f} MB RSS, so the app adds "
            f"{rss['VmRSS'] - base:.0f} MB (core, simulator, screens, historian, REST server)"
        )
    parts = f["parts"]
    print(
        f"  RSS {rss['VmRSS']:.0f} MB: anonymous {parts['anon']:.0f}, mapped files "
        f"{parts['files']:.0f}, Mesa software GL (llvmpipe: LLVM, swrast) "
        f"{parts['software_gl']:.0f}"
    )
    print(
        f"  RSS without the software GL libraries (a Pi's V3D GPU does not load them): "
        f"{rss['VmRSS'] - parts['software_gl']:.0f} MB (budget 150 MB)"
    )
    print(
        f"  kiosk start (loop's first tick to 1 s after the first frame): overruns "
        f"{f['start_overruns']}, worst tick lateness {f['start_late_max_ms']:.1f} ms"
    )
    print(f"  control tick lateness p99 {f['late_p99_ms']:.2f} ms, overruns {f['overruns']}")
    for key, what in (("drag", "a finger panning the trend"), ("load", "panning + REST load")):
        over, ticks = f[key + "_overruns"]
        print(
            f"  {what}: {f[key + '_fps']:.1f} frames/s; tick lateness p99 "
            f"{f[key + '_late_p99_ms']:.2f} ms, overruns {over} of {ticks} "
            f"({100 * over / ticks:.2f} %)"
        )
    p50, p99, n, errors = f["rest"]
    print(
        f"  REST meanwhile: GET /api/v1/status {n} requests at {args.rate:g}/s, "
        f"p50 {p50 * 1e3:.2f} ms, p99 {p99 * 1e3:.2f} ms, errors {errors}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
