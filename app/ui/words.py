"""The core's refusals, reasons, fault codes and alarms in the operator's words (any language).

The core's errors stay as they are for REST (stable English, field names); the panel never shows
them raw: each known refusal maps to a string key, fields get a label with range and unit, fault
codes become words, and a refused reset names each cause still present."""

from __future__ import annotations

import re
from typing import Any

from app.ui.i18n import Strings
from control.errors import CoreUnavailable, HmiError, InvalidField, StorageUnavailable
from control.snapshot import AlarmView, Snapshot

# A refusal's core message (regex, whole message) → string key; named groups fill the string.
REFUSALS: tuple[tuple[str, str], ...] = (
    (r"the HMI is disabled.*", "why_hmi_disabled"),
    (r"a trip is active.*", "why_trip"),
    (r"start refused: (?P<why>.+)", "why_start"),
    (r"preheat refused: manual mode", "why_preheat_manual"),
    (r"preheat refused: machine is (?P<state>\w+)", "why_preheat_state"),
    (r"nothing to reset.*", "nothing_to_reset"),
    (r"reset refused.*", "why_reset"),
    (r"mode can change only while stopped.*", "why_mode_stopped"),
    (r"stop the machine before handing it to the legacy panel", "why_stop_first"),
    (r"(manual duty|jog) needs manual mode", "needs_manual"),
    (r"autotune needs auto mode", "needs_auto"),
    (r"(?P<name>.+) sensor is not healthy", "why_sensor_bad"),
    (r"autotune refused: machine is (?P<state>\w+)", "why_tune_state"),
    (r"autotune already running on (?P<name>.+)", "why_tune_running"),
    (r"no autotune running on (?P<name>.+)", "why_no_tune"),
    (r"no finished autotune result for (?P<name>.+)", "no_result"),
    (r"(?P<name>.+) driver is in alarm", "why_driver_alarm"),
    (r"jog refused: motor is turning the other way", "why_jog_reverse"),
    (r"jog refused: (?P<why>.+)", "why_jog"),
    (r"outputs cannot be switched on while a trip is active", "why_output_trip"),
    (r"trips cannot be shelved", "why_shelve_trip"),
    (r"no active alarm .*", "why_alarm_gone"),
    (r"no (zone|motor|auxiliary output) .*", "why_not_found"),
)

# Why START or motion is refused now (control/interlocks.py) → string key.
REASONS: tuple[tuple[str, str], ...] = (
    (r"(the )?HMI (is )?disabled", "hmi_off"),
    (r"a trip is active.*", "trip_active"),
    (r"already starting", "reason_starting"),
    (r"already running", "reason_running"),
    (r"the machine is stopping", "reason_stopping"),
    (r"manual mode", "mode_manual_reason"),
    (r"E-stop chain open", "reason_estop_chain"),
    (r"stop button pressed or its wire cut", "reason_stop_held"),
    (r"autotune running", "reason_tuning"),
    (r"(?P<name>.+) sensor not healthy", "why_sensor_bad"),
    (r"(?P<name>.+) at (?P<temp>[-\d.]+) °C is below .* (?P<min>[-\d.]+) °C", "reason_cold"),
)

# Command fields → how the operator knows them (the zone or motor name goes in front).
FIELDS = {
    "setpoint_c": ("field_setpoint", "°C", 1.0),
    "kp": ("field_kp", "", 1.0),
    "ki": ("field_ki", "", 1.0),
    "kd": ("field_kd", "", 1.0),
    "duty": ("field_duty", "%", 100.0),
    "rpm": ("field_rpm", "", 1.0),  # the unit follows the language (unit_rpm)
    "duration_s": ("field_duration", "s", 1.0),
}

SNAKE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")


def _match(table: tuple[tuple[str, str], ...], text: str) -> tuple[str, dict[str, str]] | None:
    for pattern, key in table:
        found = re.fullmatch(pattern, text.strip())
        if found:
            return key, found.groupdict()
    return None


def reason(text: str | None, t: Strings) -> str:
    """A START/motion reason from the core (e.g. `snap.start_blocked`) in words."""
    if not text:
        return ""
    found = _match(REASONS, text)
    if found is None:
        return plain(text, t)
    key, values = found
    return t.f(key, **values)


def refusal(err: HmiError | None, t: Strings, snap: Snapshot | None, subject: str = "") -> str:
    """A refused command in words. `subject` is the zone or motor name the command was for."""
    if err is None:
        return ""
    if isinstance(err, InvalidField):
        return field_range(err, t, subject)
    if isinstance(err, CoreUnavailable):
        return t.why_no_answer
    if isinstance(err, StorageUnavailable):
        return t.why_storage
    if err.details.get("causes"):
        return reset_refusal(err.details["causes"], t, snap)
    found = _match(REFUSALS, err.message)
    if found is None:
        return plain(err.message, t)
    key, values = found
    if "state" in values:
        values["state"] = t.state(values["state"])
    if "why" in values:
        values["why"] = reason(values["why"], t)
    return t.f(key, **values)


