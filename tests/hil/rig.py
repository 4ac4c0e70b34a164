"""rig.yaml: the loop-back rig's own pins, its safety declaration and caps, checked against the
machine config; and the reduced, capped machine config the drills run."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from machine_config.config import RESERVED_PINS, Config, ConfigError, parse_config

Pin = Annotated[int, Field(ge=0, le=27)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class RigLimits(_Strict):
    """What the machine may be asked for on the rig (no real heater or motor load)."""

    setpoint_c: Annotated[float, Field(ge=0, le=80)] = 40.0
    min_extrude_c: Annotated[float, Field(ge=0, le=80)] = 30.0
    soak_s: Annotated[float, Field(ge=0, le=60)] = 2.0
    max_rpm: Annotated[float, Field(gt=0, le=30)] = 30.0  # lgpio counts ~1 kHz edges reliably
    trip_max_c: Annotated[float, Field(gt=0, le=120)] = 60.0


class RigConfig(_Strict):
    """The whole rig.yaml."""

    name: str
    # The heater contactor and the mains SSRs drive the rig's dummy loads (LEDs), not mains.
    loads_disconnected: Literal[True]
    limits: RigLimits = RigLimits()
    loopback: dict[str, Pin]  # machine config key -> rig input pin it is jumpered to
    estop_relay_pin: Pin  # rig output: opens the E-stop chain while high
    tc_relay: dict[str, Pin] = {}  # zone id -> rig output that opens its thermocouple while high

    def rig_pins(self) -> dict[int, str]:
        pins = {pin: f"rig.loopback.{key}" for key, pin in self.loopback.items()}
        pins[self.estop_relay_pin] = "rig.estop_relay_pin"
        pins.update({pin: f"rig.tc_relay.{zid}" for zid, pin in self.tc_relay.items()})
        return pins


class RigError(ValueError):
    """rig.yaml is unsafe or clashes with the machine config; the harness refuses to run."""


def load_rig(path: Path, base: dict[str, Any]) -> tuple[RigConfig, Config]:
    """Read rig.yaml and build the capped machine config; RigError names every problem."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("rig"), dict):
        raise RigError(f"{path}: needs a top-level 'rig' mapping")
    try:
        rig = RigConfig.model_validate(data["rig"])
    except ValidationError as err:
        lines = [f"rig.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()]
        raise RigError(f"{path}: " + "; ".join(lines)) from None
    cfg = rig_machine_config(base, rig)
    check_rig_pins(rig, cfg)
    return rig, cfg


def rig_machine_config(base: dict[str, Any], rig: RigConfig) -> Config:
    """config.yaml without what the rig has no pins for (aux outputs, monitor sensors, driver ALM,
    start button), with every setpoint, temperature limit and speed capped to the rig's limits."""
    try:
        return parse_config(rig_machine_data(base, rig), "rig machine config")
    except ConfigError as err:
        raise RigError(err.report()) from None


def rig_machine_data(base: dict[str, Any], rig: RigConfig) -> dict[str, Any]:
    """The raw config data of rig_machine_config (a child process is given it as a file)."""
    data = copy.deepcopy(base)
    lim = rig.limits
    data["outputs"]["aux"] = {}
    data["sensors"] = {}
    data.get("simulation", {}).pop("monitor_base_c", None)
    data["inputs"].pop("start_button", None)
    for zone in data["zones"].values():
        zone.update(setpoint_c=lim.setpoint_c, setpoint_max_c=lim.setpoint_c)
        zone["trip_max_c"] = min(zone["trip_max_c"], lim.trip_max_c)
    for motor in data["motors"].values():
        motor.pop("alarm_pin", None)
        motor["max_rpm"] = min(motor["max_rpm"], lim.max_rpm)
        motor["run_rpm"] = min(motor["run_rpm"], motor["max_rpm"])
    data["sequence"].update(min_extrude_c=lim.min_extrude_c, soak_s=lim.soak_s)
    return data


def check_rig_pins(rig: RigConfig, cfg: Config) -> None:
    """Rig pins are the Pi's spare GPIOs: none the machine uses, none reserved, none twice."""
    owners = cfg.pin_owners()
    seen: dict[int, str] = {}
    for key, pin in [*((f"rig.loopback.{k}", p) for k, p in rig.loopback.items()),
                     ("rig.estop_relay_pin", rig.estop_relay_pin),
                     *((f"rig.tc_relay.{z}", p) for z, p in rig.tc_relay.items())]:  # fmt: skip
        clash = owners.get(pin) or seen.get(pin) or RESERVED_PINS.get(pin)
        if clash:
            raise RigError(f"{key}: GPIO {pin} is already {clash}")
        seen[pin] = key
    for key in rig.loopback:
        if signal_of(key, cfg) is None:
            raise RigError(f"rig.loopback.{key}: not an output of the machine config")
    for zid in rig.tc_relay:
        if zid not in cfg.zones:
            raise RigError(f"rig.tc_relay.{zid}: not a zone of the machine config")


def signal_of(key: str, cfg: Config) -> tuple[int, bool] | None:
    """(output pin, active_low) of a loop-back key, or None if the config has no such output."""
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "zones" and parts[2] == "heater" and parts[1] in cfg.zones:
        heater = cfg.zones[parts[1]].heater
        return heater.pin, heater.active_low
    if len(parts) == 3 and parts[0] == "motors" and parts[1] in cfg.motors:
        m = cfg.motors[parts[1]]
        lines = {
            "step": (m.step_pin, False),
            "enable": (m.enable_pin, m.enable_active_low),
            "dir": (m.dir_pin, not m.forward_dir_high),
        }
        return lines.get(parts[2])
    if key in ("outputs.heater_contactor", "outputs.heartbeat"):
        out = getattr(cfg.outputs, parts[1])
        return out.pin, out.active_low
    return None
