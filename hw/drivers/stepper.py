"""A DM556 step/dir/enable driver with its ALM input; steps come from PWM, never a Python loop."""

from __future__ import annotations

from contextlib import ExitStack
from typing import TYPE_CHECKING

from hw.drivers.gpio import GpioInput, GpioOutput
from hw.drivers.pwm import PwmPlan, StepTrain, checked_step_hz, max_step_hz_for, open_step_train
from hw.protocols import Clock, DigitalInput

if TYPE_CHECKING:  # config types only; hw never imports control at run time
    from machine_config.config import MotorConfig

ALARM_DEBOUNCE_S = 0.01  # the DM556 latches ALM, so a short filter only rejects cable noise


def step_hz_for_rpm(rpm: float, steps_per_rev: int, microsteps: int) -> float:
    """Pulse rate the driver needs for `rpm` at its microstep setting."""
    return rpm * steps_per_rev * microsteps / 60.0


def rpm_for_step_hz(step_hz: float, steps_per_rev: int, microsteps: int) -> float:
    """Shaft speed produced by `step_hz` pulses per second."""
    return step_hz * 60.0 / (steps_per_rev * microsteps)


class Dm556Stepper:
    """StepperDriver for a DM556: PWM step train, dir and enable outputs, optional ALM input."""

    def __init__(
        self,
        step: StepTrain,
        direction: GpioOutput,
        enable: GpioOutput,
        alarm: DigitalInput | None = None,
    ) -> None:
        self._step = step
        self._dir = direction
        self._enable = enable
        self._alarm = alarm

    @classmethod
    def from_config(cls, key: str, cfg: MotorConfig, clock: Clock, plan: PwmPlan) -> Dm556Stepper:
        """Build from a `motors.<id>` section; refuses a max_rpm the step pin cannot reach."""
        need_hz = step_hz_for_rpm(cfg.max_rpm, cfg.steps_per_rev, cfg.microsteps)
        limit_hz = max_step_hz_for(cfg.step_pin, plan.board)
        if need_hz > limit_hz:
            raise ValueError(
                f"{key}.max_rpm: {cfg.max_rpm:g} rpm needs {need_hz:.0f} steps/s but step_pin "
                f"GPIO {cfg.step_pin} manages {limit_hz:.0f}; use GPIO 12/13/18/19 (hardware PWM)"
            )
        # Outputs first: driver disabled; DIR 'on' means forward, and starts forward (as the sim).
        enable = GpioOutput(cfg.enable_pin, active_low=cfg.enable_active_low)
        direction = GpioOutput(cfg.dir_pin, active_low=not cfg.forward_dir_high, initial_on=True)
        alarm = None
        if cfg.alarm_pin is not None:
            alarm = GpioInput(
                cfg.alarm_pin,
                clock,
                active_low=cfg.alarm_active_low,
                pull="up",  # ALM is an open-collector output
                debounce_s=ALARM_DEBOUNCE_S,
            )
        return cls(open_step_train(cfg.step_pin, plan), direction, enable, alarm)

    @property
    def step_kind(self) -> str:
        """'hardware' or 'software' PWM (for diagnostics)."""
        return self._step.kind

    @property
    def max_step_hz(self) -> float:
        return self._step.max_step_hz

    def set_enabled(self, enabled: bool) -> None:
        self._enable.set(enabled)

    def set_direction(self, forward: bool) -> None:
        self._dir.set(forward)

    def set_step_hz(self, step_hz: float) -> None:
        """Set the pulse rate; ValueError for negative, non-finite or above the output's limit."""
        self._step.set_hz(checked_step_hz(step_hz, self._step.max_step_hz))

    def alarm(self) -> bool:
        return self._alarm.read() if self._alarm is not None else False

    def close(self) -> None:
        """Stop stepping, then disable the driver, then release the input; each is tried."""
        with ExitStack() as stack:  # callbacks run last-in first-out, all of them
            if self._alarm is not None:
                stack.callback(self._alarm.close)
            stack.callback(self._enable.close)
            stack.callback(self._step.close)
