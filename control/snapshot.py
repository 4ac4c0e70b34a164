"""Immutable snapshots the core publishes each tick; the only machine state other threads read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import FrozenInstanceError, asdict, dataclass
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

# What one tick captures for each view: its field values, in the view's field order (a zone's
# `heated` keeps its default). The scenario test checks them against views built by keyword.
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

    The frozen view objects cost about 0.3 µs per field to construct, so they are made from this
    capture only when someone reads them (see Snapshot)."""

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
        return self._capture.uptime_s

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
        return self._view("gate", lambda c: GateView(*c.gate))

    @property
    def zones(self) -> tuple[ZoneView, ...]:
        return self._view("zones", lambda c: tuple([ZoneView(*v) for v in c.zones]))

    @property
    def sensors(self) -> tuple[SensorView, ...]:
        return self._view("sensors", lambda c: tuple([SensorView(*v) for v in c.sensors]))

    @property
    def motors(self) -> tuple[MotorView, ...]:
        return self._view("motors", lambda c: tuple([MotorView(*v) for v in c.motors]))

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
                value = asdict(value)
            elif name in ("zones", "sensors", "motors", "outputs", "alarms"):
                value = [asdict(view) for view in value]
            out[name] = value
        out["gate"]["blocking"] = list(self.gate.blocking)
        for alarm, view in zip(out["alarms"], self.alarms, strict=True):
            alarm["state"] = view.state
        return out

    def zone(self, zone_id: str) -> ZoneView:
        return next(z for z in self.zones if z.id == zone_id)

    def motor(self, motor_id: str) -> MotorView:
        return next(m for m in self.motors if m.id == motor_id)
