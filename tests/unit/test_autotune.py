"""Relay autotune: oscillates the plant, recovers Ku with d = half the relay swing, fails safe."""

from __future__ import annotations

import itertools
import math

import pytest
from plant_model import (
    SETPOINTS_C,
    TICK_S,
    Plant,
    Trace,
    reference_zones,
    run_loop,
    settle_time_s,
)

from control.autotune import RelayAutotune, relay_ultimate_gain, tyreus_luyben_gains
from control.pid import Pid

NOZZLE_GAINS = (0.8, 0.002, 1.0, 2.0)  # the nozzle keeps regulating while the barrel tunes
NOZZLE_HOLD_DUTY = 0.614


def tune_barrel(tuner: RelayAutotune, duration_s: float = 600.0) -> Trace:
    """Relay on a warm barrel (190 °C) while the nozzle holds 210 °C under its PID."""
    nozzle = Pid(*NOZZLE_GAINS)
    nozzle.preload(NOZZLE_HOLD_DUTY)
    controllers = {
        "barrel": tuner.update,
        "nozzle": lambda now_s, c: nozzle.update(now_s, c, SETPOINTS_C["nozzle"]),
    }
    plant = Plant(reference_zones({"barrel": 190.0, "nozzle": 208.0}), noise_c=0.1)
    return run_loop(plant, controllers, duration_s)


@pytest.fixture(scope="module")
def tuned() -> tuple[RelayAutotune, Trace]:
    tuner = RelayAutotune(setpoint_c=200.0, hysteresis_c=1.0, cycles=5)
    return tuner, tune_barrel(tuner)


def relay_cycles(trace: Trace) -> list[tuple[int, int]]:
    """Index ranges between relay switch-ons, read off the recorded barrel duty (0 -> 1)."""
    duty = trace.duty["barrel"]
    ons = [i for i in range(1, len(duty)) if duty[i] == 1.0 and duty[i - 1] == 0.0]
    return list(itertools.pairwise(ons))


def test_finishes_done_with_full_progress(tuned: tuple[RelayAutotune, Trace]) -> None:
    tuner, trace = tuned
    assert tuner.state == "done"
    assert tuner.reason is None
    assert tuner.progress == 1.0
    assert trace.duty["barrel"][-1] == 0.0  # done: the tuner lets go of the heater


def test_ku_uses_half_the_relay_swing(tuned: tuple[RelayAutotune, Trace]) -> None:
    tuner, trace = tuned
    readings = trace.reading_c["barrel"]
    cycles = relay_cycles(trace)  # the tuner's cycles (the last one ends as it lets go)
    assert len(cycles) >= 4
    amplitude_c = sum((max(readings[a:b]) - min(readings[a:b])) / 2 for a, b in cycles)
    amplitude_c /= len(cycles)
    swing = 1.0 - 0.0
    expected_ku = 4 * (swing / 2) / (math.pi * amplitude_c)
    result = tuner.result()
    assert result["ku"] == pytest.approx(expected_ku, rel=0.25)  # d = swing would be 2× off
    assert result["ku"] == pytest.approx(relay_ultimate_gain(0.5, result["amplitude_c"]))


def test_tu_matches_the_observed_period(tuned: tuple[RelayAutotune, Trace]) -> None:
    tuner, trace = tuned
    periods_s = [(b - a) * TICK_S for a, b in relay_cycles(trace)]
    assert tuner.result()["tu_s"] == pytest.approx(sum(periods_s) / len(periods_s), rel=0.1)


def test_hold_duty_is_the_duty_that_holds_the_setpoint(tuned: tuple[RelayAutotune, Trace]) -> None:
    tuner, _ = tuned
    # the barrel loses 2 W/K × 178 K and gains 1 W/K × 10 K from the nozzle: 346 W of 800 W
    assert tuner.result()["hold_duty"] == pytest.approx(346 / 800, abs=0.03)


def test_gains_follow_the_documented_rule(tuned: tuple[RelayAutotune, Trace]) -> None:
    result = tuned[0].result()
    kp, ki, kd = tyreus_luyben_gains(result["ku"], result["tu_s"])
    assert (result["kp"], result["ki"], result["kd"]) == (kp, ki, kd)
    assert kp == pytest.approx(result["ku"] / 2.2)
    assert kp / ki == pytest.approx(2.2 * result["tu_s"])
    assert kd / kp == pytest.approx(result["tu_s"] / 6.3)


