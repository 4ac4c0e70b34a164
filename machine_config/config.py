"""The machine configuration model: one validated object per config.yaml section."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from machine_config.base import Celsius, Ident, Pin, PositiveS, Section
from machine_config.inputs import (
    InputConfig,
    InputsConfig,
    broken_wire_asserts,
    check_fail_safe_inputs,
)
from machine_config.process import (
    ApiConfig,
    LoggingConfig,
    SimCouplingConfig,
    SimulationConfig,
    SimZoneConfig,
    StorageConfig,
    UiConfig,
)

__all__ = [  # the sections defined beside this module are part of the config model too
    "ApiConfig",
    "Config",
    "ConfigError",
    "InputConfig",
    "InputsConfig",
    "LoggingConfig",
    "Section",
    "SimCouplingConfig",
    "SimZoneConfig",
    "SimulationConfig",
    "StorageConfig",
    "UiConfig",
    "broken_wire_asserts",
    "load_config",
    "parse_config",
]


class SensorConfig(Section):
    """A thermocouple channel: MAX31855 on SPI0 with its own chip-select pin."""

    type: Literal["max31855", "sim"] = "max31855"
    cs_pin: Pin
    period_s: PositiveS = 0.25


class HeaterConfig(Section):
    """The SSR that drives a zone's heater band."""

    pin: Pin
    watts: Annotated[float, Field(gt=0, le=10_000)]
    active_low: bool = False
    window_s: PositiveS = 1.0


class PidConfig(Section):
    """PID gains in duty per °C (kp), per °C·s (ki) and per °C/s (kd)."""

    kp: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)]
    ki: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
    kd: Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]
    d_filter_s: Annotated[float, Field(ge=0, le=60)] = 2.0


class ZoneConfig(Section):
    """A heated zone: sensor, heater, limits and default PID gains."""

    name: str
    sensor: SensorConfig
    heater: HeaterConfig
    setpoint_c: Celsius
    setpoint_max_c: Celsius
    trip_max_c: Celsius
    pid: PidConfig

    @model_validator(mode="after")
    def _limits(self) -> ZoneConfig:
        if self.setpoint_max_c >= self.trip_max_c:
            raise ValueError("setpoint_max_c must be below trip_max_c")
        if self.setpoint_c > self.setpoint_max_c:
            raise ValueError("setpoint_c must not exceed setpoint_max_c")
        return self


class MonitorSensorConfig(Section):
    """A monitor-only temperature (feed throat, motor housing); `max_c` trips when exceeded."""

    name: str
    sensor: SensorConfig
    max_c: Celsius | None = None


class MotorConfig(Section):
    """A stepper on a DM556 driver."""

    name: str
    driver: Literal["dm556"] = "dm556"
    step_pin: Pin
    dir_pin: Pin
    enable_pin: Pin
    enable_active_low: bool = True
    alarm_pin: Pin | None = None
    alarm_active_low: bool = True
    forward_dir_high: bool = True
    steps_per_rev: Annotated[int, Field(ge=1, le=10_000)] = 200
    microsteps: Annotated[int, Field(ge=1, le=256)] = 8
    max_rpm: Annotated[float, Field(gt=0, le=3000)]
    accel_rpm_s: Annotated[float, Field(gt=0, le=10_000)]
    run_rpm: Annotated[float, Field(ge=0, le=3000)]

    @model_validator(mode="after")
    def _speeds(self) -> MotorConfig:
        if self.run_rpm > self.max_rpm:
            raise ValueError("run_rpm must not exceed max_rpm")
        return self


class OutputConfig(Section):
    """An auxiliary on/off output an operator may switch (fans, pump)."""

    name: str
    pin: Pin
    active_low: bool = False
    keep_on_trip: bool = False
    on_while_running: bool = False


class PlainOutputConfig(Section):
    """A safety-owned output (heater contactor, heartbeat)."""

    pin: Pin
    active_low: bool = False


class OutputsConfig(Section):
    """Auxiliary outputs plus the two outputs that only safety drives."""

    aux: dict[Ident, OutputConfig] = {}
    heater_contactor: PlainOutputConfig
    heartbeat: PlainOutputConfig


class StepConfig(Section):
    """One motor in a start or stop order, with the delay before it."""

    motor: Ident
    delay_s: Annotated[float, Field(ge=0, le=600)] = 0.0


