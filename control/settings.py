"""Runtime settings operators change (setpoints, speeds, gains, hmi_enabled), kept atomically."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from control import persist
from control.alarms import AlarmBook
from control.drives import Drives
from control.heating import Heating
from control.modes import Modes
from control.outputs import describe
from control.stored import (
    ALARMS_FILE,
    SETTINGS_FILE,
    StoredSettings,
    check_alarms,
    check_settings,
)
from control.writer import PersistWriter, WriteTicket
from machine_config.config import Config

__all__ = [
    "ALARMS_FILE",
    "RETRY_S",
    "SETTINGS_FILE",
    "AlarmsLoad",
    "SettingsStore",
    "StoredSettings",
    "apply_stored",
    "settings_data",
]
Produce = Callable[[], Any]  # makes a file's current content
log = logging.getLogger(__name__)
RETRY_S = 5.0  # machine seconds between attempts to save a file whose last write failed


class AlarmsLoad:
    """What alarms.json gave at start: records to restore, problems, and whether the latch
    state is unknown (a stored copy existed but no latched trip list could be trusted)."""

    def __init__(self, records: dict[str, Any] | None, problems: list[str], unknown: bool) -> None:
        self.records = records
        self.problems = problems
        self.unknown = unknown


class SettingsStore:
    """Reads settings.json and alarms.json at start; saves them through the persistence writer
    (None data dir = memory only). Only the control thread calls it; the writer does the I/O."""

    def __init__(self, data_dir: Path | None, cfg: Config, writer: PersistWriter | None = None):
        self.data_dir = data_dir
        self.cfg = cfg
        self.writer = writer or PersistWriter(threaded=False)
        self.write_errors = 0
        self.failing: dict[str, str] = {}  # file name -> why its last write failed
        self._pending: list[WriteTicket] = []
        self._enqueued: list[WriteTicket] = []  # settings saves since the core last took them
        self._retry_at_s = 0.0
        self._closed = False

    def _path(self, name: str) -> Path | None:
        return None if self.data_dir is None else self.data_dir / name

    # -- start-up -------------------------------------------------------------------------------
    def load(self) -> tuple[StoredSettings, list[str]]:
        """The stored settings that passed validation, and the problems (each a warning)."""
        path = self._path(SETTINGS_FILE)
        if path is None:
            return StoredSettings(), []
        data, problem = persist.load(path)
        problems = [problem] if problem else []
        if data is None:
            return StoredSettings(), problems
        stored, found = check_settings(data, self.cfg)
        return stored, problems + found

    def load_alarms(self) -> AlarmsLoad:
        path = self._path(ALARMS_FILE)
        if path is None:
            return AlarmsLoad(None, [], False)
        data, problem, lost = persist.load_checked(path)
        problems = [problem] if problem else []
        if data is None:
            return AlarmsLoad(None, problems, lost)
        records, found, unknown = check_alarms(data)
        return AlarmsLoad(records, problems + found, unknown)

    # -- saving ---------------------------------------------------------------------------------
    def save(self, data: dict[str, Any]) -> None:
        """Queue settings.json; the command that caused it is answered once it is written."""
        ticket = self._write(SETTINGS_FILE, data)
        if ticket is not None:
            self._enqueued.append(ticket)

    def save_alarms(self, book: AlarmBook) -> WriteTicket | None:
        return self._write(ALARMS_FILE, book.to_records())

    def take_enqueued(self) -> list[WriteTicket]:
        out, self._enqueued = self._enqueued, []
        return out

    def _write(self, name: str, data: Any) -> WriteTicket | None:
        path = self._path(name)
        if path is None:
            return None
        ticket = self.writer.submit(path, data)
        self._pending.append(ticket)
        return ticket

    # -- results (control thread, every tick) ---------------------------------------------------
    def collect(self) -> bool:
        """Take the results of finished writes in order; True when `failing` changed."""
        if not self._pending:
            return False
        before = dict(self.failing)
        while self._pending and self._pending[0].future.done():
            ticket = self._pending.pop(0)
            ticket.seen = True
            err = ticket.future.exception()
            if err is None:
                self.failing.pop(ticket.name, None)
            else:
                self.write_errors += 1
                self.failing[ticket.name] = describe(err)
        return self.failing != before

    def retry(self, now_s: float, settings: Produce, alarms: Produce) -> None:
        """Every RETRY_S while a file is failing, write its current content again (in order),
        so saving resumes by itself once the cause (full disk, read-only mount) has gone."""
        if not self.failing or now_s < self._retry_at_s or self._closed:
            return
        self._retry_at_s = now_s + RETRY_S
        busy = {t.name for t in self._pending}
        for name in [n for n in self.failing if n not in busy]:
            data = settings() if name == SETTINGS_FILE else alarms()
            self._write(name, data)

    def close(self, book: AlarmBook) -> None:
        """Final alarms save, then wait for the queue to be written (process exit)."""
        if self._closed:
            return
        self._closed = True
        self.save_alarms(book)
        self.writer.close()
        self.collect()


def settings_data(modes: Modes, heating: Heating, drives: Drives) -> dict[str, Any]:
    """settings.json as a fresh plain structure (the writer serialises it on its own thread)."""
    return {
        "hmi_enabled": modes.hmi_enabled,
        "zones": {
            zid: {"setpoint_c": z.setpoint_c, "pid": heating.gains(zid)}
            for zid, z in heating.zones.items()
        },
        "motors": {mid: {"run_rpm": m.run_rpm} for mid, m in drives.motors.items()},
    }


def apply_stored(stored: StoredSettings, modes: Modes, heating: Heating, drives: Drives) -> None:
    """Put the validated stored settings into a fresh machine (at start, before any tick)."""
    if stored.hmi_enabled is not None:
        modes.set_hmi_enabled(stored.hmi_enabled)
    for zid, setpoint_c in stored.setpoints_c.items():
        heating.zones[zid].set_setpoint(setpoint_c)
    for zid, (kp, ki, kd) in stored.gains.items():
        heating.zones[zid].pid.set_gains(kp, ki, kd)
    for mid, rpm in stored.run_rpm.items():
        drives.motors[mid].set_run_rpm(rpm)