def test_tuned_gains_and_hold_duty_heat_up_within_budget(
    tuned: tuple[RelayAutotune, Trace],
) -> None:
    result = tuned[0].result()
    barrel = Pid(result["kp"], result["ki"], result["kd"], d_filter_s=2.0)
    barrel.preload(result["hold_duty"])
    nozzle = Pid(*NOZZLE_GAINS)
    nozzle.preload(NOZZLE_HOLD_DUTY)
    controllers = {
        "barrel": lambda now_s, c: barrel.update(now_s, c, 200.0),
        "nozzle": lambda now_s, c: nozzle.update(now_s, c, 210.0),
    }
    trace = run_loop(Plant(reference_zones(), noise_c=0.1), controllers, 1000)
    full_power_rise_s = 438.0  # barrel sensor to 200 °C flat out (see test_pid)
    assert max(trace.temp_c["barrel"]) <= 201.0
    assert settle_time_s(trace.times_s, trace.temp_c["barrel"], 200.0, 1.0) <= 1.2 * (
        full_power_rise_s
    )


def test_progress_counts_cycles() -> None:
    tuner = RelayAutotune(setpoint_c=200.0, cycles=4)
    progress = []
    for i in range(400):  # a triangle wave around the setpoint, 20 s a cycle
        phase = (i % 20) / 20
        temp_c = 197.0 + 6.0 * (2 * phase if phase < 0.5 else 2 - 2 * phase)
        tuner.update(float(i), temp_c)
        progress.append(tuner.progress)
    assert progress[0] == 0.0
    assert progress == sorted(progress)
    assert set(progress) == {0.0, 0.25, 0.5, 0.75, 1.0}
    assert tuner.state == "done"
    assert tuner.result()["tu_s"] == pytest.approx(20.0)
    assert tuner.result()["amplitude_c"] == pytest.approx(3.0)


def test_relay_heats_below_and_cools_above_with_hysteresis() -> None:
    tuner = RelayAutotune(setpoint_c=200.0, hysteresis_c=1.0, duty_high=0.8, duty_low=0.1)
    assert tuner.update(0.0, 150.0) == 0.8
    assert tuner.update(1.0, 200.9) == 0.8  # inside the band: keep heating
    assert tuner.update(2.0, 201.1) == 0.1
    assert tuner.update(3.0, 199.1) == 0.1  # inside the band: keep cooling
    assert tuner.update(4.0, 198.9) == 0.8


def test_sensor_fault_fails_and_turns_the_heater_off() -> None:
    tuner = RelayAutotune(setpoint_c=200.0)
    assert tuner.update(0.0, 150.0) == 1.0
    assert tuner.update(0.25, None) == 0.0
    assert (tuner.state, tuner.reason) == ("failed", "sensor_fault")
    assert tuner.update(0.5, 150.0) == 0.0  # stays failed


def test_over_limit_fails() -> None:
    tuner = RelayAutotune(setpoint_c=200.0, limit_c=215.0)
    tuner.update(0.0, 210.0)
    assert tuner.update(1.0, 215.5) == 0.0
    assert (tuner.state, tuner.reason) == ("failed", "limit")


def test_limit_defaults_above_the_setpoint() -> None:
    tuner = RelayAutotune(setpoint_c=200.0)
    tuner.update(0.0, 229.0)
    assert tuner.state == "running"
    tuner.update(1.0, 231.0)
    assert tuner.reason == "limit"


def test_times_out_when_it_never_oscillates() -> None:
    tuner = RelayAutotune(setpoint_c=200.0, timeout_s=600.0)
    for i in range(601):  # a heater that cannot reach the setpoint
        assert tuner.update(100.0 + i, 120.0) == 1.0
    assert tuner.update(701.0, 120.0) == 0.0
    assert (tuner.state, tuner.reason) == ("failed", "timeout")


def test_abort_fails_and_keeps_the_first_reason() -> None:
    tuner = RelayAutotune(setpoint_c=200.0)
    tuner.update(0.0, 150.0)
    tuner.abort()
    assert (tuner.state, tuner.reason) == ("failed", "aborted")
    assert tuner.update(1.0, None) == 0.0
    assert tuner.reason == "aborted"
    with pytest.raises(RuntimeError):
        tuner.result()


def test_no_result_while_running() -> None:
    tuner = RelayAutotune(setpoint_c=200.0)
    tuner.update(0.0, 150.0)
    with pytest.raises(RuntimeError):
        tuner.result()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"hysteresis_c": 0.0},
        {"duty_high": 0.2, "duty_low": 0.5},
        {"duty_high": 1.5},
        {"cycles": 0},
        {"timeout_s": -1.0},
        {"limit_c": 200.5},
        {"rule": "guesswork"},
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        RelayAutotune(setpoint_c=200.0, **kwargs)  # type: ignore[arg-type]
