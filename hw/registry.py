"""Builds the MachineIO for a backend ('sim' or 'hw') from config, choosing from registries."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from hw.drivers.boardcheck import (
    DeviceTree,
    check_spi_chip_selects,
    check_step_mux,
    check_uart_pins,
    parse_pin_functions,
    run_pinctrl,
)
from hw.drivers.gpio import GpioInput, GpioOutput
from hw.drivers.max31855 import Max31855Sensor, open_spi_bus
from hw.drivers.pwm import BoardProbe, PwmPlan, check_step_pins, stop_header_pwm
from hw.drivers.stepper import Dm556Stepper
from hw.io import MachineIO
from hw.protocols import Clock, DigitalInput, DigitalOutput, StepperDriver, TemperatureSensor

if TYPE_CHECKING:  # config types only; hw never imports control at run time
    from machine_config.config import Config, InputConfig, MotorConfig, SensorConfig

log = logging.getLogger(__name__)
_T = TypeVar("_T")

__all__ = ["BACKENDS", "SENSOR_TYPES", "STEPPER_DRIVERS", "HwContext", "build_hw_io", "build_io"]


class HwContext:
    """What every hardware factory may need: the clock, the board's PWM plan, the SPI bus."""

    def __init__(self, clock: Clock, plan: PwmPlan) -> None:
        self.clock = clock
        self.plan = plan
        self._spi_bus: Any = None

    def spi_bus(self) -> Any:
        """SPI0, opened on first use and shared by every thermocouple."""
        if self._spi_bus is None:
            self._spi_bus = open_spi_bus()
        return self._spi_bus


SensorFactory = Callable[["SensorConfig", HwContext], TemperatureSensor]
StepperFactory = Callable[[str, "MotorConfig", HwContext], StepperDriver]
Backend = Callable[["Config", Clock], MachineIO]


def _max31855(section: SensorConfig, ctx: HwContext) -> TemperatureSensor:
    return Max31855Sensor(ctx.spi_bus(), section.cs_pin, ctx.clock)


def _dm556(key: str, section: MotorConfig, ctx: HwContext) -> StepperDriver:
    return Dm556Stepper.from_config(key, section, ctx.clock, ctx.plan)


# Hardware implementations by config `type`/`driver` value. 'sim' sensors are deliberately
# absent: real heaters must never be driven from a simulated temperature.
SENSOR_TYPES: dict[str, SensorFactory] = {"max31855": _max31855}
STEPPER_DRIVERS: dict[str, StepperFactory] = {"dm556": _dm556}


def _lookup(table: dict[str, _T], name: str, key: str) -> _T:
    try:
        return table[name]
    except KeyError:
        valid = ", ".join(sorted(table))
        raise ValueError(f"{key}: {name!r} is not available here (valid: {valid})") from None


class _Claims:
    """Remembers every handle built so far, so a failed build releases all it had claimed."""

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack

    def __call__(self, handle: _T) -> _T:
        self._stack.callback(_close_quietly, handle)
        return handle


def _close_quietly(handle: object) -> None:
    try:
        getattr(handle, "close", lambda: None)()
    except Exception:  # clean-up after a failed build must try every handle
        log.exception("closing %r after a failed build", handle)


class _OutputSection(Protocol):
    @property
    def pin(self) -> int: ...

    @property
    def active_low(self) -> bool: ...


def _output(section: _OutputSection) -> DigitalOutput:
    return GpioOutput(section.pin, active_low=section.active_low)


def _input(section: InputConfig, clock: Clock) -> DigitalInput:
    return GpioInput(
        section.pin,
        clock,
        active_low=section.active_low,
        pull=section.pull,
        debounce_s=section.debounce_s,
    )


def _stepper(mid: str, section: MotorConfig, ctx: HwContext) -> StepperDriver:
    key = f"motors.{mid}"
    return _lookup(STEPPER_DRIVERS, section.driver, f"{key}.driver")(key, section, ctx)


def _sensor(key: str, section: SensorConfig, ctx: HwContext) -> TemperatureSensor:
    return _lookup(SENSOR_TYPES, section.type, f"{key}.type")(section, ctx)


