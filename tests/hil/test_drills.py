"""HIL drills, each judged only at the rig's input pins (never the core's snapshot): on the sim rig
in CI, on the loop-back rig with `pytest --hil --rig rig.yaml tests/hil`."""

from __future__ import annotations

import itertools

from control.commands import Actor, SetManualDuty, SetMode, Start, Stop
from tests.hil.harness import Pins, Report, Rig

QA = Actor(who="hil", role="engineer", source="cli")
SETTLE_S = 0.5  # first conversions in, sensors healthy
HOLD_S = 3.0  # an output that went low must stay low this long


def tick(rig: Rig) -> float:
    return rig.cfg.machine.tick_s


def step_hz(rig: Rig, motor: str) -> float:
    m = rig.cfg.motors[motor]
    return m.run_rpm * m.steps_per_rev * m.microsteps / 60.0


def run_to_stepping(rig: Rig, pins: Pins, motors: tuple[str, ...] = ("screw", "feeder")) -> float:
    """START from idle, until every motor's step pin pulses; returns when START was given."""
    rig.run_for(SETTLE_S)
    t_start = rig.now()
    rig.submit(Start(actor=QA))
    assert rig.run_until(lambda: all(pins.stepping(m) for m in motors), 900), "never stepped"
    return t_start


def outputs_off_within(
    rig: Rig, pins: Pins, report: Report, drill: str, t0: float, budget_s: float
) -> bool:
    """Every wired output but DIR and the heartbeat is off by t0 + budget_s and stays off."""
    rig.run_for(HOLD_S)
    ok = True
    for key in rig.spec.loopback:
        if key.endswith(".dir") or key == "outputs.heartbeat":
            continue
        off = pins.off_since(key, t0)
        seen = "still on" if off is None else f"{(off - t0) * 1000:.0f} ms"
        ok &= report.check(
            drill, f"{key} low after cause", f"<= {budget_s * 1000:.0f} ms", seen,
            off is not None and off - t0 <= budget_s + 1e-9,
        )  # fmt: skip
    return ok


def test_idle_machine_holds_every_output_off_and_beats(
    rig: Rig, pins: Pins, report: Report
) -> None:
    rig.run_for(2.0)
    t0, t1 = rig.now() - 1.5, rig.now()
    ok = True
    for key in rig.spec.loopback:
        if key.endswith(".dir") or key == "outputs.heartbeat":
            continue
        ok &= report.check("idle", f"{key} level", "off", "on" if pins.on(key) else "off",
                           pins.duty(key, t0, t1) == 0.0)  # fmt: skip
    periods = pins.heartbeat_periods(t0, t1)
    want = 2 * tick(rig)
    mean = sum(periods) / len(periods) if periods else float("inf")
    steady = bool(periods) and max(abs(p - want) for p in periods) <= tick(rig)
    ok &= report.check("idle", "heartbeat period", f"{want * 1000:.0f} ms ± 1 tick",
                       f"{mean * 1000:.1f} ms ({len(periods)} periods)", steady)  # fmt: skip
    assert ok


def test_ssr_duty_follows_the_commanded_duty(rig: Rig, pins: Pins, report: Report) -> None:
    rig.run_for(SETTLE_S)
    rig.submit(SetMode(mode="manual", actor=QA))
    rig.run_for(tick(rig) * 2)
    ok = True
    for zone, duty in (("barrel", 0.3), ("nozzle", 0.7)):
        rig.submit(SetManualDuty(zone=zone, duty=duty, actor=QA))
    rig.run_for(1.0)  # the first window starts on the command
    window = rig.cfg.zones["barrel"].heater.window_s
    for _ in range(3):
        t0 = rig.now()
        rig.run_for(window)
        for zone, duty in (("barrel", 0.3), ("nozzle", 0.7)):
            seen = pins.duty(f"zones.{zone}.heater", t0, t0 + window)
            ok &= report.check("ssr duty", f"zones.{zone}.heater duty per {window:g} s window",
                               f"{duty:.2f} ± 1 tick", f"{seen:.3f}",
                               abs(seen - duty) <= tick(rig) / window + 1e-9)  # fmt: skip
    assert ok
    assert pins.on("outputs.heater_contactor"), "the contactor feeds the SSRs while heating"


