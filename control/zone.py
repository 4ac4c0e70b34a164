"""A heated zone at run time: its sensor track, controller, SSR window and plausibility checks."""

from __future__ import annotations

from typing import Protocol

from control.heater_check import HeaterCheck, HeaterCheckLimits
from control.pid import Pid
from control.sensing import SensorTrack
from control.ssr import TimeProportioner
from hw.protocols import HeaterOutput, TemperatureSensor
from machine_config.config import SafetyConfig, ZoneConfig


class Controller(Protocol):
    """Anything that turns a measurement into a duty: the PID, or an autotune in its place."""

    def update(self, now_s: float, measured_c: float, setpoint_c: float) -> float: ...


class Zone:
    """One heated zone. The core swaps controllers (autotune) without touching other zones."""

    def __init__(
        self,
        zone_id: str,
        cfg: ZoneConfig,
        safety: SafetyConfig,
        tick_s: float,
        sensor: TemperatureSensor,
        heater: HeaterOutput,
        band_c: float,
    ) -> None:
        self.id = zone_id
        self.cfg = cfg
        self.track = SensorTrack(sensor, cfg.sensor.period_s)
        self.heater = heater
        self.setpoint_c = cfg.setpoint_c
        self.pid = Pid(cfg.pid.kp, cfg.pid.ki, cfg.pid.kd, cfg.pid.d_filter_s)
        self.window = TimeProportioner(cfg.heater.window_s, tick_s)
        self.check = HeaterCheck(
            HeaterCheckLimits(
                heating_gain_c=safety.heating_gain_c,
                heating_period_s=safety.heating_period_s,
                heating_duty_min=safety.heating_duty_min,
                stuck_rise_c=safety.ssr_stuck_rise_c,
                stuck_period_s=safety.ssr_stuck_period_s,
                max_error_c=safety.max_error_c,
                near_c=band_c,
            )
        )
        self.manual_duty: float | None = None
        self.duty = 0.0
        self.heater_on = False
        self.regulating = False
        self.sensor_ok = False  # the core's verdict on the sensor this tick (fresh, no fault)
        self.sensor_held = False  # this tick's duty was forced to 0 by that verdict, not chosen
        self.target_c: float | None = None  # the setpoint the PID regulates to, if it does

    @property
    def temperature_c(self) -> float | None:
        return self.track.temperature_c

    def judge_sensor(self, now_s: float, stale_s: float) -> None:
        """Read the sensor if due and fix this tick's verdict on it (fresh, no fault)."""
        self.track.poll(now_s)
        self.sensor_ok = self.track.healthy(now_s, stale_s)

    def set_setpoint(self, setpoint_c: float) -> None:
        self.setpoint_c = setpoint_c

    def set_manual(self, duty: float | None) -> None:
        """A fixed heater duty (manual mode), or None to leave it to the controller."""
        self.manual_duty = duty

    def compute_duty(self, now_s: float, controller: Controller | None, allowed: bool) -> float:
        """Run the controller when heating is allowed, else hold it reset; returns the duty."""
        measured = self.track.temperature_c
        self.sensor_held = not self.sensor_ok
        self.target_c = None
        if not allowed or measured is None:
            if self.regulating:
                self.pid.reset()
            self.regulating = False
            self.duty = 0.0
            return 0.0
        self.regulating = True
        if self.manual_duty is not None:
            self.duty = self.manual_duty
        else:
            active = controller if controller is not None else self.pid
            self.duty = min(1.0, max(0.0, active.update(now_s, measured, self.setpoint_c)))
            self.target_c = self.setpoint_c if controller is None else None
        return self.duty

    def write(self, now_s: float, allowed: bool) -> bool:
        """Time-proportion the duty onto the SSR; `allowed` False forces it off this tick."""
        on = allowed and self.window.update(now_s, self.duty)
        if not allowed:
            self.duty = 0.0
        self.heater.set(on)
        self.heater_on = on
        return on

    def force_off(self) -> None:
        """Safety path: heater off immediately. The controller is reset by the next
        `compute_duty`, which runs with heating not allowed."""
        self.duty = 0.0
        self.heater_on = False
        self.heater.set(False)

    def in_band(self, band_c: float) -> bool:
        t = self.track.temperature_c
        return t is not None and abs(t - self.setpoint_c) <= band_c
