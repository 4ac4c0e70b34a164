"""The simulated machine: builds every sim device from config and keeps the plant in step."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from hw.io import MachineIO
from hw.protocols import Clock
from hw.sim.bus import SimBus
from hw.sim.digital import SimInput, SimOutput
from hw.sim.faults import FaultInjector
from hw.sim.pinfile import PinFile, pin_polarities
from hw.sim.plant import STEP_S, ThermalPlant
from hw.sim.ssr import SimSSR
from hw.sim.stepper import SimStepper
from hw.sim.thermocouple import SimThermocouple
from machine_config.config import Config

DEFAULT_PRESS_S = 0.2  # a finger on a panel button, long enough for several control ticks
_BUTTONS = {"start": "start_button", "stop": "stop_button"}
_T = TypeVar("_T")


class SimMachine:
    """The whole simulated extruder, like gpiozero's MockFactory: build it, hand `io()` to the
    control core, drive and inspect it through this object (never through its internals).

    Time comes only from the injected clock. Nothing runs in the background: whenever any sim
    handle is touched, the plant integrates up to `clock.now()` in fixed STEP_S steps, so the
    result does not depend on how often anything polls. Heater power flows only while the
    `heater_contactor` output is on (it feeds every SSR), the SSR conducts and the element is
    intact; a stuck SSR therefore heats until the contactor drops.
    """

    def __init__(self, cfg: Config, clock: Clock) -> None:
        sim = cfg.simulation
        self.cfg = cfg
        self.clock = clock
        self.bus = SimBus(clock)
        self.faults = FaultInjector(self.bus, list(cfg.zones), list(cfg.sensors), list(cfg.motors))
        self.plant = ThermalPlant(cfg, clock.now())
        self._half_cycles_per_step = round(STEP_S * 2 * sim.mains_hz)
        self._t_last_s = clock.now()
        self._ssrs = {
            zid: SimSSR(zid, self.bus, sim.mains_hz, z.heater.window_s)
            for zid, z in cfg.zones.items()
        }
        self._steppers = {
            mid: SimStepper(mid, m, self.bus, self.faults) for mid, m in cfg.motors.items()
        }
        self._screw = self._steppers.get(sim.screw_motor)
        self._aux = {
            oid: SimOutput(oid, self.bus, signal=f"outputs.aux.{oid}") for oid in cfg.outputs.aux
        }
        self._contactor = SimOutput("heater_contactor", self.bus)
        self._heartbeat = SimOutput("heartbeat", self.bus)
        self._inputs = self._build_inputs()
        self._offsets_c = {sid: 0.0 for sid in cfg.sensors}
        self._sensors = self._build_sensors()
        self._io = self._build_io()
        self._no_heat_w = [0.0] * len(self.plant.zones)
        self._apply_faults()
        self.bus.bind(self._sync)
        self.faults.subscribe(self._apply_faults)
        self.pin_file: PinFile | None = None

    @classmethod
    def from_config(cls, cfg: Config, clock: Clock) -> SimMachine:
        """A cold machine at ambient, every output off, E-stop chain healthy, no faults."""
        return cls(cfg, clock)

    # --- construction ---------------------------------------------------------------------

    def _build_inputs(self) -> dict[str, SimInput]:
        inputs = {
            "estop_ok": SimInput("estop_ok", self.bus, True, lambda: not self.faults.has("estop"))
        }
        for name in ("start_button", "stop_button"):
            if getattr(self.cfg.inputs, name) is not None:
                inputs[name] = SimInput(name, self.bus, False)
        return inputs

    def _build_sensors(self) -> dict[str, SimThermocouple]:
        sim = self.cfg.simulation
        sensors: dict[str, SimThermocouple] = {}
        for i, zid in enumerate(self.plant.zone_ids):
            source = self._probe_source(i)
            sensors[zid] = SimThermocouple(
                zid, self.bus, self.faults, source, sim.noise_c, sim.seed
            )
        for j, sid in enumerate(self.plant.monitor_ids):
            source = self._monitor_source(j, sid)
            sensors[sid] = SimThermocouple(
                sid, self.bus, self.faults, source, sim.noise_c, sim.seed
            )
        return sensors

    def _probe_source(self, i: int) -> Callable[[], float]:
        return lambda: self.plant.probe_c[i]

    def _monitor_source(self, j: int, sid: str) -> Callable[[], float]:
        return lambda: self.plant.monitor_c[j] + self._offsets_c[sid]

    def _build_io(self) -> MachineIO:
        zones, sensors = self.cfg.zones, self.cfg.sensors
        return MachineIO(
            zone_sensors={zid: self._sensors[zid] for zid in zones},
            heaters=dict(self._ssrs),
            monitor_sensors={sid: self._sensors[sid] for sid in sensors},
            steppers=dict(self._steppers),
            aux=dict(self._aux),
            heater_contactor=self._contactor,
            heartbeat=self._heartbeat,
            estop_ok=self._inputs["estop_ok"],
            start_button=self._inputs.get("start_button"),
            stop_button=self._inputs.get("stop_button"),
            extras={"sim": self},
        )

    # --- the handles and the simulator's own controls ----------------------------------------

    def io(self) -> MachineIO:
        """The hardware handles for the control core (the same object every call)."""
        return self._io

    def heater(self, zone_id: str) -> SimSSR:
        return _lookup(self._ssrs, zone_id, "zone")

    def stepper(self, motor_id: str) -> SimStepper:
        return _lookup(self._steppers, motor_id, "motor")

    def sensor(self, sensor_id: str) -> SimThermocouple:
        return _lookup(self._sensors, sensor_id, "sensor")

    def output(self, output_id: str) -> SimOutput:
        """An aux output by id, or "heater_contactor" / "heartbeat"."""
        outputs = {**self._aux, "heater_contactor": self._contactor, "heartbeat": self._heartbeat}
        return _lookup(outputs, output_id, "output")

    def sync(self) -> float:
        """Bring the plant up to now (done automatically by every handle); returns now."""
        with self.bus.lock:
            return self.bus.now()

    def plant_temperature(self, zone_id: str) -> float:
        """The true temperature of a zone's thermal mass now (°C)."""
        i = self._zone_index(zone_id)
        with self.bus.lock:
            self.bus.now()
            return self.plant.t_c[i]

    def probe_temperature(self, zone_id: str) -> float:
        """What the zone's thermocouple tip sees now (°C, lagged, before noise and rounding)."""
        i = self._zone_index(zone_id)
        with self.bus.lock:
            self.bus.now()
            return self.plant.probe_c[i]

    def monitor_temperature(self, sensor_id: str) -> float:
        """A monitor-only sensor's true temperature now (°C), including any offset."""
        j = _index(self.plant.monitor_ids, sensor_id, "sensor")
        with self.bus.lock:
            self.bus.now()
            return self.plant.monitor_c[j] + self._offsets_c[sensor_id]

    def set_monitor_offset(self, sensor_id: str, offset_c: float) -> None:
        """Add a disturbance to a monitor sensor's true temperature (e.g. a blocked motor fan)."""
        _index(self.plant.monitor_ids, sensor_id, "sensor")
        if not math.isfinite(offset_c):
            raise ValueError(f"offset_c must be finite, got {offset_c!r}")
        with self.bus.lock:
            self.bus.now()
            self._offsets_c[sensor_id] = float(offset_c)

    def set_plant_temperature(self, zone_id: str, temperature_c: float) -> None:
        """Put a zone's mass (and its settled probe) at a temperature: a warm restart, or a
        machine that was heated by its legacy panel."""
        i = self._zone_index(zone_id)
        if not math.isfinite(temperature_c) or not -50.0 <= temperature_c <= 1000.0:
            raise ValueError(f"temperature_c must be between -50 and 1000, got {temperature_c!r}")
        with self.bus.lock:
            self.bus.now()
            self.plant.t_c[i] = float(temperature_c)
            self.plant.probe_c[i] = float(temperature_c)

    def heater_energy_j(self, zone_id: str) -> float:
        """Energy delivered into a zone's heater since power-on (or reset), in joules."""
        i = self._zone_index(zone_id)
        with self.bus.lock:
            self.bus.now()
            return self.plant.energy_j[i]

    @property
    def disk_full(self) -> bool:
        """True while a disk_full fault is injected; the storage layer polls this."""
        return self.faults.has("disk_full")

    def set_estop_chain(self, ok: bool) -> None:
        """Close (True) or open (False) the hardware E-stop chain."""
        self._inputs["estop_ok"].set_level(ok)

    def press(self, button: str, hold_s: float | None = DEFAULT_PRESS_S) -> None:
        """Press a panel button ("start"/"stop"); held for hold_s, or until release() if None."""
        self._button(button).press(hold_s)

    def release(self, button: str) -> None:
        self._button(button).release()

    def reset(self) -> None:
        """Back to power-on: plant at ambient, faults cleared, outputs off, inputs default,
        sensor noise re-seeded. Handles stay the same objects (and closed ones stay closed)."""
        with self.bus.lock:
            now_s = self.bus.now()
            self.faults.clear_all()
            self.plant.reset(now_s)
            devices: list[Any] = [
                *self._ssrs.values(), *self._steppers.values(), *self._aux.values(),
                self._contactor, self._heartbeat, *self._inputs.values(), *self._sensors.values(),
            ]  # fmt: skip
            for device in devices:
                device.reset()
            self._offsets_c = dict.fromkeys(self._offsets_c, 0.0)
            if self.pin_file is not None:  # devices reset silently: write their levels through
                for mid in self._steppers:
                    self.pin_file.on_pin(f"motors.{mid}.step_hz", 0.0, now_s)
                self.pin_file.claim(self._logical_levels())

    def mirror_pins(self, path: Path) -> PinFile:
        """Keep the output pins in `path` from now on (see hw.sim.pinfile), starting as the
        hardware start-up does: stop leftover kernel PWM, then claim every output at its level."""
        with self.bus.lock:
            now_s = self.bus.now()
            pins = PinFile(path, pin_polarities(self.cfg), list(self._steppers))
            pins.stop_leftover_pwm()
            pins.claim(self._logical_levels())
            for mid, stepper in self._steppers.items():
                if stepper.step_hz:
                    pins.on_pin(f"motors.{mid}.step_hz", stepper.step_hz, now_s)
            self.bus.watch(pins.on_pin)
            self.pin_file = pins
            return pins

    def _logical_levels(self) -> dict[str, bool]:
        """Every output's logical level now, by config key (the pin file's signals)."""
        levels = {f"zones.{zid}.heater": ssr.commanded for zid, ssr in self._ssrs.items()}
        levels.update({out.signal: out.on for out in self._aux.values()})
        levels.update({o.signal: o.on for o in (self._contactor, self._heartbeat)})
        for mid, stepper in self._steppers.items():
            levels[f"motors.{mid}.enable"] = stepper.enabled
            levels[f"motors.{mid}.dir"] = stepper.forward
        return levels

    def io_view(self) -> dict[str, Any]:
        """Raw outputs, inputs and plant temperatures: the body of GET /api/v1/sim/io."""
        with self.bus.lock:
            now_s = self.bus.now()
            return {
                "time_s": now_s,
                "zones": {zid: self._zone_view(zid, now_s) for zid in self._ssrs},
                "motors": {mid: _motor_view(s) for mid, s in self._steppers.items()},
                "outputs": {oid: {"on": out.on} for oid, out in self._aux.items()},
                "heater_contactor": self._contactor.on,
                "heartbeat": self._heartbeat.on,
                "estop_ok": self._inputs["estop_ok"].peek(now_s),
                "inputs": {name: inp.peek(now_s) for name, inp in self._inputs.items()},
                "temperatures_c": self._temperatures(),
                "faults": self.faults.active(),
                "disk_full": self.disk_full,
            }

    # --- integration --------------------------------------------------------------------------

    def _sync(self, now_s: float) -> None:
        dt_s = now_s - self._t_last_s
        if dt_s <= 0:
            return
        for stepper in self._steppers.values():
            stepper.advance(dt_s)
        target_k = math.floor(now_s / STEP_S + 1e-9)
        if self.plant.k < target_k:
            self._advance_plant(target_k)
        self._t_last_s = now_s

    def _advance_plant(self, target_k: int) -> None:
        hc = self._half_cycles_per_step
        ssrs = self._ssrs.values()
        watts = self._heater_w if self._contactor.on else self._no_heat_w
        detached = self._detached
        rpm = self._screw.rpm if self._screw is not None else 0.0
        while self.plant.k < target_k:
            n0 = self.plant.k * hc
            heater_w = [
                w * ssr.switch.on_count(n0, n0 + hc) / hc if w else 0.0
                for w, ssr in zip(watts, ssrs, strict=True)
            ]
            self.plant.step(heater_w, rpm, detached)

    def _apply_faults(self) -> None:
        """After every change of the active faults: stuck SSRs, and what the plant integrates
        with (each zone's heater power while the contactor is closed, its probe detached)."""
        for zid, ssr in self._ssrs.items():
            stuck = self.faults.has("ssr_stuck_on", zid)
            if stuck != ssr.switch.stuck:
                ssr.set_stuck(self._t_last_s, stuck)
        zones = self.plant.zones
        self._heater_w = [0.0 if self.faults.has("heater_open", z.id) else z.watts for z in zones]
        self._detached = [self.faults.has("probe_detached", z.id) for z in zones]

    # --- views --------------------------------------------------------------------------------

    def _zone_view(self, zone_id: str, now_s: float) -> dict[str, Any]:
        ssr = self._ssrs[zone_id]
        i = self._zone_index(zone_id)
        conducting = ssr.conducting(now_s)
        fed = self._contactor.on and not self.faults.has("heater_open", zone_id)
        return {
            "ssr_on": ssr.commanded,
            "conducting": conducting,
            "duty_window": round(ssr.duty_window(now_s), 4),
            "heater_w": self.plant.zones[i].watts if conducting and fed else 0.0,
            "temperature_c": round(self.plant.t_c[i], 3),
            "probe_c": round(self.plant.probe_c[i], 3),
        }

    def _temperatures(self) -> dict[str, float]:
        temps = {
            zid: round(t, 3) for zid, t in zip(self.plant.zone_ids, self.plant.t_c, strict=True)
        }
        for sid, t in zip(self.plant.monitor_ids, self.plant.monitor_c, strict=True):
            temps[sid] = round(t + self._offsets_c[sid], 3)
        return temps

    def _zone_index(self, zone_id: str) -> int:
        return _index(self.plant.zone_ids, zone_id, "zone")

    def _button(self, button: str) -> SimInput:
        name = _BUTTONS.get(button, button)
        if name not in _BUTTONS.values():
            raise LookupError(f"unknown button {button!r}; expected 'start' or 'stop'")
        return _lookup(self._inputs, name, "button (not configured)")


def _motor_view(stepper: SimStepper) -> dict[str, Any]:
    return {
        "enabled": stepper.enabled,
        "dir": "forward" if stepper.forward else "reverse",
        "step_hz": stepper.step_hz,
        "rpm": round(stepper.rpm, 4),
        "alarm": stepper.in_alarm,
        "revolutions": round(stepper.revolutions, 4),
    }


def _lookup(items: dict[str, _T], key: str, what: str) -> _T:
    try:
        return items[key]
    except KeyError:
        raise LookupError(f"unknown {what} {key!r}; known: {', '.join(items)}") from None


def _index(ids: tuple[str, ...], key: str, what: str) -> int:
    try:
        return ids.index(key)
    except ValueError:
        raise LookupError(f"unknown {what} {key!r}; known: {', '.join(ids)}") from None
