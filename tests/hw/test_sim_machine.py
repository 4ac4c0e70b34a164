"""The simulated machine as a whole: the I/O bundle, digital I/O, the sim/io view, determinism."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hw.clock import VirtualClock
from hw.io import MachineIO
from hw.sim import ClosedError, SimMachine
from machine_config.config import Config

ROOT = Path(__file__).resolve().parents[2]


def test_io_bundle_has_a_handle_for_every_configured_id(cfg: Config, machine: SimMachine) -> None:
    io = machine.io()
    assert isinstance(io, MachineIO)
    assert io is machine.io()
    assert set(io.zone_sensors) == set(io.heaters) == set(cfg.zones)
    assert set(io.monitor_sensors) == set(cfg.sensors)
    assert set(io.steppers) == set(cfg.motors)
    assert set(io.aux) == set(cfg.outputs.aux)
    assert io.start_button is not None and io.stop_button is not None
    assert io.extras["sim"] is machine


def test_power_on_state_is_safe(machine: SimMachine) -> None:
    view = machine.io_view()
    assert view["heater_contactor"] is False and view["heartbeat"] is False
    assert not any(z["ssr_on"] for z in view["zones"].values())
    assert not any(m["enabled"] for m in view["motors"].values())
    assert not any(o["on"] for o in view["outputs"].values())
    assert view["estop_ok"] is True and view["inputs"]["start_button"] is False


def test_io_view_has_the_sim_io_shape_and_is_json(machine: SimMachine) -> None:
    machine.io().aux["motor_fan"].set(True)
    view = json.loads(json.dumps(machine.io_view()))
    assert {"ssr_on", "duty_window"} <= set(view["zones"]["barrel"])
    assert {"enabled", "dir", "step_hz", "rpm"} <= set(view["motors"]["screw"])
    assert view["outputs"]["motor_fan"] == {"on": True}
    assert {"heater_contactor", "heartbeat", "estop_ok", "faults", "disk_full"} <= set(view)
    assert set(view["temperatures_c"]) == {"barrel", "nozzle", "feed_throat", "motor_housing"}


def test_outputs_record_a_bounded_history_of_changes(
    machine: SimMachine, clock: VirtualClock
) -> None:
    heartbeat = machine.io().heartbeat
    for tick in range(1000):
        heartbeat.set(tick % 2 == 0)
        heartbeat.set(tick % 2 == 0)  # a repeat is not a change
        clock.advance(0.05)
    sim_out = machine.output("heartbeat")
    assert sim_out.changes == 1000
    assert 0 < len(sim_out.history) <= 256
    last_t, last_state = sim_out.history[-1]
    assert last_t == pytest.approx(999 * 0.05) and last_state is False


def test_estop_chain_can_be_opened_and_closed(machine: SimMachine) -> None:
    estop = machine.io().estop_ok
    machine.set_estop_chain(False)
    assert estop.read() is False
    machine.set_estop_chain(True)
    assert estop.read() is True


def test_button_press_is_momentary_or_held(machine: SimMachine, clock: VirtualClock) -> None:
    start, stop = machine.io().start_button, machine.io().stop_button
    assert start is not None and stop is not None
    machine.press("start")
    assert start.read() is True and stop.read() is False
    clock.advance(0.25)
    assert start.read() is False
    machine.press("stop", hold_s=None)
    clock.advance(10.0)
    assert stop.read() is True
    machine.release("stop")
    assert stop.read() is False
    with pytest.raises(LookupError):
        machine.press("pause")


def test_closing_the_bundle_turns_everything_off(machine: SimMachine, clock: VirtualClock) -> None:
    io = machine.io()
    io.heater_contactor.set(True)
    io.heaters["barrel"].set(True)
    io.steppers["screw"].set_enabled(True)
    io.steppers["screw"].set_step_hz(800.0)
    io.close()
    clock.advance(1.0)
    view = machine.io_view()
    assert view["heater_contactor"] is False and view["zones"]["barrel"]["ssr_on"] is False
    assert view["motors"]["screw"]["rpm"] == 0.0
    with pytest.raises(ClosedError):
        io.heaters["barrel"].set(True)


def test_two_machines_with_one_seed_behave_identically(cfg: Config) -> None:
    def run() -> list[object]:
        clock = VirtualClock()
        machine = SimMachine.from_config(cfg, clock)
        io = machine.io()
        io.heater_contactor.set(True)
        machine.faults.inject("tc_open", "nozzle")
        trace: list[object] = []
        for tick in range(2000):
            io.heaters["barrel"].set(tick % 20 < 13)
            trace += [io.zone_sensors["barrel"].read(), io.zone_sensors["nozzle"].read()]
            clock.advance(0.05)
        return [*trace, machine.io_view()]

    assert run() == run()


def test_how_often_the_simulator_is_touched_does_not_change_the_plant(cfg: Config) -> None:
    def run(touches_per_step: int) -> list[float]:
        clock = VirtualClock()
        machine = SimMachine.from_config(cfg, clock)
        io = machine.io()
        io.heater_contactor.set(True)
        io.heaters["nozzle"].set(True)
        for _ in range(600):
            clock.advance(0.05)
            for _ in range(touches_per_step):
                io.estop_ok.read()
                machine.io_view()
        return [machine.plant_temperature("nozzle"), machine.heater_energy_j("nozzle")]

    once, often = run(1), run(5)
    assert once == often and once[0] > 22.0 + 10.0


def test_simulator_imports_no_ui_web_or_control_core() -> None:
    code = (
        "import sys\n"
        "for name in ('kivy', 'kivymd', 'aiohttp'):\n"
        "    sys.modules[name] = None\n"
        "import hw.sim\n"
        "bad = [m for m in sys.modules if m.startswith('control.')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_set_plant_temperature_is_a_warm_start(machine) -> None:
    machine.set_plant_temperature("barrel", 180.0)
    assert machine.plant_temperature("barrel") == 180.0
    assert machine.probe_temperature("barrel") == 180.0
    with pytest.raises(ValueError):
        machine.set_plant_temperature("barrel", float("nan"))
    with pytest.raises(LookupError):
        machine.set_plant_temperature("hopper", 20.0)
