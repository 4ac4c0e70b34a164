"""Hypothesis stateful test: random commands and faults never break the safety invariants."""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from app.services.machine import build_machine
from control import commands as c
from control.ramp import rpm_to_step_hz
from tests.scenario.helpers import ENGINEER, energised
from tests.support import config_with

CFG = config_with(**{"sequence.soak_s": 2, "safety.heating_period_s": 20})
ZONES = sorted(CFG.zones)
MOTORS = sorted(CFG.motors)
AUX = sorted(CFG.outputs.aux)
MONITORS = sorted(CFG.sensors)
ZONE_FAULTS = ["tc_open", "tc_short_gnd", "tc_short_vcc", "spi_error", "sensor_frozen",
               "probe_detached", "ssr_stuck_on", "heater_open"]  # fmt: skip
EXAMPLES = 2000 if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else 150

faults = st.one_of(
    st.tuples(st.sampled_from(ZONE_FAULTS), st.sampled_from(ZONES)),
    st.tuples(st.sampled_from(["tc_open", "sensor_frozen"]), st.sampled_from(MONITORS)),
    st.tuples(st.just("driver_alarm"), st.sampled_from(MOTORS)),
    st.tuples(st.sampled_from(["estop", "disk_full"]), st.just("machine")),
)


class Machine(RuleBasedStateMachine):
    """One simulated machine, warm-started so that every state is reachable in a few steps."""

    def __init__(self) -> None:
        super().__init__()
        self.m: Any = build_machine(CFG, "sim", virtual=True)
        self.last_hz = dict.fromkeys(MOTORS, 0.0)
        self.last_s = self.m.clock.now()

    @initialize(
        temps=st.lists(st.sampled_from([120.0, 168.0, 175.0, None]), min_size=2, max_size=2),
        running=st.booleans(),
    )
    def warm_start(self, temps: list[float | None], running: bool) -> None:
        """Start warm (None = at setpoint) or part-cold, and in half the runs already running."""
        for zid, temp in zip(ZONES, temps, strict=True):
            hot = running or temp is None
            self.m.sim.set_plant_temperature(zid, CFG.zones[zid].setpoint_c if hot else temp)
        self.step(10)
        if running and self.call(c.Start(actor=ENGINEER)):
            for _ in range(400):
                self.step(1)
                if self.m.core.snapshot.state == "running":
                    break

    def teardown(self) -> None:
        self.m.close()

    def call(self, cmd: c.Command) -> bool:
        """Submit a command and tick once; True if the core applied it."""
        future = self.m.core.submit(cmd)
        self.step(1)
        return future.exception(timeout=0) is None

    def step(self, ticks: int) -> None:
        """Tick one at a time and check the invariants after every tick, not only between rules."""
        for _ in range(ticks):
            self.m.virtual.step()
            self.check_outputs()

    # -- operator and engineer actions ------------------------------------------------------
    @rule(kind=st.sampled_from([c.Start, c.Preheat, c.Stop, c.AckAll]))
    def simple(self, kind: type[c.Command]) -> None:
        self.call(kind(actor=ENGINEER))

    @rule(mode=st.sampled_from(["auto", "manual"]))
    def mode(self, mode: str) -> None:
        self.call(c.SetMode(mode=mode, actor=ENGINEER))

    @rule(zone=st.sampled_from(ZONES), value=st.floats(-20, 320, allow_nan=False))
    def setpoint(self, zone: str, value: float) -> None:
        self.call(c.SetSetpoint(zone=zone, setpoint_c=value, actor=ENGINEER))

    @rule(zone=st.sampled_from(ZONES), duty=st.floats(-0.5, 1.5, allow_nan=False))
    def manual_duty(self, zone: str, duty: float) -> None:
        self.call(c.SetManualDuty(zone=zone, duty=duty, actor=ENGINEER))

    @rule(motor=st.sampled_from(MOTORS), rpm=st.floats(-50, 70), seconds=st.floats(0, 5))
    def jog(self, motor: str, rpm: float, seconds: float) -> None:
        self.call(c.Jog(motor=motor, rpm=rpm, duration_s=seconds, actor=ENGINEER))

    @rule(motor=st.sampled_from(MOTORS), rpm=st.floats(1, 60))
    def manual_jog(self, motor: str, rpm: float) -> None:
        """Switch to manual and jog at once (a jog right after a run has stopped, say)."""
        if self.call(c.SetMode(mode="manual", actor=ENGINEER)):
            self.call(c.Jog(motor=motor, rpm=rpm, duration_s=2.0, actor=ENGINEER))

    @rule(output=st.sampled_from(AUX), on=st.booleans())
    def output(self, output: str, on: bool) -> None:
        self.call(c.SetOutput(output=output, on=on, actor=ENGINEER))

    @rule(fault=faults)
    def inject(self, fault: tuple[str, str]) -> None:
        kind, target = fault
        self.m.sim.faults.inject(kind, target)

    @rule(fault=faults, ticks=st.integers(1, 40), times=st.integers(1, 4))
    def intermittent(self, fault: tuple[str, str], ticks: int, times: int) -> None:
        """A fault that comes and goes: present for `ticks`, then gone as long, `times` over."""
        kind, target = fault
        for _ in range(times):
            fault_id = self.m.sim.faults.inject(kind, target)
            self.step(ticks)
            self.m.sim.faults.clear(fault_id)
            self.step(ticks)

    @rule()
    def clear_faults(self) -> None:
        self.m.sim.faults.clear_all()

    @rule(ticks=st.integers(1, 60))
    def advance(self, ticks: int) -> None:
        self.step(ticks)

    @rule(seconds=st.sampled_from([5.0, 30.0]))
    def wait(self, seconds: float) -> None:
        self.step(round(seconds / CFG.machine.tick_s))

    # -- the invariants under test -----------------------------------------------------------
    @rule()
    def estop(self) -> None:
        self.call(c.EStop(actor=ENGINEER))
        assert energised(self.m) == [], "every output must be off in the tick after an estop"

    @rule(ack=st.booleans())
    def reset(self, ack: bool) -> None:
        before = set(energised(self.m))
        if self.call(c.Reset(ack=ack, actor=ENGINEER)):  # a refused reset ticks like any tick
            after = set(energised(self.m))
            assert after <= before, f"reset turned on {after - before}"
            assert self.m.core.snapshot.state == "idle"

    def check_outputs(self) -> None:
        self.no_heat_without_a_healthy_sensor_or_in_a_resting_state()
        self.no_steps_below_min_extrude()
        self.disabled_or_fault_means_no_heat()
        self.step_rate_changes_at_most_accel_times_dt()
        self.one_alarm_per_cause()

    @invariant()
    def note_state(self) -> None:
        event(f"state {self.m.core.snapshot.state}")

    def no_heat_without_a_healthy_sensor_or_in_a_resting_state(self) -> None:
        snap = self.m.core.snapshot
        for zone in snap.zones:
            if self.m.sim.heater(zone.id).commanded:
                assert zone.sensor_ok, f"{zone.id} heated with a faulted or stale sensor"
                assert snap.state not in ("idle", "fault", "disabled"), f"heat in {snap.state}"

    def no_steps_below_min_extrude(self) -> None:
        moving = [
            mid for mid in MOTORS
            if self.m.sim.stepper(mid).enabled and self.m.sim.stepper(mid).step_hz > 0
        ]  # fmt: skip
        if moving:
            for zone in self.m.core.snapshot.zones:
                assert zone.temperature_c is not None and zone.sensor_ok
                assert zone.temperature_c >= CFG.sequence.min_extrude_c, (
                    f"{moving} stepping with {zone.id} at {zone.temperature_c} °C"
                )

    def step_rate_changes_at_most_accel_times_dt(self) -> None:
        """Every start, jog included, ramps: no tick changes a step rate by more than accel × dt,
        except a stop to zero (the motion interlock or a category-0 trip)."""
        now = self.m.clock.now()
        dt, self.last_s = now - self.last_s, now
        for mid in MOTORS:
            mcfg = CFG.motors[mid]
            stepper = self.m.sim.stepper(mid)
            hz = stepper.step_hz if stepper.enabled else 0.0
            limit = rpm_to_step_hz(mcfg.accel_rpm_s * dt, mcfg.steps_per_rev, mcfg.microsteps)
            if hz != 0.0:
                assert abs(hz - self.last_hz[mid]) <= limit + 1e-6, (
                    f"{mid} step rate {self.last_hz[mid]} -> {hz} Hz in {dt} s"
                )
            self.last_hz[mid] = hz

    def one_alarm_per_cause(self) -> None:
        """DESIGN §7: one live alarm per cause; a returning condition re-activates it."""
        causes = [(a.code, a.source) for a in self.m.core.snapshot.alarms]
        assert len(causes) == len(set(causes)), f"duplicate alarms: {sorted(causes)}"

    def disabled_or_fault_means_no_heat(self) -> None:
        if self.m.core.snapshot.state in ("fault", "disabled"):
            assert not self.m.sim.output("heater_contactor").on


Machine.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestSafetyInvariants = Machine.TestCase
