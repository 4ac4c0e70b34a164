"""Real-time loop: tick lateness (jitter), tick work p50/p99 and overruns at the default tick."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.run_cmd import SWITCH_INTERVAL_S
from app.services.machine import build_machine
from control.commands import Start
from control.runner import TickStats
from machine_config.config import load_config


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def report(label: str, stats: TickStats, ticks: int) -> None:
    late = list(stats.lateness_s)
    dur = list(stats.durations_s)
    print(
        f"{label}: {ticks} ticks | lateness p50 {pct(late, 0.5) * 1e3:.3f} ms, "
        f"p99 {pct(late, 0.99) * 1e3:.3f} ms, max {max(late) * 1e3:.3f} ms | "
        f"tick work p50 {pct(dur, 0.5) * 1e3:.3f} ms, p99 {pct(dur, 0.99) * 1e3:.3f} ms | "
        f"overruns {stats.overruns} ({100 * stats.overruns / max(1, ticks):.2f} %)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default="config.yaml")
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    sys.setswitchinterval(SWITCH_INTERVAL_S)  # as `tvemicro run` does (DESIGN §3)
    cfg = load_config(args.config)
    m = build_machine(cfg, "sim", speed=1.0)
    assert m.runner is not None and m.sim is not None
    for zid, z in cfg.zones.items():  # warm start: measure a running machine, not a cold one
        m.sim.set_plant_temperature(zid, z.setpoint_c)
    m.runner.start()
    m.core.submit(Start()).result(timeout=5)
    time.sleep(args.seconds)
    ticks = m.core.snapshot.loop.ticks
    print(
        f"tick {cfg.machine.tick_s * 1e3:.0f} ms, state {m.core.snapshot.state}, "
        f"{args.seconds:.0f} s wall"
    )
    report("real-time loop (sim I/O, no UI/REST load)", m.runner.stats, ticks)
    m.close()


if __name__ == "__main__":
    main()
