"""Immutable snapshots the core publishes each tick; the only machine state other threads read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import FrozenInstanceError, dataclass, fields
from typing import Any, NamedTuple, TypeVar

from control.isotime import iso


@dataclass(frozen=True, slots=True)
class PidGains:
    kp: float
    ki: float
    kd: float


@dataclass(frozen=True, slots=True)
class GateView:
    ok: bool
    soak_remaining_s: float | None
    blocking: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ZoneView:
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
    heated: bool = True


@dataclass(frozen=True, slots=True)
class SensorView:
    id: str
    name: str
    temperature_c: float | None
    sensor_ok: bool
    age_s: float | None
    fault: str | None
    max_c: float | None


@dataclass(frozen=True, slots=True)
class MotorView:
    id: str
    name: str
    rpm: float
    target_rpm: float
    run_rpm: float
    max_rpm: float
    enabled: bool
    running: bool
    fault: str | None


@dataclass(frozen=True, slots=True)
class OutputView:
    id: str
    name: str
    on: bool


@dataclass(frozen=True, slots=True)
class AlarmView:
    id: int
    code: str
    source: str
    severity: str
    message: str
    raised_at: str
    acked_at: str | None
    cleared_at: str | None
    latched: bool
    first_out: bool
    shelved_until: str | None = None

    @property
    def state(self) -> str:
        """ISA-18.2 state: unacked, acked, cleared (cleared but unacked stays 'unacked')."""
        if self.acked_at is None:
            return "unacked"
        return "cleared" if self.cleared_at else "acked"


@dataclass(frozen=True, slots=True)
class LoopView:
    tick_s: float
    last_tick_age_s: float
    overruns: int
    ticks: int


_V = TypeVar("_V")

# What one tick captures for each view: its field values in the view's field order, before
# rounding to the published precision (done when the view is made, see the `_*_view` makers; a
# zone's `heated` keeps its default). The scenario test checks them against views built by keyword.
GateValues = tuple[bool, float | None, tuple[str, ...]]
ZoneValues = tuple[
    str, str, float | None, float, float, float, bool, bool, str | None, float | None, bool,
    PidGains, float | None, str,
]  # fmt: skip
SensorValues = tuple[str, str, float | None, bool, float | None, str | None, float | None]
MotorValues = tuple[str, str, float, float, float, float, bool, bool, str | None]
OutputValues = tuple[str, str, bool]
LoopValues = tuple[float, float, int, int]
Autotunes = tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]


class Capture(NamedTuple):
    """Every value of one snapshot as the tick computed it: plain immutable tuples, cheap to make.

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
    gate: GateValues
    zones: tuple[ZoneValues, ...]
    sensors: tuple[SensorValues, ...]
    motors: tuple[MotorValues, ...]
    outputs: tuple[OutputValues, ...]
    alarms: tuple[AlarmView, ...]
    loop: LoopValues
    sequence_step: str | None = None
    autotune: Autotunes = ()
    estop_chain_ok: bool = True


# The published fields in REST order; `timestamp` is the ISO text of `wall_s`.
FIELDS = ("timestamp", *Capture._fields)
_PLAIN = frozenset(Capture._fields) - {"gate", "zones", "sensors", "motors", "outputs", "loop"}


