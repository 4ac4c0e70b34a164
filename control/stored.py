"""Validation of stored settings.json and alarms.json with the API's own checks and limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from control.alarms import TRIP
from control.checks import flag, number
from control.errors import InvalidField
from control.limits import PID_GAINS
from machine_config.config import Config

SETTINGS_FILE = "settings.json"
ALARMS_FILE = "alarms.json"
_SETTINGS_KEYS = ("hmi_enabled", "zones", "motors")
_ZONE_KEYS = ("setpoint_c", "pid")
_MOTOR_KEYS = ("run_rpm",)
_PID = tuple(PID_GAINS.items())
_ALARM_NUMBERS = ("raised_at", "acked_at", "cleared_at", "shelved_until")
_ALARM_TEXTS = ("code", "source", "message")
_ALARM_FLAGS = ("first_out", "active")


@dataclass
class StoredSettings:
    """The values of settings.json that passed validation; everything else stays default."""

    hmi_enabled: bool | None = None
    setpoints_c: dict[str, float] = field(default_factory=dict)
    gains: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    run_rpm: dict[str, float] = field(default_factory=dict)


def check_settings(data: Any, cfg: Config) -> tuple[StoredSettings, list[str]]:
    """Validate settings.json like the API validates a request: same checks, same limits.
    Returns what passed, and one problem (naming file and field) per value not applied."""
    out = StoredSettings()
    problems: list[str] = []
    if not isinstance(data, dict):
        return out, [_say("", f"holds {_kind(data)}, not a mapping; defaults used")]
    _unknown(data, _SETTINGS_KEYS, "", problems)
    if "hmi_enabled" in data:
        try:
            out.hmi_enabled = flag("hmi_enabled", data["hmi_enabled"])
        except InvalidField as err:
            problems.append(_refused(err))
    for zid, stored in _entries(data, "zones", cfg.zones, problems):
        _check_zone(out, cfg, zid, stored, problems)
    for mid, stored in _entries(data, "motors", cfg.motors, problems):
        _unknown(stored, _MOTOR_KEYS, f"motors.{mid}.", problems)
        rpm = _number(stored, "run_rpm", f"motors.{mid}.run_rpm", cfg.motors[mid].max_rpm, problems)
        if rpm is not None:
            out.run_rpm[mid] = rpm
    return out, problems


def _check_zone(
    out: StoredSettings, cfg: Config, zid: str, stored: dict[str, Any], problems: list[str]
) -> None:
    _unknown(stored, _ZONE_KEYS, f"zones.{zid}.", problems)
    hi = cfg.zones[zid].setpoint_max_c
    setpoint_c = _number(stored, "setpoint_c", f"zones.{zid}.setpoint_c", hi, problems)
    if setpoint_c is not None:
        out.setpoints_c[zid] = setpoint_c
    pid = stored.get("pid")
    if "pid" not in stored or not _is_mapping(pid, f"zones.{zid}.pid", problems):
        return
    assert isinstance(pid, dict)
    _unknown(pid, tuple(PID_GAINS), f"zones.{zid}.pid.", problems)
    try:  # all three gains or none, as PUT /zones/{id}/pid
        kp, ki, kd = (number(f"zones.{zid}.pid.{k}", pid.get(k), *lim) for k, lim in _PID)
    except InvalidField as err:
        problems.append(_refused(err))
    else:
        out.gains[zid] = (kp, ki, kd)


def _number(
    stored: dict[str, Any], key: str, name: str, hi: float, problems: list[str]
) -> float | None:
    """stored[key] checked by the handlers' `number` in [0, hi]; None if absent or refused."""
    if key not in stored:
        return None
    try:
        return number(name, stored[key], 0.0, hi)
    except InvalidField as err:
        problems.append(_refused(err))
        return None


def _entries(
    data: dict[str, Any], key: str, configured: Any, problems: list[str]
) -> list[tuple[str, dict[str, Any]]]:
    """The (id, mapping) entries of data[key] for configured ids; every other entry a problem."""
    value = data.get(key)
    if value is None or not _is_mapping(value, key, problems):
        return []
    out = []
    for item_id, stored in value.items():
        where = f"{key}.{item_id}"
        if item_id not in configured:
            problems.append(_say(where, f"is not a configured {key[:-1]}; not applied"))
        elif _is_mapping(stored, where, problems):
            out.append((item_id, stored))
    return out


