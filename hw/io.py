"""The bundle of hardware handles the control core owns, built from config by a registry."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from hw.protocols import DigitalInput, DigitalOutput, HeaterOutput, StepperDriver, TemperatureSensor

log = logging.getLogger(__name__)


@dataclass
class MachineIO:
    """Every hardware handle, keyed by the config ids. Only the control thread touches these."""

    zone_sensors: dict[str, TemperatureSensor]
    heaters: dict[str, HeaterOutput]
    monitor_sensors: dict[str, TemperatureSensor]
    steppers: dict[str, StepperDriver]
    aux: dict[str, DigitalOutput]
    heater_contactor: DigitalOutput
    heartbeat: DigitalOutput
    estop_ok: DigitalInput
    start_button: DigitalInput | None = None
    stop_button: DigitalInput | None = None
    extras: dict[str, object] = field(default_factory=dict)

    def all_outputs_off(self) -> None:
        """Best-effort: drive every output to its safe state, continuing past errors."""
        for heater in self.heaters.values():
            quietly(lambda h=heater: h.set(False))
        for stepper in self.steppers.values():
            quietly(lambda s=stepper: s.set_step_hz(0.0))
            quietly(lambda s=stepper: s.set_enabled(False))
        for out in self.aux.values():
            quietly(lambda o=out: o.set(False))
        quietly(lambda: self.heater_contactor.set(False))

    def close(self) -> None:
        """Turn everything off, then release the handles."""
        self.all_outputs_off()
        handles: list[object] = [
            *self.zone_sensors.values(),
            *self.heaters.values(),
            *self.monitor_sensors.values(),
            *self.steppers.values(),
            *self.aux.values(),
            self.heater_contactor,
            self.heartbeat,
            self.estop_ok,
            self.start_button,
            self.stop_button,
        ]
        for handle in handles:
            close = getattr(handle, "close", None)
            if close is not None:
                quietly(close)


def quietly(action: Callable[..., object], *args: object) -> None:
    """Run one output action on the safe-state path; a failing output must not stop the rest.

    Only for the safe-state path (everything off, close): the control tick never uses it, a
    failed write there is a trip naming the output (control/outputs.py). Here it is logged."""
    try:
        action(*args)
    except Exception as err:
        log.warning("safe-state output action %r failed: %s: %s", action, type(err).__name__, err)
