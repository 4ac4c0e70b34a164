"""The sequencer's port onto the machine, built from the subsystems it may read and command."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from control.alarms import WARNING, AlarmBook
from control.drives import Drives
from control.heating import Heating
from control.modes import Modes
from control.safety import gate_lost
from machine_config.config import SequenceConfig


class MachinePort:
    """Implements `SequencerPort` over modes, alarms, heating and drives (never the core)."""

    def __init__(
        self,
        cfg: SequenceConfig,
        parts: tuple[Modes, AlarmBook, Heating, Drives],
        wall: Callable[[], float],
        emit: Callable[[str, dict[str, Any]], None],
    ) -> None:
        self._cfg = cfg
        self._modes, self._alarms, self._heating, self._drives = parts
        self._wall = wall
        self.emit = emit

    def hmi_enabled(self) -> bool:
        return self._modes.hmi_enabled

    def manual_mode(self) -> bool:
        return self._modes.mode == "manual"

    def latched_trip(self) -> bool:
        return bool(self._alarms.latched_trips())

    def gate_blocking(self) -> tuple[str, ...]:
        return self._heating.gate_blocking(self._cfg.band_c, self._cfg.min_extrude_c)

    def tunes_running(self) -> bool:
        return self._heating.tunes_running()

    def tune_running(self, zone_id: str) -> bool:
        return self._heating.tune_running(zone_id)

    def manual_heat(self) -> bool:
        return self.manual_mode() and self._heating.any_manual_duty()

    def manual_duty_set(self, zone_id: str) -> bool:
        return self._heating.zones[zone_id].manual_duty is not None

    def motors_running(self) -> bool:
        return self._drives.any_running()

    def run_motor(self, motor_id: str, start: bool) -> None:
        self._drives.run(motor_id, start)

    def gate_lost(self, blocking: tuple[str, ...]) -> None:
        cond = gate_lost(list(blocking))
        self._alarms.raise_(cond.code, cond.source, WARNING, cond.message, self._wall())
