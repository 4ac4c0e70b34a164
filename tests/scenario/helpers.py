"""Scenario helpers: drive a virtual-clock machine through the sequence and read its outputs."""

from __future__ import annotations

from typing import Any

from control.commands import Actor, Preheat, Start

ENGINEER = Actor(who="qa", role="engineer", source="cli")


def reach(machine: Any, state: str, timeout_s: float = 3600.0) -> None:
    """Tick until the machine is in `state`, or fail with what it is doing instead."""
    ok = machine.virtual.run_until(lambda: machine.core.snapshot.state == state, timeout_s)
    snap = machine.core.snapshot
    assert ok, f"never reached {state}: state={snap.state} alarms={[a.code for a in snap.alarms]}"


def reach_running(machine: Any) -> None:
    machine.virtual.call(Preheat(actor=ENGINEER))
    reach(machine, "ready")
    machine.virtual.call(Start(actor=ENGINEER))
    reach(machine, "running", 120.0)


def heaters_on(machine: Any) -> list[str]:
    """Zones whose SSR the core is commanding on right now (read at the simulated pins)."""
    return [zid for zid in machine.cfg.zones if machine.sim.heater(zid).commanded]


def stepping(machine: Any) -> list[str]:
    """Motors receiving step pulses with the driver enabled right now."""
    out = []
    for mid in machine.cfg.motors:
        stepper = machine.sim.stepper(mid)
        if stepper.enabled and stepper.step_hz > 0:
            out.append(mid)
    return out


def energised(machine: Any) -> list[str]:
    """Every output that is on, except the heartbeat and keep-on-trip outputs (cooling fans)."""
    on = [f"heater:{z}" for z in heaters_on(machine)]
    on += [f"motor:{m}" for m in machine.cfg.motors if machine.sim.stepper(m).enabled]
    on += [f"motor_steps:{m}" for m in stepping(machine)]
    if machine.sim.output("heater_contactor").on:
        on.append("heater_contactor")
    for oid, ocfg in machine.cfg.outputs.aux.items():
        if machine.sim.output(oid).on and not ocfg.keep_on_trip:
            on.append(f"aux:{oid}")
    return on


def trips(machine: Any) -> list[tuple[str, str]]:
    return [(a.code, a.source) for a in machine.core.snapshot.alarms if a.severity == "trip"]