def check_alarms(data: Any) -> tuple[dict[str, Any] | None, list[str], bool]:
    """Validate alarms.json. Returns (records to restore, problems, latch_unknown).

    An entry of the latched list that cannot be restored was a latched trip we would forget,
    so it makes the latch state unknown (the caller starts in fault)."""
    if not isinstance(data, dict):
        return None, [_say("", f"holds {_kind(data)}, not a mapping", ALARMS_FILE)], True
    problems: list[str] = []
    _unknown(data, ("next_id", "latched"), "", problems, ALARMS_FILE)
    next_id = data.get("next_id", 1)
    if isinstance(next_id, bool) or not isinstance(next_id, int) or next_id < 1:
        what = f"must be a positive integer, got {next_id!r}; ids continue from the records"
        problems.append(_say("next_id", what, ALARMS_FILE))
        next_id = 1
    latched = data.get("latched", [])
    if not isinstance(latched, list):
        problems.append(_say("latched", f"holds {_kind(latched)}, not a list", ALARMS_FILE))
        return None, problems, True
    records: list[dict[str, Any]] = []
    unknown = False
    for i, rec in enumerate(latched):
        problem = _alarm_problem(rec, {r["id"] for r in records})
        if problem is None:
            records.append({k: v for k, v in rec.items() if k in _ALARM_RECORD_KEYS})
            _unknown(rec, _ALARM_RECORD_KEYS, f"latched[{i}].", problems, ALARMS_FILE)
        else:
            problems.append(_say(f"latched[{i}]", problem, ALARMS_FILE))
            unknown = True
    return {"next_id": next_id, "latched": records}, problems, unknown


_ALARM_RECORD_KEYS = ("id", "severity", *_ALARM_TEXTS, *_ALARM_NUMBERS, *_ALARM_FLAGS)


def _alarm_problem(rec: Any, ids: set[int]) -> str | None:
    """Why one stored latched alarm cannot be restored, or None (the API's alarm model)."""
    if not isinstance(rec, dict):
        return f"holds {_kind(rec)}, not an alarm record"
    aid = rec.get("id")
    if isinstance(aid, bool) or not isinstance(aid, int) or aid < 1 or aid in ids:
        return f"id {aid!r} is not a new positive integer"
    if rec.get("severity") != TRIP:
        return f"severity {rec.get('severity')!r} is not a latched trip"
    for key in _ALARM_TEXTS:
        if not isinstance(rec.get(key), str) or not rec[key]:
            return f"{key} must be a non-empty string"
    return _times_problem(rec) or _flags_problem(rec)


def _times_problem(rec: dict[str, Any]) -> str | None:
    """`raised_at` a time; the other times absent, null or a time."""
    for key in _ALARM_NUMBERS:
        required = key == "raised_at"
        if key in rec and rec[key] is None and not required:
            continue
        if key in rec or required:
            try:
                number(key, rec.get(key), 0.0, float("inf"))
            except InvalidField as err:
                return err.message
    return None


def _flags_problem(rec: dict[str, Any]) -> str | None:
    for key in _ALARM_FLAGS:
        if key in rec and not isinstance(rec[key], bool):
            return f"{key} must be true or false"
    return None


# -- helpers ------------------------------------------------------------------------------------
def _say(where: str, what: str, file: str = SETTINGS_FILE) -> str:
    return f"{file}: {where} {what}" if where else f"{file} {what}"


def _refused(err: InvalidField) -> str:
    return f"{SETTINGS_FILE}: {err.message}; not applied"


def _unknown(
    data: dict[str, Any], known: tuple[str, ...], prefix: str, problems: list[str],
    file: str = SETTINGS_FILE,
) -> None:  # fmt: skip
    for key in data:
        if key not in known:
            problems.append(_say(f"{prefix}{key}", "is not a known field; ignored", file))


def _is_mapping(value: Any, where: str, problems: list[str]) -> bool:
    if isinstance(value, dict):
        return True
    problems.append(_say(where, f"holds {_kind(value)}, not a mapping; not applied"))
    return False


def _kind(value: Any) -> str:
    return "null" if value is None else f"a {type(value).__name__} ({value!r:.40})"
