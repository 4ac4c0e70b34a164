"""What a command handler is given: the subsystems it may touch and this tick's inputs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from control.alarms import AlarmBook
from control.audit import AuditNote
from control.drives import Drives
from control.heating import Heating
from control.interlocks import motion_interlock, start_refusal
from control.modes import Modes
from control.safety import Condition, Standing
from control.sequencer import Sequencer
from machine_config.config import Config


@dataclass(frozen=True, slots=True)
class Context:
    """Made by the core for each command it applies; holds no reference to the core. A
    handler changes state only through these objects' methods."""

    cfg: Config
    seq: Sequencer
    modes: Modes
    alarms: AlarmBook
    heating: Heating
    drives: Drives
    standing: Standing
    audit: AuditNote
    save_settings: Callable[[], None]  # queue settings.json; the command waits for the write
    trip: Callable[[list[Condition]], None]  # latch a trip (heaters off, motors per reaction)
    wall: Callable[[], float]
    now_s: float
    estop_ok: bool
    stop_held: bool  # the normally closed stop button reads pressed (or its wire is cut)

    def start_refusal(self) -> str | None:
        return start_refusal(
            self.seq.state, self.modes, self.estop_ok, self.stop_held, self.heating
        )

    def motion_interlock(self) -> str | None:
        return motion_interlock(
            self.modes, self.estop_ok, self.heating, self.cfg.sequence.min_extrude_c
        )