class SequenceConfig(Section):
    """The temperature gate and the start/stop order."""

    band_c: Annotated[float, Field(gt=0, le=100)] = 5.0
    soak_s: Annotated[float, Field(ge=0, le=7200)] = 60.0
    min_extrude_c: Celsius
    start_order: list[StepConfig]
    stop_order: list[StepConfig]
    hold_heat_after_stop: bool = False


class SafetyConfig(Section):
    """Limits the safety watcher enforces (DESIGN §6)."""

    tc_fault_count: Annotated[int, Field(ge=1, le=100)] = 3
    sensor_stale_s: PositiveS = 1.0
    watchdog_s: PositiveS = 2.0
    heating_gain_c: Annotated[float, Field(gt=0, le=100)] = 2.0
    heating_period_s: PositiveS = 60.0
    heating_duty_min: Annotated[float, Field(gt=0, le=1)] = 0.9
    max_error_c: Annotated[float, Field(gt=0, le=500)] = 120.0
    ssr_stuck_rise_c: Annotated[float, Field(gt=0, le=100)] = 5.0
    ssr_stuck_period_s: PositiveS = 60.0
    max_on_s: PositiveS = 0.5


class MachineConfig(Section):
    """Identity and timing of the machine."""

    name: str = "TVEmicro"
    tick_s: Annotated[float, Field(ge=0.005, le=1.0)] = 0.05
    rt_priority: Annotated[int, Field(ge=0, le=99)] = 10


class Config(Section):
    """The whole validated config.yaml."""

    machine: MachineConfig
    zones: dict[Ident, ZoneConfig]
    sensors: dict[Ident, MonitorSensorConfig] = {}
    motors: dict[Ident, MotorConfig]
    outputs: OutputsConfig
    inputs: InputsConfig
    sequence: SequenceConfig
    safety: SafetyConfig = SafetyConfig()
    storage: StorageConfig = StorageConfig()
    api: ApiConfig = ApiConfig()
    ui: UiConfig = UiConfig()
    logging: LoggingConfig = LoggingConfig()
    simulation: SimulationConfig = SimulationConfig()

    @field_validator("zones")
    @classmethod
    def _some_zone(cls, zones: dict[str, ZoneConfig]) -> dict[str, ZoneConfig]:
        if not zones:
            raise ValueError("at least one heated zone is required")
        return zones

    @model_validator(mode="after")
    def _cross_checks(self) -> Config:
        _check_unique_ids(self)
        _check_pins(self)
        _check_orders(self)
        _check_timing(self)
        _check_simulation(self)
        return self

    def pin_owners(self) -> dict[int, str]:
        """Every BCM pin in use, mapped to the config key that owns it."""
        return dict(_pins(self))


def _pins(cfg: Config) -> list[tuple[int, str]]:
    used: list[tuple[int, str]] = []
    for zid, z in cfg.zones.items():
        used += [
            (z.sensor.cs_pin, f"zones.{zid}.sensor.cs_pin"),
            (z.heater.pin, f"zones.{zid}.heater.pin"),
        ]
    for sid, s in cfg.sensors.items():
        used.append((s.sensor.cs_pin, f"sensors.{sid}.sensor.cs_pin"))
    for mid, m in cfg.motors.items():
        for key in ("step_pin", "dir_pin", "enable_pin", "alarm_pin"):
            pin = getattr(m, key)
            if pin is not None:
                used.append((pin, f"motors.{mid}.{key}"))
    for oid, o in cfg.outputs.aux.items():
        used.append((o.pin, f"outputs.aux.{oid}.pin"))
    used.append((cfg.outputs.heater_contactor.pin, "outputs.heater_contactor.pin"))
    used.append((cfg.outputs.heartbeat.pin, "outputs.heartbeat.pin"))
    for name in ("estop_ok", "start_button", "stop_button"):
        inp = getattr(cfg.inputs, name)
        if inp is not None:
            used.append((inp.pin, f"inputs.{name}.pin"))
    return used


# SPI0's data and clock lines: every thermocouple shares them, so no config key may take them.
RESERVED_PINS = {9: "SPI0 MISO", 10: "SPI0 MOSI", 11: "SPI0 SCLK"}


