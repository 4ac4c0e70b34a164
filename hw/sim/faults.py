"""Fault injection for the simulator: the kinds of API.md, validated targets, inject/clear by id."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from hw.protocols import SENSOR_FAULTS
from hw.sim.bus import SimBus

MACHINE = "machine"

# What each kind targets: "sensor" = a zone id or a monitor-sensor id, "zone" = a zone id,
# "motor" = a motor id, "machine" = the literal "machine" (or None / omitted).
KINDS: dict[str, str] = {
    "tc_open": "sensor",
    "tc_short_gnd": "sensor",
    "tc_short_vcc": "sensor",
    "spi_error": "sensor",
    "sensor_frozen": "sensor",
    "probe_detached": "zone",
    "ssr_stuck_on": "zone",
    "heater_open": "zone",
    "driver_alarm": "motor",
    "estop": "machine",
    "disk_full": "machine",
}

_TARGET_WORDS = {
    "sensor": "a zone or monitor-sensor id",
    "zone": "a zone id",
    "motor": "a motor id",
    "machine": "'machine' (or omitted)",
}


class SimFaultError(ValueError):
    """An injection request was malformed: unknown kind or a target of the wrong type.

    `field` names the offending request field ("kind" or "target"); nothing was changed.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class UnknownFault(LookupError):
    """`clear(id)` named a fault id that is not active; nothing was changed."""

    def __init__(self, fault_id: object) -> None:
        super().__init__(f"no active simulated fault with id {fault_id!r}")
        self.fault_id = fault_id


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected fault."""

    id: int
    kind: str
    target: str
    injected_at_s: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "target": self.target,
            "injected_at_s": self.injected_at_s,
        }


class FaultInjector:
    """Active simulated faults. Injecting the same kind/target twice gives two ids; the condition
    holds until both are cleared. Every change first brings the plant up to now."""

    def __init__(
        self, bus: SimBus, zones: Collection[str], sensors: Collection[str], motors: Collection[str]
    ) -> None:
        self._bus = bus
        self._targets: dict[str, tuple[str, ...]] = {
            "sensor": (*zones, *sensors),
            "zone": tuple(zones),
            "motor": tuple(motors),
            "machine": (MACHINE,),
        }
        self._faults: dict[int, Fault] = {}
        self._count: Counter[tuple[str, str]] = Counter()
        self._present: frozenset[tuple[str, str]] = frozenset()  # (kind, target) with a count > 0
        self._sensor_codes: dict[str, str] = {}  # sensor id → the fault code it reports
        self._next_id = 1
        self._listeners: list[Callable[[], None]] = []

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(KINDS)

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call `listener` (under the machine lock) after every change of the active set."""
        self._listeners.append(listener)

    def inject(self, kind: object, target: object = None) -> int:
        """Activate a fault now; returns its id. Raises SimFaultError for a bad kind or target."""
        kind_s, target_s = self._validate(kind, target)
        with self._bus.lock:
            now_s = self._bus.now()
            fault = Fault(self._next_id, kind_s, target_s, now_s)
            self._next_id += 1
            self._faults[fault.id] = fault
            self._count[(kind_s, target_s)] += 1
            self._notify()
        return fault.id

    def clear(self, fault_id: object) -> None:
        """Remove one fault by id. Raises UnknownFault when it is not active."""
        if isinstance(fault_id, bool) or not isinstance(fault_id, int):
            raise UnknownFault(fault_id)
        with self._bus.lock:
            self._bus.now()
            fault = self._faults.pop(fault_id, None)
            if fault is None:
                raise UnknownFault(fault_id)
            self._count[(fault.kind, fault.target)] -= 1
            self._notify()

    def clear_all(self) -> int:
        """Remove every fault; returns how many were active."""
        with self._bus.lock:
            self._bus.now()
            n = len(self._faults)
            self._faults.clear()
            self._count.clear()
            self._notify()
        return n

    def active(self) -> list[dict[str, Any]]:
        """The active faults, oldest first, as JSON-ready dicts."""
        with self._bus.lock:
            return [f.as_dict() for f in self._faults.values()]

    def has(self, kind: str, target: str = MACHINE) -> bool:
        """True while at least one fault of this kind is active on this target."""
        return (kind, target) in self._present

    def sensor_fault(self, sensor_id: str) -> str | None:
        """The MAX31855 fault code this sensor reports now (first of SENSOR_FAULTS), if any."""
        return self._sensor_codes.get(sensor_id)

    def _validate(self, kind: object, target: object) -> tuple[str, str]:
        if not isinstance(kind, str) or kind not in KINDS:
            raise SimFaultError(
                "kind", f"unknown fault kind {kind!r}; expected one of: {', '.join(KINDS)}"
            )
        expects = KINDS[kind]
        if expects == "machine" and target is None:
            return kind, MACHINE
        valid = self._targets[expects]
        if not isinstance(target, str) or target not in valid:
            raise SimFaultError(
                "target",
                f"fault {kind} needs {_TARGET_WORDS[expects]} as target, got {target!r}"
                f" (valid: {', '.join(valid) or 'none configured'})",
            )
        return kind, target

    def _notify(self) -> None:
        self._refresh_lookups()
        for listener in self._listeners:
            listener()

    def _refresh_lookups(self) -> None:
        """Rebuild what `has` and `sensor_fault` read (they run many times per control tick)."""
        present = frozenset(key for key, n in self._count.items() if n > 0)
        codes = {}
        for sensor_id in self._targets["sensor"]:
            code = next((c for c in SENSOR_FAULTS if (c, sensor_id) in present), None)
            if code is not None:
                codes[sensor_id] = code
        self._present, self._sensor_codes = present, codes
