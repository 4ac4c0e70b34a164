"""Immutable snapshots the core publishes each tick; the only machine state other threads read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import FrozenInstanceError, fields
from typing import Any, TypeVar

from control.capture import (
    Autotunes,
    Capture,
    gate_view,
    loop_view,
    motor_view,
    output_view,
    sensor_view,
    zone_view,
)
from control.isotime import iso
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

__all__ = [  # the views are re-exported: readers take everything a snapshot holds from here
    "FIELDS",
    "AlarmView",
    "GateView",
    "LoopView",
    "MotorView",
    "OutputView",
    "PidGains",
    "SensorView",
    "Snapshot",
    "ZoneView",
]


_V = TypeVar("_V")

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
        return self._view("gate", lambda c: gate_view(c.gate))

    @property
    def zones(self) -> tuple[ZoneView, ...]:
        return self._view("zones", lambda c: tuple([zone_view(v) for v in c.zones]))

    @property
    def sensors(self) -> tuple[SensorView, ...]:
        return self._view("sensors", lambda c: tuple([sensor_view(v) for v in c.sensors]))

    @property
    def motors(self) -> tuple[MotorView, ...]:
        return self._view("motors", lambda c: tuple([motor_view(v) for v in c.motors]))

    @property
    def outputs(self) -> tuple[OutputView, ...]:
        return self._view("outputs", lambda c: tuple([output_view(v) for v in c.outputs]))

    @property
    def alarms(self) -> tuple[AlarmView, ...]:
        return self._capture.alarms

    @property
    def loop(self) -> LoopView:
        return self._view("loop", lambda c: loop_view(c.loop))

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