def test_start_enables_before_the_first_pulse_and_ramps_to_rate(
    rig: Rig, pins: Pins, report: Report
) -> None:
    run_to_stepping(rig, pins, ("screw",))
    first = pins.first_step("screw", 0.0)
    assert first is not None
    ok = report.check("start", "motors.screw.enable at first step pulse", "on",
                      "on" if pins.enabled_at("screw", first) else "off",
                      pins.enabled_at("screw", first))  # fmt: skip
    m = rig.cfg.motors["screw"]
    ramp_s = m.run_rpm / m.accel_rpm_s
    rig.run_for(ramp_s + 2.0)
    rates = [pins.step_rate("screw", first + i * 0.25, first + (i + 1) * 0.25)
             for i in range(int(ramp_s / 0.25))]  # fmt: skip
    rising = all(b >= a - 8.0 for a, b in itertools.pairwise(rates))  # ±2 edges/window
    shape = " ".join(f"{r:.0f}" for r in rates)
    ok &= report.check("start", "motors.screw.step ramp", f"rising over {ramp_s:g} s", shape,
                       rising and rates[0] < rates[-1])  # fmt: skip
    want = step_hz(rig, "screw")
    t1 = rig.now()
    seen = pins.step_rate("screw", t1 - 1.0, t1)
    ok &= report.check("start", "motors.screw.step rate", f"{want:.1f}/s ± 1 %",
                       f"{seen:.1f}/s", abs(seen - want) <= 0.01 * want + 1.0)  # fmt: skip
    assert ok


def test_estop_opened_drops_every_output_within_one_tick(
    rig: Rig, pins: Pins, report: Report
) -> None:
    run_to_stepping(rig, pins)
    rig.run_for(0.5)
    t0 = rig.now()
    rig.open_estop(True)
    budget = tick(rig) + rig.cfg.inputs.estop_ok.debounce_s
    assert outputs_off_within(rig, pins, report, "E-stop opened", t0, budget)


def test_thermocouple_unplugged_drops_its_ssr(rig: Rig, pins: Pins, report: Report) -> None:
    rig.run_for(SETTLE_S)
    rig.submit(Start(actor=QA))
    rig.run_for(3.0)  # heating from cold: the barrel SSR is on
    key = "zones.barrel.heater"
    assert pins.on(key), "the barrel should be heating before the drill"
    t0 = rig.now()
    rig.unplug_tc("barrel", True)
    safety = rig.cfg.safety
    budget = (safety.tc_fault_count + 1) * rig.cfg.zones["barrel"].sensor.period_s + tick(rig)
    rig.run_for(HOLD_S)
    off = pins.off_since(key, t0)
    seen = "still on" if off is None else f"{(off - t0) * 1000:.0f} ms"
    assert report.check("tc unplugged", f"{key} low after unplug", f"<= {budget * 1000:.0f} ms",
                        seen, off is not None and off - t0 <= budget)  # fmt: skip


def test_over_temperature_with_a_lowered_limit_drops_heat(
    rig: Rig, pins: Pins, report: Report
) -> None:
    """The rig caps trip_max_c; a full manual duty drives the barrel through it."""
    rig.run_for(SETTLE_S)
    rig.submit(SetMode(mode="manual", actor=QA))
    rig.run_for(tick(rig) * 2)
    rig.submit(SetManualDuty(zone="barrel", duty=1.0, actor=QA))
    rig.run_for(1.0)
    key = "zones.barrel.heater"
    t_on = rig.now()
    assert pins.on(key)
    limit = rig.cfg.zones["barrel"].trip_max_c
    dropped = rig.run_until(lambda: not pins.on(key), 600)
    rig.run_for(HOLD_S)
    off = pins.off_since(key, t_on)
    want = f"low for good (limit {limit:g} °C)"
    ok = report.check("over-temperature", f"{key} at full duty", want,
                      "still on" if off is None else f"low after {off - t_on:.1f} s of heat",
                      dropped and off is not None)  # fmt: skip
    ok &= report.check("over-temperature", "outputs.heater_contactor", "off",
                       "on" if pins.on("outputs.heater_contactor") else "off",
                       not pins.on("outputs.heater_contactor"))  # fmt: skip
    assert ok


def test_stop_follows_the_stop_order(rig: Rig, pins: Pins, report: Report) -> None:
    run_to_stepping(rig, pins)
    rig.run_for(2.0)
    t0 = rig.now()
    rig.submit(Stop(actor=QA))
    rig.run_for(12.0)
    ok = True
    delays = {s.motor: s.delay_s for s in rig.cfg.sequence.stop_order}
    for motor, delay in delays.items():
        m = rig.cfg.motors[motor]
        budget = delay + m.run_rpm / m.accel_rpm_s + 2 * tick(rig)
        rises = rig.trace(f"motors.{motor}.step").rises(t0, rig.now())
        last = rises[-1] - t0 if rises else 0.0
        ok &= report.check("ordered stop", f"motors.{motor}.step last pulse",
                           f"{delay:g} s .. {budget:.2f} s", f"{last:.2f} s",
                           delay - 1e-9 <= last <= budget if delay else last <= budget)  # fmt: skip
        enable_off = pins.off_since(f"motors.{motor}.enable", t0)
        ok &= report.check("ordered stop", f"motors.{motor}.enable", "off after its last pulse",
                           "on" if enable_off is None else f"off at {enable_off - t0:.2f} s",
                           enable_off is not None and enable_off - t0 >= last)  # fmt: skip
    assert ok