def build_hw_io(cfg: Config, clock: Clock, *, probe: BoardProbe | None = None) -> MachineIO:
    """Every MachineIO handle on real Pi hardware, all outputs OFF; releases all on failure.

    Outputs are claimed first: claiming drives a pin OFF, undoing whatever a dead process left on.
    Kernel PWM outlives its process, so step trains are stopped before anything, config included.
    """
    probe = probe or BoardProbe()
    plan = probe.detect()
    stop_header_pwm(plan)
    check_board(cfg, probe, plan.board)
    ctx = HwContext(clock, plan)
    out, inp = cfg.outputs, cfg.inputs
    with ExitStack() as stack:
        keep = _Claims(stack)
        heaters = {zid: keep(_output(z.heater)) for zid, z in cfg.zones.items()}
        contactor = keep(_output(out.heater_contactor))
        aux = {oid: keep(_output(o)) for oid, o in out.aux.items()}
        heartbeat = keep(_output(out.heartbeat))
        steppers = {mid: keep(_stepper(mid, m, ctx)) for mid, m in cfg.motors.items()}
        estop_ok = keep(_input(inp.estop_ok, clock))
        start = None if inp.start_button is None else keep(_input(inp.start_button, clock))
        stop = None if inp.stop_button is None else keep(_input(inp.stop_button, clock))
        zone_sensors, monitors = _sensors(cfg, ctx, keep)
        io = MachineIO(
            zone_sensors=zone_sensors,
            heaters=heaters,
            monitor_sensors=monitors,
            steppers=steppers,
            aux=aux,
            heater_contactor=contactor,
            heartbeat=heartbeat,
            estop_ok=estop_ok,
            start_button=start,
            stop_button=stop,
            extras={"board": plan.board},
        )
        stack.pop_all()
    return io


def check_board(cfg: Config, probe: BoardProbe, board: str) -> None:
    """Refuse what the OS set up wrong for this config, before any pin is claimed."""
    step_pins = {f"motors.{m}.step_pin": c.step_pin for m, c in cfg.motors.items()}
    check_step_pins(step_pins, board)
    functions = parse_pin_functions((probe.pinctrl or run_pinctrl)())
    check_step_mux(step_pins, board, functions)
    owners = cfg.pin_owners()
    check_uart_pins(owners, functions)
    cs_owners = {p: k for p, k in owners.items() if k.endswith(".sensor.cs_pin")}
    check_spi_chip_selects(cs_owners, DeviceTree(probe.device_tree))


def _sensors(
    cfg: Config, ctx: HwContext, keep: _Claims
) -> tuple[dict[str, TemperatureSensor], dict[str, TemperatureSensor]]:
    """The zones' and the monitor-only sensors, each claimed on the stack."""
    zones = {
        zid: keep(_sensor(f"zones.{zid}.sensor", z.sensor, ctx)) for zid, z in cfg.zones.items()
    }
    monitors = {
        sid: keep(_sensor(f"sensors.{sid}.sensor", s.sensor, ctx)) for sid, s in cfg.sensors.items()
    }
    return zones, monitors


def build_sim_io(cfg: Config, clock: Clock) -> MachineIO:
    """The simulated machine (imported only when asked for); its pins mirrored to the file
    $TVEMICRO_SIM_PIN_FILE names, if set (the HIL process drills observe that file)."""
    from hw.sim.machine import SimMachine
    from hw.sim.pinfile import PIN_FILE_ENV

    sim = SimMachine.from_config(cfg, clock)
    pin_file = os.environ.get(PIN_FILE_ENV)
    if pin_file:
        sim.mirror_pins(Path(pin_file))
    return sim.io()


BACKENDS: dict[str, Backend] = {"sim": build_sim_io, "hw": build_hw_io}


def build_io(kind: str, cfg: Config, clock: Clock) -> MachineIO:
    """Build the I/O bundle for backend `kind`; ValueError naming the valid ones if unknown."""
    try:
        backend = BACKENDS[kind]
    except KeyError:
        valid = ", ".join(sorted(BACKENDS))
        raise ValueError(f"unknown I/O backend {kind!r} (valid: {valid})") from None
    return backend(cfg, clock)