def field_range(err: InvalidField, t: Strings, subject: str) -> str:
    """'Barrel setpoint: 0–260 °C': what the field is, for which zone, and its allowed range."""
    key, unit, scale = FIELDS.get(err.field, ("field_value", "", 1.0))
    unit = t.unit_rpm if err.field == "rpm" else unit
    field = t.get(key)
    what = t.f("field_of", name=subject, field=field) if subject else field[:1].upper() + field[1:]
    lo, hi = err.details.get("min"), err.details.get("max")
    if lo is None or hi is None:
        return t.f("field_invalid", what=what)
    text = t.f("field_range", what=what, lo=f"{lo * scale:g}", hi=f"{hi * scale:g}", unit=unit)
    return text.strip()


def reset_refusal(causes: list[dict[str, Any]], t: Strings, snap: Snapshot | None) -> str:
    """'Reset refused: Barrel thermocouple still open circuit' (each cause still there)."""
    parts = []
    for cause in causes:
        code, source = str(cause.get("code")), str(cause.get("source"))
        values = cause_values(code, source, snap, t)
        still = "still_" + code  # e.g. still_sensor_fault: "{name} thermocouple still {fault}"
        known = t.has(still) and (code != "sensor_fault" or values["fault"])
        if cause.get("reason") == "present" and known:
            parts.append(t.f(still, **values))
        else:
            key = "still_present" if cause.get("reason") == "present" else "still_unacked"
            parts.append(t.f(key, what=values["what"]))
    return t.f("reset_refused", causes="; ".join(parts))


def cause_values(
    code: str, source: str, snap: Snapshot | None, t: Strings, alarm: AlarmView | None = None
) -> dict[str, str]:
    """One alarm cause (code at source): its name, fault words and the whole text ('what'),
    from `alarm` or else the live alarm of that cause in `snap`."""
    if alarm is None and snap is not None:
        alarm = next((a for a in snap.alarms if a.code == code and a.source == source), None)
    message = alarm.message if alarm is not None else ""
    detail = message.rsplit(": ", 1)[-1] if ": " in message else ""
    if code == "gate_lost":
        detail = ", ".join(name_of(z.strip(), snap) for z in detail.split(","))
    values = {"name": name_of(source, snap), "detail": detail}
    if code == "sensor_fault":  # the sensor's fault now, else the one the alarm recorded
        values["fault"] = fault(_sensor_fault(source, snap) or detail, t)
    else:
        values["fault"] = detail
    cause = "cause_" + code  # e.g. cause_sensor_fault: "{name} thermocouple: {fault}"
    if t.has(cause):
        values["what"] = t.f(cause, **values)
    else:
        values["what"] = plain(message or code, t, snap)
    return values


def name_of(source: str, snap: Snapshot | None) -> str:
    """The configured name of a zone, sensor or motor id ('machine' for the machine)."""
    if snap is not None:
        items: list[Any] = [*snap.zones, *snap.sensors, *snap.motors]
        for item in items:
            if item.id == source:
                return str(item.name)
    return source.replace("_", " ")


def _sensor_fault(source: str, snap: Snapshot | None) -> str | None:
    if snap is None:
        return None
    views: list[Any] = [*snap.zones, *snap.sensors]
    return next((v.fault for v in views if v.id == source and v.fault), None)


def fault(code: str | None, t: Strings) -> str:
    """A sensor or driver fault code ('tc_open') in words ('open circuit')."""
    if not code:
        return ""
    return t.get("fault_" + code) if t.has("fault_" + code) else code.replace("_", " ")


def alarm_text(a: AlarmView, snap: Snapshot | None, t: Strings) -> str:
    """An alarm in words: known codes from the table with the source's name, else the core's
    message with ids replaced by names."""
    return cause_values(a.code, a.source, snap, t, a)["what"]


def plain(text: str, t: Strings, snap: Snapshot | None = None) -> str:
    """Last resort for an unknown core text: ids become names or words, never snake_case."""

    def word(m: re.Match[str]) -> str:
        ident = m.group(0)
        if t.has("fault_" + ident):
            return t.get("fault_" + ident)
        return name_of(ident, snap)

    return SNAKE.sub(word, text).replace("`", "")


CHECK_MESSAGES = {
    "the control loop is not ticking": "check_loop_stopped",
    "the control loop is late": "check_loop_late",
    "no historian attached to this server": "check_no_historian",
}


def check(name: str, result: dict[str, Any], t: Strings, snap: Snapshot | None) -> str:
    """A health check's verdict (app/services/health.py) in words, sensors by name."""
    message = str(result.get("message") or "")
    if not message:
        return t.get("status_" + str(result.get("status")))
    if name == "sensors" and message.startswith("not fresh: "):
        ids = message.removeprefix("not fresh: ").split(", ")
        return t.f("check_sensors_bad", names=", ".join(name_of(i, snap) for i in ids))
    key = CHECK_MESSAGES.get(message)
    return t.get(key) if key else plain(message, t, snap)


USER_ERRORS: tuple[tuple[str, str], ...] = (
    (r"a name is .*", "user_bad_name"),
    (r"role must be .*", "user_bad_role"),
    (r"a PIN is .*", "pin_rules"),
    (r"user '(?P<who>.+)' already exists", "user_exists"),
    (r"no user '(?P<who>.+)'", "user_unknown"),
    (r"the last admin .*", "user_last_admin"),
)


def user_error(err: BaseException, t: Strings) -> str:
    """A refused user change (app/ui/users.py UserError, or storage) in words."""
    if isinstance(err, HmiError):
        return refusal(err, t, None)
    found = _match(USER_ERRORS, str(err))
    if found is None:
        return plain(str(err), t)
    key, values = found
    return t.f(key, **values)
