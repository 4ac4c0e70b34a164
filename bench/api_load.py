"""REST load: GET /api/v1/status at a fixed rate from a second process while the core ticks in
real time; prints request p50/p95/p99 and errors, and the loop's tick figures with and without
the load. Budget (DESIGN §12): status p99 ≤ 10 ms with 0 errors; tick lateness p99 ≤ 5 ms."""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.api.server import start_api
from app.run_cmd import SWITCH_INTERVAL_S
from app.services.machine import build_machine
from app.storage.wiring import build_storage
from control.commands import Start
from machine_config.config import load_config


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# -- the client (second process) ----------------------------------------------------------------
async def _load(url: str, token: str, rate: float, seconds: float) -> dict[str, Any]:
    import aiohttp

    n = int(rate * seconds)
    latencies: list[float] = []
    errors: list[str] = []
    headers = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=32)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def one() -> None:
            start = time.perf_counter()
            try:
                async with session.get(f"{url}/api/v1/status") as resp:
                    await resp.read()
                    if resp.status != 200:
                        errors.append(str(resp.status))
            except aiohttp.ClientError as err:
                errors.append(type(err).__name__)
            latencies.append(time.perf_counter() - start)

        t0 = time.perf_counter()
        tasks = []
        for i in range(n):  # open loop: each request leaves on schedule, whatever the last did
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t0
    return {"latencies": latencies, "errors": errors, "rate": n / elapsed}


def client_main(url: str, token: str, rate: float, seconds: float) -> None:
    print(json.dumps(asyncio.run(_load(url, token, rate, seconds))))


# -- the server side (this process) -------------------------------------------------------------
class TickWindow:
    """Tick duration and lateness recorded only while `on`, with the overruns in that window."""

    def __init__(self, runner: Any) -> None:
        self.runner = runner
        self.durations: list[float] = []
        self.lateness: list[float] = []
        self.on = False
        self._overruns0 = 0
        self.overruns = 0
        runner.stats.listeners.append(self._tick)

    def _tick(self, duration_s: float, late_s: float) -> None:
        if self.on:
            self.durations.append(duration_s)
            self.lateness.append(late_s)

    def start(self) -> None:
        self.durations, self.lateness, self.on = [], [], True
        self._overruns0 = self.runner.stats.overruns

    def stop(self) -> None:
        self.on = False
        self.overruns = self.runner.stats.overruns - self._overruns0

    def line(self, label: str) -> str:
        n = max(1, len(self.durations))
        return (
            f"{label:<16} ticks {len(self.durations):>5} | tick work p50 "
            f"{pct(self.durations, 0.5) * 1e3:6.3f} ms p99 {pct(self.durations, 0.99) * 1e3:6.3f}"
            f" ms | lateness p99 {pct(self.lateness, 0.99) * 1e3:6.3f} ms max "
            f"{max(self.lateness, default=0) * 1e3:6.3f} ms | overruns {self.overruns} "
            f"({100 * self.overruns / n:.2f} %)"
        )


def run_load(url: str, token: str, rate: float, seconds: float) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--client", url, token, str(rate), str(seconds)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=seconds + 60)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default="config.yaml")
    parser.add_argument("--seconds", type=float, default=15.0, help="per phase")
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    args = parser.parse_args()
    sys.setswitchinterval(SWITCH_INTERVAL_S)  # as `tvemicro run` does (DESIGN §3)
    cfg = load_config(args.config)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        storage = build_storage(cfg, data)
        m = build_machine(cfg, "sim", speed=1.0, data_dir=data, sinks=storage.sinks())
        assert m.runner is not None and m.sim is not None
        storage.attach(m)
        for zid, z in cfg.zones.items():  # warm start: measure a running machine
            m.sim.set_plant_temperature(zid, z.setpoint_c)
        token, _ = storage.tokens.create("viewer", "bench")
        window = TickWindow(m.runner)
        m.runner.start()
        api = start_api(m, "127.0.0.1", 0, storage)
        m.core.submit(Start()).result(timeout=5)
        try:
            report(api.url, token, window, args, cfg.machine.tick_s, m)
        finally:
            api.stop()
            m.close()
            storage.close()


def report(url: str, token: str, window: TickWindow, args: Any, tick_s: float, m: Any) -> None:
    time.sleep(1.0)  # settle
    window.start()
    time.sleep(args.seconds)
    window.stop()
    quiet = window.line("without load")
    window.start()
    load = run_load(url, token, args.rate, args.seconds)
    window.stop()
    lat = load["latencies"]
    print(f"GET /api/v1/status, {args.rate:g} req/s for {args.seconds:g} s from a second process")
    print(
        f"  requests {len(lat)} (achieved {load['rate']:.1f}/s) | p50 {pct(lat, 0.5) * 1e3:.3f} ms"
        f" | p95 {pct(lat, 0.95) * 1e3:.3f} ms | p99 {pct(lat, 0.99) * 1e3:.3f} ms | max "
        f"{max(lat, default=0) * 1e3:.3f} ms | errors {len(load['errors'])}"
    )
    print(f"control loop (tick {tick_s * 1e3:g} ms, state {m.core.snapshot.state}):")
    print("  " + quiet)
    print("  " + window.line("with REST load"))


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--client":
        client_main(sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]))
    else:
        main()
