"""What one tick captures for a snapshot: named tuples, and the views made from them on read."""

from __future__ import annotations

from typing import Any, NamedTuple

from control.views import (
    AlarmView,
    GateView,
    LoopView,
    MotorView,
    OutputView,
    PidGains,
    SensorView,
    ZoneView,
)


# What one tick captures for each view: the view's own fields by name, before rounding to the
# published precision (done when the view is made, see the `*_view` makers below).
class GateCapture(NamedTuple):
    ok: bool
    soak_remaining_s: float | None
    blocking: tuple[str, ...]


class ZoneCapture(NamedTuple):
    """A ZoneView's fields (its `heated` keeps the default)."""

    id: str
    name: str
    temperature_c: float | None
    setpoint_c: float
    setpoint_max_c: float
    duty: float
    heater_on: bool
    sensor_ok: bool
    fault: str | None
    age_s: float | None
    at_setpoint: bool
    pid: PidGains
    manual_duty: float | None
    autotune: str


class SensorCapture(NamedTuple):
    id: str
    name: str
    temperature_c: float | None
    sensor_ok: bool
    age_s: float | None
    fault: str | None
    max_c: float | None


class MotorCapture(NamedTuple):
    id: str
    name: str
    rpm: float
    target_rpm: float
    run_rpm: float
    max_rpm: float
    enabled: bool
    running: bool
    fault: str | None


class OutputCapture(NamedTuple):
    id: str
    name: str
    on: bool


class LoopCapture(NamedTuple):
    tick_s: float
    last_tick_age_s: float
    overruns: int
    ticks: int


Autotunes = tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]


class Capture(NamedTuple):
    """Every value of one snapshot as the tick computed it: named tuples, cheap to make.

    The frozen view objects cost about 0.3 µs per field to construct and round(x, n) about as much
    again, so views are made, and values rounded, only when someone reads them (see Snapshot).
    `uptime_s` and the views' floats are held unrounded."""

    wall_s: float
    monotonic_s: float
    uptime_s: float
    state: str
    mode: str
    hmi_enabled: bool
    start_blocked: str | None
    gate: GateCapture
    zones: tuple[ZoneCapture, ...]
    sensors: tuple[SensorCapture, ...]
    motors: tuple[MotorCapture, ...]
    outputs: tuple[OutputCapture, ...]
    alarms: tuple[AlarmView, ...]
    loop: LoopCapture
    sequence_step: str | None = None
    autotune: Autotunes = ()
    estop_chain_ok: bool = True


# -- the views, made from captured values (rounded here to the published precision) -----------
# Each capture holds its view's fields in the view's order (tests/scenario/test_snapshot_views.py
# checks the names), so a view is made positionally from its unpacked capture: keyword
# construction of a frozen dataclass costs about a quarter more, and the zones are read each tick.
def rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def gate_view(v: GateCapture) -> GateView:
    ok, soak_remaining_s, blocking = v
    return GateView(ok, rounded(soak_remaining_s, 1), blocking)


def zone_view(v: ZoneCapture) -> ZoneView:
    zid, name, temp_c, setpoint_c, max_c, duty, on, ok, fault, age_s, at_sp, pid, manual, tune = v
    return ZoneView(  # rounded inline: the simulator reads the zones every tick
        zid,
        name,
        None if temp_c is None else round(temp_c, 2),  # temperature_c
        setpoint_c,
        max_c,  # setpoint_max_c
        round(duty, 4),
        on,  # heater_on
        ok,  # sensor_ok
        fault,
        None if age_s is None else round(age_s, 3),
        at_sp,  # at_setpoint
        pid,
        manual,  # manual_duty
        tune,  # autotune
    )


def sensor_view(v: SensorCapture) -> SensorView:
    sid, name, temp_c, ok, age_s, fault, max_c = v
    return SensorView(sid, name, rounded(temp_c, 2), ok, rounded(age_s, 3), fault, max_c)


def motor_view(v: MotorCapture) -> MotorView:
    mid, name, rpm, target_rpm, run_rpm, max_rpm, enabled, running, fault = v
    return MotorView(
        mid, name, round(rpm, 2), target_rpm, run_rpm, max_rpm, enabled, running, fault
    )


def output_view(v: OutputCapture) -> OutputView:
    return OutputView(*v)


def loop_view(v: LoopCapture) -> LoopView:
    return LoopView(*v)
