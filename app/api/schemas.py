"""JSON Schemas of request and response bodies, shared by the route table and OpenAPI."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

NUM: Schema = {"type": "number"}
NUM_OR_NULL: Schema = {"type": ["number", "null"]}
STR: Schema = {"type": "string"}
STR_OR_NULL: Schema = {"type": ["string", "null"]}
BOOL: Schema = {"type": "boolean"}
INT: Schema = {"type": "integer"}


def obj(required: dict[str, Schema], optional: dict[str, Schema] | None = None,
        closed: bool = False) -> Schema:  # fmt: skip
    """An object schema; `closed` forbids other keys (request bodies)."""
    props = {**required, **(optional or {})}
    out: Schema = {"type": "object", "properties": props, "required": list(required)}
    if closed:
        out["additionalProperties"] = False
    return out


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


# -- request bodies -----------------------------------------------------------------------------
EMPTY = obj({}, closed=True)
SETPOINT = obj({"setpoint_c": NUM}, closed=True)
# Numeric limits are not written here: the OpenAPI builder adds the core's (app/api/limits.py).
PID = obj({"kp": NUM, "ki": NUM, "kd": NUM}, closed=True)
DUTY = obj({"duty": NUM}, closed=True)
RPM = obj({"rpm": NUM}, closed=True)
JOG = obj({"rpm": NUM, "duration_s": NUM}, closed=True)
ON = obj({"on": BOOL}, closed=True)
MODE = obj({"mode": {"type": "string", "enum": ["auto", "manual"]}}, closed=True)
RESET = obj({}, {"ack": BOOL}, closed=True)
SHELVE = obj({"duration_s": NUM}, closed=True)
SETTINGS = obj({"hmi_enabled": BOOL}, closed=True)
FAULT_KINDS = ["tc_open", "tc_short_gnd", "tc_short_vcc", "spi_error", "sensor_frozen",
               "probe_detached", "ssr_stuck_on", "heater_open", "driver_alarm", "estop",
               "disk_full"]  # fmt: skip
FAULT = obj({"kind": {"type": "string", "enum": FAULT_KINDS}}, {"target": STR}, closed=True)

# -- responses ----------------------------------------------------------------------------------
ERROR = obj(
    {"error": obj({"code": STR, "message": STR},
                  {"field": STR, "min": NUM, "max": NUM, "request_id": STR,
                   "causes": array(obj({"code": STR, "source": STR}))})},
    {"request_id": STR},
)  # fmt: skip

ALARM = obj(
    {
        "id": INT, "code": STR, "source": STR,
        "severity": {"type": "string", "enum": ["trip", "warning", "info"]},
        "message": STR, "raised_at": STR, "acked_at": STR_OR_NULL, "cleared_at": STR_OR_NULL,
        "latched": BOOL, "first_out": BOOL,
    },
    {"state": STR, "shelved_until": STR_OR_NULL},
)  # fmt: skip

ZONE = obj(
    {
        "id": STR, "name": STR, "temperature_c": NUM_OR_NULL, "setpoint_c": NUM, "duty": NUM,
        "heater_on": BOOL, "sensor_ok": BOOL, "fault": STR_OR_NULL, "age_s": NUM_OR_NULL,
        "at_setpoint": BOOL, "pid": obj({"kp": NUM, "ki": NUM, "kd": NUM}), "heated": BOOL,
    }
)  # fmt: skip
SENSOR = obj({"id": STR, "name": STR, "temperature_c": NUM_OR_NULL, "sensor_ok": BOOL,
              "age_s": NUM_OR_NULL})  # fmt: skip
MOTOR = obj({"id": STR, "name": STR, "rpm": NUM, "target_rpm": NUM, "run_rpm": NUM,
             "enabled": BOOL, "running": BOOL, "fault": STR_OR_NULL})  # fmt: skip
OUTPUT = obj({"id": STR, "name": STR, "on": BOOL})
STATES = ["disabled", "idle", "heating", "ready", "starting", "running", "stopping", "fault"]
STATUS = obj(
    {
        "timestamp": STR, "uptime_s": NUM, "state": {"type": "string", "enum": STATES},
        "mode": {"type": "string", "enum": ["auto", "manual"]}, "hmi_enabled": BOOL,
        "gate": obj({"ok": BOOL, "soak_remaining_s": NUM_OR_NULL, "blocking": array(STR)}),
        "zones": array(ref("Zone")), "sensors": array(ref("Sensor")),
        "motors": array(ref("Motor")), "outputs": array(ref("Output")),
        "alarms": array(ref("Alarm")),
        "loop": obj({"tick_s": NUM, "last_tick_age_s": NUM, "overruns": INT}),
    }
)  # fmt: skip

STATE_RESULT = obj({"state": STR}, {"mode": STR})
CHECK = obj({"status": {"type": "string", "enum": ["ok", "degraded", "failing"]}})
HEALTH = obj(
    {
        "status": {"type": "string", "enum": ["ok", "degraded", "failing"]}, "version": STR,
        "uptime_s": NUM, "state": STR,
        "checks": obj({"control_loop": obj({"status": STR, "last_tick_age_s": NUM}),
                       "sensors": CHECK, "storage": CHECK, "config": CHECK}),
    }
)  # fmt: skip
AUTOTUNE = obj(
    {"state": {"type": "string", "enum": ["idle", "running", "done", "failed"]}},
    {"zone": STR, "progress": NUM, "setpoint_c": NUM, "reason": STR,
     "kp": NUM, "ki": NUM, "kd": NUM, "ku": NUM, "tu_s": NUM},
)  # fmt: skip
SETTINGS_VIEW = obj({"hmi_enabled": BOOL}, {"mode": STR, "zones": {"type": "object"},
                                            "motors": {"type": "object"}})  # fmt: skip
HISTORY = obj(
    {"series": {"type": "object", "additionalProperties": array(array(NUM_OR_NULL))}},
    {"since": NUM, "until": NUM, "step_s": NUM},
)
EVENTS = obj({"events": array(obj({"id": INT, "t": NUM, "timestamp": STR, "kind": STR}))})
ANY_OBJECT: Schema = {"type": "object"}

COMPONENTS: dict[str, Schema] = {
    "Error": ERROR,
    "Alarm": ALARM,
    "Zone": ZONE,
    "Sensor": SENSOR,
    "Motor": MOTOR,
    "Output": OUTPUT,
    "Status": STATUS,
}
