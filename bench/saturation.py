"""Tick lateness under REST saturation (headless and kiosk) and server CPU per 1,000 GET /status.

One command prints every figure (DESIGN §12, issue 11):

    PYTHONPATH=. .venv/bin/python bench/saturation.py            # headless, then kiosk
    PYTHONPATH=. .venv/bin/python bench/saturation.py --mode headless --seconds 20

Each mode runs in its own child process built as `tvemicro run` builds it (1 ms switch interval,
sim I/O, historian, REST server on loopback; the kiosk under a private Xvfb when there is no
DISPLAY). Clients always run in a *second* process. Phases, each `--seconds` long:

  kiosk start  (kiosk only) from run_kiosk() for 8 s: the window was opened before the loop
               started (as `tvemicro run` does), then kv, screens, first frames
  idle         no requests: tick lateness, and the process CPU baseline
  saturated    16 concurrent keep-alive clients GET /api/v1/status back to back
  200/s        open-loop GET /status at 200 req/s, keep-alive, then a new connection per request

Lateness = tick start − its deadline (what `tvemicro_loop_tick_lateness_seconds` shows).
CPU per 1,000 requests is the server process's CPU time (getrusage: every thread, user + system)
during the 200/s phase minus the idle baseline rate over the same length, per 1,000 requests; the
REST thread's own CPU (from /proc/self/task) is printed beside it. Budgets: lateness p99 ≤ 5 ms,
no overrun at kiosk start; ≤ 0.8 CPU-s per 1,000 requests. With the kiosk, "gross" includes the
kiosk's own drawing (about 10 % CPU idle here), which is not a cost of serving requests.

Read kiosk figures from a PC with care: under Xvfb, Mesa's llvmpipe rasterises each frame on the
CPU while Kivy swaps buffers (the swap releases the GIL, but its threads take the cores), which a
Pi's GPU does not do; and on 2 cores the local load client takes one of them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import aiohttp  # noqa: E402
from api_load import pct  # noqa: E402

CLIENTS = 16


# -- the load client (a second process: saturation.py --client URL TOKEN KIND SECONDS ARG) -----
class Tally:
    """Request latencies and errors."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: list[str] = []

    async def get(self, session: aiohttp.ClientSession, url: str) -> None:
        start = time.perf_counter()
        try:
            async with session.get(url) as resp:
                await resp.read()
                if resp.status != 200:
                    self.errors.append(str(resp.status))
        except aiohttp.ClientError as err:
            self.errors.append(type(err).__name__)
        self.latencies.append(time.perf_counter() - start)


async def closed(session: aiohttp.ClientSession, url: str, seconds: float, clients: int) -> Tally:
    """`clients` workers, each sending its next request as soon as the last one is answered."""
    tally = Tally()
    end = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < end:
            await tally.get(session, url)

    await asyncio.gather(*(worker() for _ in range(clients)))
    return tally


async def open_loop(session: aiohttp.ClientSession, url: str, seconds: float, rate: float) -> Tally:
    """Each request leaves on schedule, whatever happened to the last one."""
    tally = Tally()
    t0 = time.perf_counter()
    tasks = []
    for i in range(int(rate * seconds)):
        delay = t0 + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(tally.get(session, url)))
    await asyncio.gather(*tasks)
    return tally


