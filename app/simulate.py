"""`tvemicro simulate`: the core plus simulator in virtual time, and a report of how it went."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from app.services.machine import Machine, build_machine
from control.commands import Actor, Preheat, Start, Stop
from machine_config.config import Config, ConfigError, load_config

CLI = Actor(who="simulate", role="engineer", source="cli")
HEAT_TIMEOUT_S = 3 * 3600.0
SETTLE_S = 60.0
FAULT_WATCH_S = 30.0


@dataclass
class Report:
    """What a scenario measured, per zone and overall."""

    scenario: str
    seed: int
    time_to_gate_s: dict[str, float | None] = field(default_factory=dict)
    max_overshoot_c: dict[str, float] = field(default_factory=dict)
    rms_error_running_c: dict[str, float | None] = field(default_factory=dict)
    trips: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    detect_to_heater_off_ticks: int | None = None
    final_state: str = ""
    machine_s: float = 0.0
    wall_s: float = 0.0
    speedup: float = 0.0
    notes: list[str] = field(default_factory=list)


class Observer:
    """Samples the machine every tick: overshoot, time to gate, running error."""

    def __init__(self, machine: Machine) -> None:
        self.m = machine
        self.t0 = machine.clock.now()
        self.gate_at: dict[str, float | None] = dict.fromkeys(machine.cfg.zones)
        self.overshoot = dict.fromkeys(machine.cfg.zones, 0.0)
        self.sq_err = dict.fromkeys(machine.cfg.zones, 0.0)
        self.running_n = 0

    def sample(self) -> None:
        snap = self.m.core.snapshot
        band, min_c = self.m.cfg.sequence.band_c, self.m.cfg.sequence.min_extrude_c
        for z in snap.zones:
            if z.temperature_c is None:
                continue
            err = z.temperature_c - z.setpoint_c
            self.overshoot[z.id] = max(self.overshoot[z.id], err)
            if self.gate_at[z.id] is None and abs(err) <= band and z.temperature_c >= min_c:
                self.gate_at[z.id] = snap.monotonic_s - self.t0
            if snap.state == "running":
                self.sq_err[z.id] += err * err
        if snap.state == "running":
            self.running_n += 1


def _step_observed(m: Machine, obs: Observer, seconds: float) -> None:
    assert m.virtual is not None
    for _ in range(max(1, round(seconds / m.virtual.tick_s))):
        m.virtual.step()
        obs.sample()


def _until(m: Machine, obs: Observer, state: str, timeout_s: float) -> bool:
    assert m.virtual is not None
    end = m.clock.now() + timeout_s
    while m.clock.now() < end:
        m.virtual.step()
        obs.sample()
        if m.core.snapshot.state == state:
            return True
    return False


def _call(m: Machine, cmd: Any) -> Any:
    assert m.virtual is not None
    return m.virtual.call(cmd)


def run_production(m: Machine, report: Report, minutes: float) -> Observer:
    """preheat → ready → start → running for `minutes` → stop → idle."""
    obs = Observer(m)
    _call(m, Preheat(actor=CLI))
    if not _until(m, obs, "ready", HEAT_TIMEOUT_S):
        report.notes.append(f"never reached ready (state {m.core.snapshot.state})")
        return obs
    _call(m, Start(actor=CLI))
    if not _until(m, obs, "running", 600.0):
        report.notes.append(f"never reached running (state {m.core.snapshot.state})")
        return obs
    _step_observed(m, obs, minutes * 60.0)
    _call(m, Stop(actor=CLI))
    _until(m, obs, "idle", 600.0)
    return obs


def run_fault(m: Machine, report: Report, kind: str, target: str, minutes: float) -> Observer:
    """Reach steady running, inject the fault, and time detection → heater off in ticks."""
    obs = Observer(m)
    _call(m, Preheat(actor=CLI))
    if not _until(m, obs, "ready", HEAT_TIMEOUT_S):
        report.notes.append("never reached ready")
        return obs
    _call(m, Start(actor=CLI))
    _until(m, obs, "running", 600.0)
    _step_observed(m, obs, min(SETTLE_S, minutes * 60.0))
    sim = m.sim
    assert sim is not None
    sim.faults.inject(kind, None if target == "machine" else target)
    detected_tick: int | None = None
    watch_end = m.clock.now() + max(FAULT_WATCH_S, 2 * m.cfg.safety.heating_period_s + 10)
    while m.clock.now() < watch_end:
        _step_observed(m, obs, m.cfg.machine.tick_s)
        snap = m.core.snapshot
        trips = [a for a in snap.alarms if a.severity == "trip"]
        if detected_tick is None and trips:
            detected_tick = snap.loop.ticks
        if detected_tick is not None and not _any_ssr_on(m):
            report.detect_to_heater_off_ticks = snap.loop.ticks - detected_tick
            break
    if detected_tick is None:
        report.notes.append("no trip detected within the watch window")
    _step_observed(m, obs, 5.0)
    return obs


def _any_ssr_on(m: Machine) -> bool:
    assert m.sim is not None
    view = m.sim.io_view()
    return any(z["ssr_on"] for z in view["zones"].values())


def _finish(m: Machine, report: Report, obs: Observer, wall0: float) -> None:
    snap = m.core.snapshot
    report.final_state = snap.state
    report.machine_s = round(m.clock.now() - obs.t0, 2)
    report.wall_s = round(time.perf_counter() - wall0, 3)
    report.speedup = round(report.machine_s / report.wall_s, 1) if report.wall_s else 0.0
    report.time_to_gate_s = {k: _r(v) for k, v in obs.gate_at.items()}
    report.max_overshoot_c = {k: round(v, 2) for k, v in obs.overshoot.items()}
    report.rms_error_running_c = {
        k: (round(math.sqrt(v / obs.running_n), 3) if obs.running_n else None)
        for k, v in obs.sq_err.items()
    }
    alarms = list(snap.alarms) + list(m.core.alarm_history())
    report.trips = sorted({f"{a.code}:{a.source}" for a in alarms if a.severity == "trip"})
    report.warnings = sorted({f"{a.code}:{a.source}" for a in alarms if a.severity == "warning"})


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 1)


def simulate(cfg: Config, scenario: str, minutes: float) -> Report:
    """Run one scenario in virtual time and return its report."""
    m = build_machine(cfg, "sim", virtual=True)
    report = Report(scenario=scenario, seed=cfg.simulation.seed)
    wall0 = time.perf_counter()
    if scenario == "production":
        obs = run_production(m, report, minutes)
    elif scenario.startswith("fault:") and scenario.count(":") == 2:
        _, kind, target = scenario.split(":")
        assert m.sim is not None
        m.sim.faults.inject(kind, None if target == "machine" else target)  # validate up front
        m.sim.faults.clear_all()
        obs = run_fault(m, report, kind, target, minutes)
    else:
        raise ValueError(f"unknown scenario '{scenario}': use production or fault:<kind>:<target>")
    _finish(m, report, obs, wall0)
    m.close()
    return report


def simulate_command(args: argparse.Namespace) -> int:
    try:
        cfg = load_config(args.config)
    except ConfigError as err:
        print(err.report(), file=sys.stderr)
        return 2
    if args.seed is not None:
        sim_cfg = cfg.simulation.model_copy(update={"seed": args.seed})
        cfg = cfg.model_copy(update={"simulation": sim_cfg})
    if not (math.isfinite(args.minutes) and 0 <= args.minutes <= 24 * 60):
        print("--minutes must be between 0 and 1440", file=sys.stderr)
        return 2
    try:
        report = simulate(cfg, args.scenario, args.minutes)
    except (ValueError, LookupError) as err:
        print(f"simulate: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.__dict__))
    else:
        for key, value in report.__dict__.items():
            print(f"{key:>28}: {value}")
    return 0
