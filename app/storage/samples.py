"""What the historian records from one snapshot: the series of API.md decision 12."""

from __future__ import annotations

from control.snapshot import Snapshot

Value = float | None


def sample_values(snap: Snapshot) -> list[tuple[str, Value]]:
    """(series name, value) for every zone, sensor, motor and aux output in the snapshot."""
    out: list[tuple[str, Value]] = []
    for z in snap.zones:
        out += [
            (f"{z.id}.temperature_c", z.temperature_c),
            (f"{z.id}.setpoint_c", z.setpoint_c),
            (f"{z.id}.duty", z.duty),
        ]
    out += [(f"{s.id}.temperature_c", s.temperature_c) for s in snap.sensors]
    out += [(f"{m.id}.rpm", m.rpm) for m in snap.motors]
    out += [(f"{o.id}.on", 1.0 if o.on else 0.0) for o in snap.outputs]
    return out


def is_boolean_series(name: str) -> bool:
    """On/off series aggregate with max (on at any moment in a bucket), the others with avg."""
    return name.endswith(".on")
