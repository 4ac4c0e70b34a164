"""Config sections for the process around the machine: storage, REST, kiosk, logs, simulator."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from machine_config.base import Celsius, Ident, PositiveS, Section


class StorageConfig(Section):
    """Where runtime data lives and how long history is kept."""

    data_dir: str = "./data"
    history_period_s: PositiveS = 1.0
    retention_days: Annotated[float, Field(gt=0, le=3650)] = 30
    queue_max: Annotated[int, Field(ge=10, le=1_000_000)] = 2000


class ApiConfig(Section):
    """The REST side server."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8080
    allow_remote_start: bool = False
    metrics_auth: bool = False
    auth_max_failures: Annotated[int, Field(ge=1, le=1000)] = 10
    auth_window_s: PositiveS = 60.0
    auth_lockout_s: PositiveS = 60.0
    request_timeout_s: Annotated[float, Field(gt=0, le=300, allow_inf_nan=False)] = 10.0
    keepalive_timeout_s: Annotated[float, Field(gt=0, le=3600, allow_inf_nan=False)] = 30.0
    max_connections: Annotated[int, Field(ge=1, le=10_000)] = 128


class UiConfig(Section):
    """The kiosk screen."""

    fullscreen: bool = True
    show_cursor: bool = False
    refresh_s: Annotated[float, Field(gt=0, le=0.5)] = 0.25  # a new alarm shows within 0.5 s
    max_fps: Annotated[int, Field(ge=1, le=120)] = 30
    blank_after_s: Annotated[float, Field(ge=0, le=86_400)] = 600.0
    logout_after_s: Annotated[float, Field(gt=0, le=86_400)] = 300.0
    language: Literal["en", "de"] = "en"  # the string tables in app/ui/strings_*.py
    # Degrees the picture (and with it the touch) is turned by Kivy, for a panel mounted turned.
    rotation: Literal[0, 90, 180, 270] = 0
    # Backlight level while blanked, in % of the panel's maximum; 0 = the black overlay only.
    dim_percent: Annotated[int, Field(ge=0, le=100)] = 0


class LoggingConfig(Section):
    """The JSON log on stderr/journald: lines below `level` are not written."""

    level: Literal["debug", "info", "warning", "error"] = "info"  # debug adds per-request lines


class SimZoneConfig(Section):
    """Thermal plant constants for one simulated zone."""

    heat_capacity_j_per_k: Annotated[float, Field(gt=0)]
    loss_w_per_k: Annotated[float, Field(gt=0)]
    melt_w_per_rpm: Annotated[float, Field(ge=0)] = 0.0
    sensor_lag_s: Annotated[float, Field(ge=0, le=60)] = 2.0


class SimCouplingConfig(Section):
    """Heat conductance between two simulated zones."""

    a: Ident
    b: Ident
    w_per_k: Annotated[float, Field(ge=0)]


class SimulationConfig(Section):
    """The simulated machine: plant per zone, noise and seed."""

    seed: int = 1
    ambient_c: Celsius = 22.0
    noise_c: Annotated[float, Field(ge=0, le=10)] = 0.1
    mains_hz: Literal[50, 60] = 50
    zones: dict[Ident, SimZoneConfig] = {}
    couplings: list[SimCouplingConfig] = []
    monitor_base_c: dict[Ident, Celsius] = {}
    screw_motor: Ident = "screw"
