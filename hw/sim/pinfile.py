"""The simulator's output pins mirrored into a file that outlives the process (HIL process drills).

Real GPIO lines keep their level and the kernel keeps a PWM channel stepping when the process
that set them dies. With `TVEMICRO_SIM_PIN_FILE=<path>` the simulator keeps its pins in such a
file: every output's electrical level and each step output's kernel PWM channel (enable, period,
duty), rewritten atomically on every change. A new process finds what the dead one left there,
and its start-up does what the hardware start-up does: stop every PWM channel left enabled
(`stop_header_pwm`), then claim every output OFF. Nothing else ever resets the file.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # config types only; hw never imports control at run time
    from machine_config.config import Config

log = logging.getLogger(__name__)

PIN_FILE_ENV = "TVEMICRO_SIM_PIN_FILE"
STEP_SUFFIX = ".step_hz"


@dataclass
class PwmChannel:
    """A kernel PWM channel as sysfs shows it (`enable`, `period`, `duty_cycle` in ns)."""

    enable: int = 0
    period_ns: int = 0
    duty_ns: int = 0

    @property
    def step_hz(self) -> float:
        """The rate the pin toggles at: 0 unless enabled with a duty inside a period."""
        if not self.enable or not 0 < self.duty_ns < self.period_ns:
            return 0.0
        return 1e9 / self.period_ns


def pin_polarities(cfg: Config) -> dict[str, bool]:
    """{signal: active_low} for every output pin the simulator drives (DIR: low = reverse...)."""
    out = cfg.outputs
    pol = {f"zones.{zid}.heater": z.heater.active_low for zid, z in cfg.zones.items()}
    pol.update({f"outputs.aux.{oid}": o.active_low for oid, o in out.aux.items()})
    pol["outputs.heater_contactor"] = out.heater_contactor.active_low
    pol["outputs.heartbeat"] = out.heartbeat.active_low
    for mid, m in cfg.motors.items():
        pol[f"motors.{mid}.enable"] = m.enable_active_low
        pol[f"motors.{mid}.dir"] = not m.forward_dir_high
    return pol


class PinFile:
    """The file's state: {"levels": {signal: 0|1}, "pwm": {motor: PwmChannel}, "pid": writer}.

    Levels are electrical (what a loop-back input reads), named by the output's config key.
    Construct it under the simulator's bus lock; `on_pin` is a SimBus pin watcher."""

    def __init__(self, path: Path, polarities: dict[str, bool], motors: list[str]) -> None:
        self.path = path
        self._polarities = polarities
        self.levels: dict[str, int] = {}
        self.pwm: dict[str, PwmChannel] = {m: PwmChannel() for m in motors}
        self._load()

    def _load(self) -> None:
        """Whatever a previous process left (a missing file: a board just powered up)."""
        try:
            data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        self.levels.update({k: int(v) for k, v in data.get("levels", {}).items()})
        for motor, channel in data.get("pwm", {}).items():
            self.pwm[motor] = PwmChannel(**channel)

    def stop_leftover_pwm(self) -> list[str]:
        """The sim's stop_header_pwm: duty 0, then disable, every channel; names those that were
        still stepping (a dead process's step train)."""
        stepping = [m for m, ch in self.pwm.items() if ch.enable]
        for motor, channel in self.pwm.items():
            channel.duty_ns, channel.enable = 0, 0
            if motor in stepping:
                log.warning("kernel PWM of motors.%s was left running by a previous process: "
                            "stopped", motor)  # fmt: skip
        self._write()
        return stepping

    def claim(self, logical: dict[str, bool]) -> None:
        """Claim every output at its current logical level (OFF at start), as GPIO claims do."""
        for signal, on in logical.items():
            self.levels[signal] = int(on != self._polarities[signal])
        self._write()

    def on_pin(self, signal: str, value: float, now_s: float) -> None:
        """A SimBus watcher: a software change of an output, written through at once."""
        del now_s
        if signal.endswith(STEP_SUFFIX):
            self._set_rate(signal.split(".")[1], value)
        elif signal in self._polarities:
            self.levels[signal] = int(bool(value) != self._polarities[signal])
        else:
            return
        self._write()

    def _set_rate(self, motor: str, step_hz: float) -> None:
        channel = self.pwm.setdefault(motor, PwmChannel())
        if step_hz > 0:
            channel.period_ns = round(1e9 / step_hz)
            channel.duty_ns, channel.enable = channel.period_ns // 2, 1
        else:
            channel.duty_ns, channel.enable = 0, 0

    def _write(self) -> None:
        """Atomically: a reader sees the old state or the new one, never half of one."""
        state = {
            "pid": os.getpid(),
            "levels": self.levels,
            "pwm": {m: asdict(ch) for m, ch in self.pwm.items()},
        }
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(state, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)


def read_pin_file(path: Path) -> tuple[dict[str, int], dict[str, PwmChannel]] | None:
    """(levels, PWM channels) as last written, or None while there is no file yet."""
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    pwm = {m: PwmChannel(**ch) for m, ch in data["pwm"].items()}
    return {k: int(v) for k, v in data["levels"].items()}, pwm