async def run(base: str, token: str, kind: str, seconds: float, arg: float) -> dict[str, Any]:
    url = f"{base}/api/v1/status"
    connector = aiohttp.TCPConnector(limit=64, force_close=kind == "newconn")
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        print("go", flush=True)
        t0 = time.perf_counter()
        if kind == "closed":
            tally = await closed(session, url, seconds, int(arg))
        else:
            tally = await open_loop(session, url, seconds, arg)
        elapsed = time.perf_counter() - t0
    lat = sorted(tally.latencies)
    return {
        "requests": len(lat),
        "errors": len(tally.errors),
        "rate": len(lat) / elapsed,
        "req_ms": [1e3 * lat[len(lat) // 2], 1e3 * lat[int(0.99 * len(lat))]] if lat else [0, 0],
    }


# -- measuring the server process -----------------------------------------------------------------
class Window:
    """Tick lateness, overruns and CPU (process and REST thread) between start() and stop()."""

    def __init__(self, runner: Any, rest_tid: int) -> None:
        self.runner = runner
        self.rest_tid = rest_tid
        self.lateness: list[float] = []
        self.on = False
        runner.stats.listeners.append(self._tick)

    def _tick(self, duration_s: float, late_s: float) -> None:
        if self.on:
            self.lateness.append(late_s)

    def start(self) -> None:
        self.lateness, self.on = [], True
        self.t0, self.cpu0, self.rest0 = (
            time.monotonic(),
            process_cpu_s(),
            thread_cpu_s(self.rest_tid),
        )
        self.over0 = self.runner.stats.overruns

    def stop(self) -> dict[str, Any]:
        self.on = False
        late = self.lateness
        return {
            "seconds": time.monotonic() - self.t0,
            "cpu_s": process_cpu_s() - self.cpu0,
            "rest_cpu_s": thread_cpu_s(self.rest_tid) - self.rest0,
            "ticks": len(late),
            "overruns": self.runner.stats.overruns - self.over0,
            "late_ms": [1e3 * pct(late, 0.5), 1e3 * pct(late, 0.99), 1e3 * max(late, default=0)],
        }


def process_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def thread_cpu_s(tid: int) -> float:
    """User + system CPU of one thread of this process, from /proc (clock ticks)."""
    fields = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(
    url: str, token: str, kind: str, seconds: float, arg: float, window: Window
) -> dict[str, Any]:
    """Run a client process; the window covers exactly its requests (it says "go" first)."""
    cmd = [
        sys.executable,
        __file__,
        "--client",
        url,
        token,
        kind,
        str(seconds),
        str(arg),
    ]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "go":
            raise RuntimeError("load client did not start")
        window.start()
        result: dict[str, Any] = json.loads(proc.stdout.readline())
        result.update(window.stop())
    return result


# -- one mode (child process) ---------------------------------------------------------------------
def serve(mode: str, seconds: float, size: str) -> None:
    """Build the process as `tvemicro run` does and measure it; the kiosk owns the main thread."""
    from app.run_cmd import SWITCH_INTERVAL_S
    from machine_config.config import load_config

    sys.setswitchinterval(SWITCH_INTERVAL_S)
    cfg = load_config(ROOT / "config.yaml")
    width, height = (int(v) for v in size.split("x"))
    if mode == "kiosk":  # as `tvemicro run` does: the window opens before the loop starts
        sys.path.insert(0, str(ROOT / "tests" / "ui"))
        from xvfb import ensure_display

        from app.ui.kiosk import open_window

        reason = ensure_display()
        if reason:
            raise SystemExit(reason)
        open_window(cfg, (width, height))
    machine, api, token, close = start_process(cfg)
    rest = next(t for t in threading.enumerate() if t.name == "rest")
    window = Window(machine.runner, rest.native_id or 0)
    figures: dict[str, Any] = {"mode": mode, "state": machine.core.snapshot.state}

    def measure() -> None:
        phases(api.url, token, seconds, window, figures)

    try:
        if mode == "kiosk":
            run_with_kiosk(machine, cfg, (width, height), measure, window, figures)
        else:
            measure()
    finally:
        close()
    print(json.dumps(figures))


def start_process(cfg: Any) -> tuple[Any, Any, str, Any]:
    """Storage, machine, loop and REST server, started in `tvemicro run`'s order (sim, warm)."""
    from app.api.server import start_api
    from app.services.machine import build_machine
    from app.storage.wiring import open_storage
    from control.commands import Start

    data_dir = Path(tempfile.mkdtemp(prefix="tvemicro-bench-"))
    hooks = open_storage(cfg, data_dir)
    machine = build_machine(cfg, "sim", data_dir=data_dir, sinks=hooks["sinks"])
    hooks["attach"](machine)
    assert machine.runner is not None and machine.sim is not None
    for zid, zone in cfg.zones.items():  # warm start: measure a running machine
        machine.sim.set_plant_temperature(zid, zone.setpoint_c)
    machine.runner.start()
    api = start_api(machine, "127.0.0.1", 0)
    token, _ = hooks["storage"].tokens.create("viewer", "bench")
    machine.core.submit(Start()).result(timeout=5)

    def close() -> None:
        api.stop()
        machine.close()
        hooks["close"]()

    return machine, api, token, close


def phases(url: str, token: str, seconds: float, window: Window, figures: dict[str, Any]) -> None:
    time.sleep(1.0)  # settle
    window.start()
    time.sleep(seconds)
    figures["idle"] = window.stop()
    figures["saturated"] = load(url, token, "closed", seconds, CLIENTS, window)
    figures["keepalive"] = load(url, token, "keepalive", seconds, 200, window)
    figures["newconn"] = load(url, token, "newconn", seconds, 200, window)


def run_with_kiosk(
    machine: Any,
    cfg: Any,
    size: tuple[int, int],
    measure: Any,
    window: Window,
    figures: dict[str, Any],
) -> None:
    """Run the kiosk as `tvemicro run` does (loop and REST running), measuring from its start."""
    from app.ui.kiosk import run_kiosk

    time.sleep(1.0)  # the loop settles before the kiosk starts

    def driver() -> None:
        time.sleep(8.0)  # first frame, first screen: the whole kiosk start
        figures["kiosk_start"] = window.stop()
        try:
            measure()
        finally:
            from kivy.app import App
            from kivy.clock import Clock

            Clock.schedule_once(lambda _dt: App.get_running_app().stop())

    window.start()
    threading.Thread(target=driver, name="bench", daemon=True).start()
    run_kiosk(machine, cfg, size=size)


# -- the command ----------------------------------------------------------------------------------
def child(mode: str, args: argparse.Namespace) -> dict[str, Any] | None:
    """Run one mode in a fresh process; its log lines (stderr) go to a file, as to journald."""
    cmd = [sys.executable, __file__, "--serve", mode, "--seconds", str(args.seconds)]
    cmd += ["--size", args.size]
    with tempfile.TemporaryFile("w+") as log:
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=log, text=True, check=False)
        if out.returncode != 0:
            log.seek(0)
            print(f"{mode}: failed ({out.returncode})\n{log.read()[-3000:]}")
            return None
    figures: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def ticks_line(label: str, w: dict[str, Any]) -> str:
    p50, p99, worst = w["late_ms"]
    share = 100 * w["overruns"] / max(1, w["ticks"])
    return (
        f"  {label:<11} tick lateness p50 {p50:6.3f} ms  p99 {p99:6.3f} ms  max {worst:7.3f} ms"
        f"  | overruns {w['overruns']} of {w['ticks']} ticks ({share:.2f} %)"
    )


def cpu_line(label: str, w: dict[str, Any], idle: dict[str, Any]) -> str:
    baseline = idle["cpu_s"] / idle["seconds"] * w["seconds"]
    per_k = 1000 / max(1, w["requests"])
    return (
        f"  {label:<11} {w['requests']} req at {w['rate']:.0f}/s, errors {w['errors']}, "
        f"p50 {w['req_ms'][0]:.2f} ms p99 {w['req_ms'][1]:.2f} ms | server CPU per 1,000: "
        f"{(w['cpu_s'] - baseline) * per_k:.3f} CPU-s net of idle "
        f"({w['cpu_s'] * per_k:.3f} gross; REST thread {w['rest_cpu_s'] * per_k:.3f})"
    )


def report(f: dict[str, Any], seconds: float) -> None:
    idle = f["idle"]
    sat = f["saturated"]
    print(f"{f['mode']}: sim machine {f['state']}, tick 50 ms, {seconds:g} s per phase")
    if "kiosk_start" in f:
        print(ticks_line("kiosk start", f["kiosk_start"]))
    print(ticks_line("idle", idle) + f"  | idle CPU {100 * idle['cpu_s'] / idle['seconds']:.1f} %")
    print(ticks_line(f"{CLIENTS} clients", sat))
    print(
        f"  {'':<11} GET /status saturated: {sat['requests']} req at {sat['rate']:.0f}/s, "
        f"errors {sat['errors']}, p50 {sat['req_ms'][0]:.2f} ms p99 {sat['req_ms'][1]:.2f} ms, "
        f"server CPU {100 * sat['cpu_s'] / sat['seconds']:.0f} % "
        f"({1000 * sat['rest_cpu_s'] / max(1, sat['requests']):.3f} REST-thread CPU-s per 1,000)"
    )
    print(cpu_line("keep-alive", f["keepalive"], idle))
    print(cpu_line("new conn", f["newconn"], idle))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=("both", "headless", "kiosk"), default="both")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each phase")
    parser.add_argument("--size", default="800x480", help="kiosk window (the panel's size)")
    parser.add_argument("--serve", choices=("headless", "kiosk"), help=argparse.SUPPRESS)
    parser.add_argument("--client", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        url, token, kind, seconds, arg = args.client
        result = asyncio.run(run(url, token, kind, float(seconds), float(arg)))
        print(json.dumps(result), flush=True)
        return 0
    if args.serve:
        serve(args.serve, args.seconds, args.size)
        return 0
    modes = ("headless", "kiosk") if args.mode == "both" else (args.mode,)
    failed = 0
    for mode in modes:
        figures = child(mode, args)
        if figures is None:
            failed += 1
            continue
        report(figures, args.seconds)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