def _check_pins(cfg: Config) -> None:
    seen: dict[int, str] = {pin: f"{name} (reserved)" for pin, name in RESERVED_PINS.items()}
    for pin, key in _pins(cfg):
        if pin in seen:
            raise ValueError(f"{key}: pin {pin} is already used by {seen[pin]}")
        seen[pin] = key
    check_fail_safe_inputs(cfg.inputs)


def _check_unique_ids(cfg: Config) -> None:
    groups: dict[str, dict[str, Any]] = {
        "zones": cfg.zones,
        "sensors": cfg.sensors,
        "motors": cfg.motors,
        "outputs.aux": cfg.outputs.aux,
    }
    seen: dict[str, str] = {}
    for group, items in groups.items():
        for ident in items:
            if ident == "machine":
                raise ValueError(f"{group}.{ident}: 'machine' is reserved")
            if ident in seen:
                raise ValueError(f"{group}.{ident}: id already used in {seen[ident]}")
            seen[ident] = group


def _check_orders(cfg: Config) -> None:
    for key in ("start_order", "stop_order"):
        order: list[StepConfig] = getattr(cfg.sequence, key)
        names = [s.motor for s in order]
        for i, name in enumerate(names):
            if name not in cfg.motors:
                raise ValueError(f"sequence.{key}.{i}.motor: unknown motor '{name}'")
        if sorted(names) != sorted(cfg.motors):
            raise ValueError(f"sequence.{key}: must list every motor exactly once")
    for zid, z in cfg.zones.items():
        if cfg.sequence.min_extrude_c > z.setpoint_max_c:
            raise ValueError(f"sequence.min_extrude_c: above zones.{zid}.setpoint_max_c")


def _check_timing(cfg: Config) -> None:
    tick = cfg.machine.tick_s
    safety = cfg.safety
    for zid, z in cfg.zones.items():
        if safety.sensor_stale_s <= z.sensor.period_s + tick:
            raise ValueError(
                f"safety.sensor_stale_s: must exceed zones.{zid}.sensor.period_s plus one tick"
            )
        if z.heater.window_s < 2 * tick:
            raise ValueError(f"zones.{zid}.heater.window_s: must be at least two ticks")
    for sid, s in cfg.sensors.items():
        if safety.sensor_stale_s <= s.sensor.period_s + tick:
            raise ValueError(
                f"safety.sensor_stale_s: must exceed sensors.{sid}.sensor.period_s plus one tick"
            )
    if safety.watchdog_s <= 2 * tick:
        raise ValueError("safety.watchdog_s: must exceed two ticks")


def _check_simulation(cfg: Config) -> None:
    for zid in cfg.simulation.zones:
        if zid not in cfg.zones:
            raise ValueError(f"simulation.zones.{zid}: not a configured zone")
    for i, c in enumerate(cfg.simulation.couplings):
        for end in (c.a, c.b):
            if end not in cfg.zones:
                raise ValueError(f"simulation.couplings.{i}: unknown zone '{end}'")
    if cfg.simulation.zones and cfg.simulation.screw_motor not in cfg.motors:
        raise ValueError("simulation.screw_motor: not a configured motor")
    for sid in cfg.simulation.monitor_base_c:
        if sid not in cfg.sensors:
            raise ValueError(f"simulation.monitor_base_c.{sid}: not a configured sensor")


class ConfigError(Exception):
    """The config file is missing, unreadable or invalid; `problems` lists 'key: message' lines."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems

    def report(self) -> str:
        """A readable multi-line report: the file, then one 'key: message' line per problem."""
        count = len(self.problems)
        lines = [f"{self.source}: {count} config error{'s' if count != 1 else ''}"]
        return "\n".join([*lines, *(f"  {p}" for p in self.problems)])


def _describe(err: ValidationError) -> list[str]:
    lines = []
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        lines.append(f"{key}: {msg}" if key else msg)
    return lines


def parse_config(data: Any, source: str = "<config>") -> Config:
    """Validate already-parsed YAML data into a Config, or raise ConfigError naming each key."""
    if not isinstance(data, dict):
        raise ConfigError(source, ["the file must hold a mapping of sections"])
    try:
        return Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(source, _describe(err)) from None


def load_config(path: str | Path) -> Config:
    """Read and validate a config.yaml file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(str(p), [f"cannot read: {err.strerror}"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError(str(p), [f"not valid YAML: {err}"]) from None
    return parse_config(data, str(p))


def is_finite(x: float) -> bool:
    """True for a real, finite number (bools excluded)."""
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