class Snapshot:
    """Everything a reader may show, as of one tick. Replaced whole, never mutated.

    It holds the tick's immutable `Capture`; each view (zones, gate, loop, ...) and the timestamp
    text is made from that capture alone on first read and then kept, so a reader sees the same
    object every time. Making a view is pure: two threads racing to make one get equal views and
    the first one stored wins. Assigning to any attribute raises FrozenInstanceError."""

    __slots__ = ("_capture", "_made")
    _capture: Capture
    _made: dict[str, Any]  # name → the view made from the capture (only ever added to)

    def __init__(self, capture: Capture) -> None:
        object.__setattr__(self, "_capture", capture)
        object.__setattr__(self, "_made", {})

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def _view(self, name: str, make: Callable[[Capture], _V]) -> _V:
        """The view `name`, made from the capture on first read (setdefault: the first one wins)."""
        view: _V | None = self._made.get(name)
        if view is None:
            view = self._made.setdefault(name, make(self._capture))
        return view

    # -- the published fields -------------------------------------------------------------------
    @property
    def timestamp(self) -> str:
        return self._view("timestamp", lambda c: iso(c.wall_s))

    @property
    def wall_s(self) -> float:
        return self._capture.wall_s

    @property
    def monotonic_s(self) -> float:
        return self._capture.monotonic_s

    @property
    def uptime_s(self) -> float:
        return self._view("uptime_s", lambda c: round(c.uptime_s, 3))

    @property
    def state(self) -> str:
        return self._capture.state

    @property
    def mode(self) -> str:
        return self._capture.mode

    @property
    def hmi_enabled(self) -> bool:
        return self._capture.hmi_enabled

    @property
    def start_blocked(self) -> str | None:
        return self._capture.start_blocked

    @property
    def gate(self) -> GateView:
        return self._view("gate", lambda c: _gate_view(c.gate))

    @property
    def zones(self) -> tuple[ZoneView, ...]:
        return self._view("zones", lambda c: tuple([_zone_view(v) for v in c.zones]))

    @property
    def sensors(self) -> tuple[SensorView, ...]:
        return self._view("sensors", lambda c: tuple([_sensor_view(v) for v in c.sensors]))

    @property
    def motors(self) -> tuple[MotorView, ...]:
        return self._view("motors", lambda c: tuple([_motor_view(v) for v in c.motors]))

    @property
    def outputs(self) -> tuple[OutputView, ...]:
        return self._view("outputs", lambda c: tuple([OutputView(*v) for v in c.outputs]))

    @property
    def alarms(self) -> tuple[AlarmView, ...]:
        return self._capture.alarms

    @property
    def loop(self) -> LoopView:
        return self._view("loop", lambda c: LoopView(*c.loop))

    @property
    def sequence_step(self) -> str | None:
        return self._capture.sequence_step

    @property
    def autotune(self) -> Autotunes:
        return self._capture.autotune

    @property
    def estop_chain_ok(self) -> bool:
        return self._capture.estop_chain_ok

    # -- value semantics, as the frozen dataclass it replaces had -------------------------------
    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in FIELDS)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Snapshot):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in FIELDS)
        return f"Snapshot({fields})"

    def replace(self, **changes: Any) -> Snapshot:
        """A copy with some plain (non-view) captured fields changed, like dataclasses.replace."""
        unknown = set(changes) - _PLAIN
        if unknown:
            raise TypeError(f"Snapshot.replace: not a plain field: {', '.join(sorted(unknown))}")
        return Snapshot(self._capture._replace(**changes))

    # -- queries -------------------------------------------------------------------------------
    def autotune_of(self, zone_id: str) -> dict[str, Any]:
        """The autotune view of one zone (API.md decision 11)."""
        for zid, items in self.autotune:
            if zid == zone_id:
                return dict(items)
        return {"zone": zone_id, "state": "idle"}

    def to_dict(self) -> dict[str, Any]:
        """The REST status body (API.md 'Status snapshot')."""
        out: dict[str, Any] = {}
        for name in FIELDS:
            if name == "autotune":
                continue
            value = getattr(self, name)
            if name in ("gate", "loop"):
                value = _as_dict(value)
            elif name in ("zones", "sensors", "motors", "outputs", "alarms"):
                value = [_as_dict(view) for view in value]
            out[name] = value
        out["gate"]["blocking"] = list(self.gate.blocking)
        for alarm, view in zip(out["alarms"], self.alarms, strict=True):
            alarm["state"] = view.state
        return out

    def zone(self, zone_id: str) -> ZoneView:
        return next(z for z in self.zones if z.id == zone_id)

    def motor(self, motor_id: str) -> MotorView:
        return next(m for m in self.motors if m.id == motor_id)


def _as_dict(view: Any) -> dict[str, Any]:
    """A view as a dict, as dataclasses.asdict gives it, without asdict's recursive deep copy
    (which made to_dict() three times as slow): views hold only immutable values and PidGains."""
    out = {name: getattr(view, name) for name in _field_names(type(view))}
    pid = out.get("pid")
    if isinstance(pid, PidGains):
        out["pid"] = _as_dict(pid)
    return out


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}  # view class → its field names, in order


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


# -- the views, made from captured values (rounded here to the published precision) -----------
def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _gate_view(values: GateValues) -> GateView:
    ok, soak_remaining_s, blocking = values
    return GateView(ok=ok, soak_remaining_s=_rounded(soak_remaining_s, 1), blocking=blocking)


def _zone_view(values: ZoneValues) -> ZoneView:
    zid, name, temp_c, setpoint_c, max_c, duty, on, ok, fault, age_s, at_sp, pid, manual, tune = (
        values
    )
    return ZoneView(
        id=zid,
        name=name,
        temperature_c=_rounded(temp_c, 2),
        setpoint_c=setpoint_c,
        setpoint_max_c=max_c,
        duty=round(duty, 4),
        heater_on=on,
        sensor_ok=ok,
        fault=fault,
        age_s=_rounded(age_s, 3),
        at_setpoint=at_sp,
        pid=pid,
        manual_duty=manual,
        autotune=tune,
    )


def _sensor_view(values: SensorValues) -> SensorView:
    sid, name, temp_c, ok, age_s, fault, max_c = values
    return SensorView(
        id=sid,
        name=name,
        temperature_c=_rounded(temp_c, 2),
        sensor_ok=ok,
        age_s=_rounded(age_s, 3),
        fault=fault,
        max_c=max_c,
    )


def _motor_view(values: MotorValues) -> MotorView:
    mid, name, rpm, target_rpm, run_rpm, max_rpm, enabled, running, fault = values
    return MotorView(
        id=mid,
        name=name,
        rpm=round(rpm, 2),
        target_rpm=target_rpm,
        run_rpm=run_rpm,
        max_rpm=max_rpm,
        enabled=enabled,
        running=running,
        fault=fault,
    )
