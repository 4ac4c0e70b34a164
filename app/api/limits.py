"""The core's value limits per request-body field, for the OpenAPI document (control/limits.py
is the one source: the handlers check with it, this publishes it)."""

from __future__ import annotations

from typing import Any

from control import limits as L
from control.limits import Range
from machine_config.config import Config

V = "/api/v1"
ZONE = f"{V}/zones/{{id}}"
MOTOR = f"{V}/motors/{{id}}"
ANY = "*"  # the same range for every id

# field → {id or ANY: Range}
FieldLimits = dict[str, dict[str, Range]]


def body_limits(cfg: Config) -> dict[tuple[str, str], FieldLimits]:
    """(method, path) → the ranges the core enforces on that route's numeric body fields."""
    setpoints = {zid: L.setpoint_c(z) for zid, z in cfg.zones.items()}
    run = {mid: L.run_rpm(m) for mid, m in cfg.motors.items()}
    jog = {mid: L.jog_rpm(m) for mid, m in cfg.motors.items()}
    return {
        ("PUT", ZONE): {"setpoint_c": setpoints},
        ("POST", f"{ZONE}/autotune"): {"setpoint_c": setpoints},
        ("PUT", f"{ZONE}/pid"): {k: {ANY: r} for k, r in L.PID_GAINS.items()},
        ("PUT", f"{ZONE}/manual"): {"duty": {ANY: L.DUTY}},
        ("PUT", MOTOR): {"rpm": run},
        ("POST", f"{MOTOR}/jog"): {"rpm": jog, "duration_s": {ANY: L.JOG_S}},
        ("POST", f"{V}/alarms/{{id}}/shelve"): {"duration_s": {ANY: L.SHELVE_S}},
    }


def with_limits(schema: dict[str, Any], fields: FieldLimits) -> dict[str, Any]:
    """A copy of a body schema with minimum/maximum on each limited field. Where the range
    depends on the path id, the envelope is published plus `x-limits-by-id` and a description."""
    props = {name: dict(prop) for name, prop in schema.get("properties", {}).items()}
    for name, by_id in fields.items():
        ranges = set(by_id.values())
        prop = props[name]
        prop["minimum"] = min(r.lo for r in ranges)
        prop["maximum"] = max(r.hi for r in ranges)
        if len(ranges) > 1:
            prop["x-limits-by-id"] = {
                ident: {"minimum": r.lo, "maximum": r.hi} for ident, r in by_id.items()
            }
            prop["description"] = "per id: " + ", ".join(
                f"{ident} {r.lo:g}..{r.hi:g}" for ident, r in sorted(by_id.items())
            )
    return {**schema, "properties": props}
