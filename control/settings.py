"""Runtime settings operators change (setpoints, speeds, gains, hmi_enabled), kept atomically."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from control import persist
from control.config import Config

if TYPE_CHECKING:
    from control.alarms import AlarmBook
    from control.core import ControlCore

SETTINGS_FILE = "settings.json"
ALARMS_FILE = "alarms.json"


class SettingsStore:
    """Reads and writes settings.json and alarms.json in the data directory (None = memory only)."""

    def __init__(self, data_dir: Path | None, cfg: Config) -> None:
        self.data_dir = data_dir
        self.cfg = cfg
        self.write_errors = 0

    def _path(self, name: str) -> Path | None:
        return None if self.data_dir is None else self.data_dir / name

    def load_into(self, core: ControlCore) -> list[str]:
        """Apply stored settings to a fresh core; returns problems (each becomes a warning)."""
        path = self._path(SETTINGS_FILE)
        if path is None:
            return []
        data, problem = persist.load(path)
        problems = [problem] if problem else []
        if isinstance(data, dict):
            problems += _apply(core, data)
        elif data is not None:
            problems.append(f"{SETTINGS_FILE} does not hold a mapping; defaults used")
        return problems

    def save(self, core: ControlCore) -> None:
        path = self._path(SETTINGS_FILE)
        if path is None:
            return
        data = {
            "hmi_enabled": core.hmi_enabled,
            "zones": {
                zid: {"setpoint_c": z.setpoint_c, "pid": core.gains(zid)}
                for zid, z in core.zones.items()
            },
            "motors": {mid: {"run_rpm": m.run_rpm} for mid, m in core.motors.items()},
        }
        self._write(path, data)

    def load_alarms(self) -> tuple[dict[str, Any] | None, str | None]:
        path = self._path(ALARMS_FILE)
        if path is None:
            return None, None
        data, problem = persist.load(path)
        return (data if isinstance(data, dict) else None), problem

    def save_alarms(self, book: AlarmBook) -> None:
        path = self._path(ALARMS_FILE)
        if path is not None:
            self._write(path, book.to_records())

    def _write(self, path: Path, data: Any) -> None:
        try:
            persist.write_atomic(path, data)
        except OSError:
            self.write_errors += 1


def _apply(core: ControlCore, data: dict[str, Any]) -> list[str]:
    """Take each stored value only if it is still valid for this config; report the rest."""
    problems: list[str] = []
    if isinstance(data.get("hmi_enabled"), bool):
        core.hmi_enabled = data["hmi_enabled"]
    for zid, stored in (data.get("zones") or {}).items():
        zone = core.zones.get(zid)
        if zone is None or not isinstance(stored, dict):
            problems.append(f"settings: zone '{zid}' is not configured; ignored")
            continue
        sp = stored.get("setpoint_c")
        if _num(sp) and 0 <= sp <= zone.cfg.setpoint_max_c:
            zone.setpoint_c = float(sp)
        elif sp is not None:
            problems.append(f"settings: zones.{zid}.setpoint_c {sp!r} out of range; default used")
        pid = stored.get("pid")
        if isinstance(pid, dict) and all(
            _num(pid.get(k)) and pid[k] >= 0 for k in ("kp", "ki", "kd")
        ):
            zone.pid.set_gains(float(pid["kp"]), float(pid["ki"]), float(pid["kd"]))
    for mid, stored in (data.get("motors") or {}).items():
        motor = core.motors.get(mid)
        rpm = stored.get("run_rpm") if isinstance(stored, dict) else None
        if motor is not None and _num(rpm) and 0 <= rpm <= motor.cfg.max_rpm:
            motor.run_rpm = float(rpm)
        else:
            problems.append(f"settings: motors.{mid}.run_rpm invalid; default used")
    return problems


def _num(value: Any) -> TypeGuard[float]:
    """A real finite number (JSON bools are not numbers)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
