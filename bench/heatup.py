"""Heat-up on the reference plant: overshoot and time to ±1 °C vs the full-power rise time."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.services.machine import build_machine
from control.commands import Preheat
from hw.sim.plant import full_power_rise_time_s
from machine_config.config import load_config

BAND_C = 1.0


def measure(config: str, minutes: float, seed: int) -> None:
    cfg = load_config(config)
    cfg = cfg.model_copy(update={"simulation": cfg.simulation.model_copy(update={"seed": seed})})
    m = build_machine(cfg, "sim", virtual=True)
    assert m.virtual is not None and m.sim is not None
    m.virtual.call(Preheat())
    t0 = m.clock.now()
    zones = list(cfg.zones)
    peak_sensor = dict.fromkeys(zones, -1e9)
    peak_true = dict.fromkeys(zones, -1e9)
    entered: dict[str, float | None] = dict.fromkeys(zones, None)
    settled: dict[str, float | None] = dict.fromkeys(zones, None)  # last entry into the band
    for _ in range(round(minutes * 60 / cfg.machine.tick_s)):
        m.virtual.step()
        snap = m.core.snapshot
        for z in snap.zones:
            if z.temperature_c is None:
                continue
            err = z.temperature_c - z.setpoint_c
            peak_sensor[z.id] = max(peak_sensor[z.id], err)
            peak_true[z.id] = max(peak_true[z.id], m.sim.plant_temperature(z.id) - z.setpoint_c)
            inside = abs(err) <= BAND_C
            if inside and entered[z.id] is None:
                entered[z.id] = m.clock.now() - t0
            if inside and settled[z.id] is None:
                settled[z.id] = m.clock.now() - t0
            elif not inside and entered[z.id] is not None:
                settled[z.id] = None
    m.close()
    print(f"seed {seed}:")
    for zid in zones:
        rise = full_power_rise_time_s(cfg, zid, cfg.zones[zid].setpoint_c)
        first, stay = entered[zid], settled[zid]
        nan = float("nan")
        ratio = f"{first / rise:.2f}x" if first is not None else "never"
        print(
            f"  {zid:>7}: full-power rise {rise:6.1f} s | first within ±1 °C "
            f"{first or nan:6.1f} s ({ratio}) | stays within from {stay or nan:6.1f} s"
            f" | overshoot sensor {peak_sensor[zid]:+.2f} °C, true {peak_true[zid]:+.2f} °C"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default="config.yaml")
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3])
    args = parser.parse_args()
    print("budget: overshoot <= 1 °C; within ±1 °C in <= 1.2x the full-power rise time")
    for seed in args.seeds:
        measure(args.config, args.minutes, seed)


if __name__ == "__main__":
    main()
