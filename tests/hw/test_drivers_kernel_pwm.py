"""Kernel PWM step trains against a fake sysfs as strict as the kernel: restart, rates, off."""

from __future__ import annotations

import errno
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fake_pi import kernel, pi_probe
from fake_sysfs_pwm import ChannelState, FakePwmSysfs, fake_plan
from hypothesis import given
from hypothesis import strategies as st
from test_drivers_fakes import feeder_on_gpio18, install_blinka, install_gpio

from hw.clock import VirtualClock
from hw.drivers.pwm import (
    DM556_MAX_STEP_HZ,
    MIN_STEP_HZ,
    BoardProbe,
    HardwareStepTrain,
    checked_step_hz,
)
from hw.drivers.stepper import step_hz_for_rpm
from hw.drivers.sysfs_pwm import PARK_PERIOD_NS, SysfsFiles, period_ns_for
from hw.registry import build_hw_io
from machine_config.config import Config

Variant = Callable[[Callable[[dict[str, Any]], None]], Config]
PI5 = "Raspberry Pi 5 Model B Rev 1.0"
PI5_CHIPS = {0: "1f00098000.pwm", 1: "1f0009c000.pwm"}
PI4 = "Raspberry Pi 4 Model B Rev 1.4"
PI4_CHIPS = {0: "fe20c000.pwm"}
FEEDER_10_RPM_NS = 3_750_000  # 266.7 steps/s at 200 x 8: below 500 Hz, what a 1 ms period broke
OFF = (0, 0)


@pytest.fixture
def fake_pi(monkeypatch: pytest.MonkeyPatch) -> None:
    install_gpio(monkeypatch)
    install_blinka(monkeypatch)


def probe_for(tmp_path: Path, model: str, chips: dict[int, str]) -> tuple[BoardProbe, FakePwmSysfs]:
    probe = pi_probe(tmp_path, model, chips)
    return probe, kernel(probe)


def off(pwm: FakePwmSysfs, chip: int, channel: int) -> tuple[int, int]:
    state = pwm.state(chip, channel)
    return state.enable, state.duty_cycle


def test_restart_from_a_running_feeder_channel(
    cfg: Config, fake_pi: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """SIGKILL left the feeder stepping at 10 rpm: start stops it first, then runs on command."""
    probe, pwm = probe_for(tmp_path, PI5, PI5_CHIPS)
    pwm.leave_running(0, 1, FEEDER_10_RPM_NS, FEEDER_10_RPM_NS // 2)  # feeder: GPIO 13, channel 1

    with caplog.at_level(logging.WARNING, logger="hw.drivers.sysfs_pwm"):
        io = build_hw_io(cfg, VirtualClock(), probe=probe)

    assert pwm.refused == [], "the kernel refused a write"
    assert pwm.writes[:2] == [("pwmchip0/pwm1/duty_cycle", "0"), ("pwmchip0/pwm1/enable", "0")]
    assert "pwm1 was left running at 266.7 Hz" in caplog.text
    assert off(pwm, 0, 1) == OFF and off(pwm, 0, 0) == OFF, "off until the core commands a rate"

    io.steppers["feeder"].set_step_hz(step_hz_for_rpm(10, 200, 8))
    assert pwm.state(0, 1) == ChannelState(FEEDER_10_RPM_NS, FEEDER_10_RPM_NS // 2, 1)
    assert pwm.refused == []


def test_a_leftover_channel_the_config_no_longer_uses_is_stopped(
    cfg: Config, fake_pi: None, tmp_path: Path
) -> None:
    probe, pwm = probe_for(tmp_path, PI5, PI5_CHIPS)
    pwm.leave_running(0, 2, 5_000_000, 2_500_000)  # GPIO 18 on a Pi 5: not in config.yaml
    build_hw_io(cfg, VirtualClock(), probe=probe)
    assert off(pwm, 0, 2) == OFF


def test_a_refused_config_still_stops_the_running_channel(
    variant: Variant, fake_pi: None, tmp_path: Path
) -> None:
    """Stopping comes before every check: a start that fails must not leave the motor stepping."""
    cfg = variant(feeder_on_gpio18)  # shares channel 0: refused
    probe, pwm = probe_for(tmp_path, PI4, PI4_CHIPS)
    pwm.leave_running(0, 1, FEEDER_10_RPM_NS, FEEDER_10_RPM_NS // 2)
    with pytest.raises(ValueError, match="shares hardware PWM channel"):
        build_hw_io(cfg, VirtualClock(), probe=probe)
    assert off(pwm, 0, 1) == OFF


def test_a_channel_that_cannot_be_stopped_fails_the_start(
    cfg: Config, fake_pi: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    probe, pwm = probe_for(tmp_path, PI5, PI5_CHIPS)
    pwm.leave_running(0, 0, 1_250_000, 625_000)
    pwm.leave_running(0, 1, FEEDER_10_RPM_NS, FEEDER_10_RPM_NS // 2)
    pwm.fail_next("duty_cycle", errno.EACCES)  # pwm0 only: pwm1 is still tried
    with pytest.raises(RuntimeError, match=r"cannot stop kernel PWM left running: .*pwm0 "):
        build_hw_io(cfg, VirtualClock(), probe=probe)
    assert off(pwm, 0, 1) == OFF
    assert "cannot stop the kernel PWM" in caplog.text


def test_a_fresh_channel_gets_a_period_before_anything_else(tmp_path: Path) -> None:
    """A just-exported channel has period 0: the kernel refuses even duty_cycle=0 until it has one
    (every write is applied as a whole state, and a state with period 0 is invalid)."""
    plan, pwm = fake_plan(tmp_path, "pi4", PI4_CHIPS)
    HardwareStepTrain(0, 1, plan)
    assert pwm.writes == [
        ("pwmchip0/export", "1"),
        ("pwmchip0/pwm1/period", str(PARK_PERIOD_NS)),
        ("pwmchip0/pwm1/duty_cycle", "0"),
        ("pwmchip0/pwm1/enable", "0"),
    ]
    assert pwm.refused == []


def test_going_faster_shrinks_the_duty_before_the_period(tmp_path: Path) -> None:
    plan, pwm = fake_plan(tmp_path, "pi4", PI4_CHIPS)
    train = HardwareStepTrain(0, 0, plan)
    train.set_hz(266.0)
    pwm.writes.clear()
    train.set_hz(1600.0)  # 625 us period: below the 1.88 ms duty still in place
    assert pwm.writes == [
        ("pwmchip0/pwm0/duty_cycle", "312500"),
        ("pwmchip0/pwm0/period", "625000"),
    ], "no blanking, and never a period below the duty in place"
    assert pwm.refused == []


def expect(pwm: FakePwmSysfs, channel: int, step_hz: float) -> None:
    """The kernel state a commanded rate must leave: a 50 % wave of that period, or off."""
    if step_hz == 0.0:
        assert off(pwm, 0, channel) == OFF
        return
    period = period_ns_for(step_hz)
    assert pwm.state(0, channel) == ChannelState(period, period // 2, 1)


def rpm_lists(max_rpm: float) -> st.SearchStrategy[list[float]]:
    """Any rpm the core can command a motor, from stopped through its slowest step rate to max."""
    return st.lists(st.one_of(st.just(0.0), st.floats(0.0, max_rpm), st.just(max_rpm)), max_size=12)


@given(
    leftover=st.one_of(
        st.none(),
        st.integers(5_000, 10**10).flatmap(
            lambda p: st.tuples(st.just(p), st.integers(0, p), st.sampled_from([0, 1]))
        ),
    ),
    feeder=rpm_lists(40.0),
    screw=rpm_lists(60.0),
)
def test_every_rate_the_config_asks_for_from_any_leftover_state(
    cfg: Config,
    leftover: tuple[int, int, int] | None,
    feeder: list[float],
    screw: list[float],
) -> None:
    """Restart from whatever state a dead process left, then any ramp up and down: the kernel
    accepts every write (the fake raises otherwise) and ends in exactly the commanded state."""
    assert (cfg.motors["feeder"].max_rpm, cfg.motors["screw"].max_rpm) == (40.0, 60.0)
    with tempfile.TemporaryDirectory() as tmp:
        plan, pwm = fake_plan(Path(tmp), "pi5", PI5_CHIPS)
        if leftover is not None:
            period, duty, enable = leftover
            pwm.leave_running(0, 1, period, duty)
            pwm.write(pwm.root / "pwmchip0" / "pwm1" / "enable", str(enable))
        trains = {"screw": HardwareStepTrain(0, 0, plan), "feeder": HardwareStepTrain(0, 1, plan)}
        assert off(pwm, 0, 1) == OFF
        for motor, rpms in (("feeder", feeder), ("screw", screw)):
            train = trains[motor]
            for rpm in rpms:
                hz = checked_step_hz(step_hz_for_rpm(rpm, 200, 8), train.max_step_hz)
                train.set_hz(hz)
                expect(pwm, train.channel, hz)
        assert pwm.refused == []


@pytest.mark.parametrize(
    "rates",
    [
        [MIN_STEP_HZ, DM556_MAX_STEP_HZ, MIN_STEP_HZ, 0.0],
        [DM556_MAX_STEP_HZ, step_hz_for_rpm(10, 200, 8), step_hz_for_rpm(60, 200, 8)],
        [step_hz_for_rpm(40, 200, 8), step_hz_for_rpm(1, 200, 8), 0.0, 1_000.0],
    ],
)
def test_extreme_rate_changes_are_accepted(tmp_path: Path, rates: list[float]) -> None:
    plan, pwm = fake_plan(tmp_path, "pi5", PI5_CHIPS)
    train = HardwareStepTrain(0, 3, plan)
    for hz in rates:
        train.set_hz(hz)
        expect(pwm, 3, hz)
    assert pwm.refused == []


def test_all_outputs_off_disables_the_kernel_channel(
    cfg: Config, fake_pi: None, tmp_path: Path
) -> None:
    probe, pwm = probe_for(tmp_path, PI5, PI5_CHIPS)
    io = build_hw_io(cfg, VirtualClock(), probe=probe)
    io.steppers["screw"].set_step_hz(800.0)
    assert pwm.stepping(0, 0)

    io.all_outputs_off()
    assert off(pwm, 0, 0) == OFF

    # Stopped in Python's view, but running in the kernel (a write the driver did not make):
    # the safe-state path must still reach the kernel, not trust its own cache.
    for name, value in (("duty_cycle", "500000"), ("enable", "1")):
        pwm.write(pwm.root / "pwmchip0" / "pwm0" / name, value)
    io.all_outputs_off()
    assert off(pwm, 0, 0) == OFF
    io.close()
    assert off(pwm, 0, 0) == OFF and off(pwm, 0, 1) == OFF


def test_a_failed_rate_change_is_redone_not_trusted(tmp_path: Path) -> None:
    """The kernel took half of a change: asking for the old rate again must rewrite it all."""
    plan, pwm = fake_plan(tmp_path, "pi4", PI4_CHIPS)
    train = HardwareStepTrain(0, 0, plan)
    train.set_hz(800.0)
    pwm.fail_next("period")
    with pytest.raises(OSError):
        train.set_hz(2000.0)  # the duty shrank to 250 us, the period stayed 1.25 ms
    assert pwm.state(0, 0) == ChannelState(1_250_000, 250_000, 1), "half-applied"

    train.set_hz(800.0)
    expect(pwm, 0, 800.0)


def test_a_channel_the_service_may_not_write_fails_with_the_fix(tmp_path: Path) -> None:
    plan, pwm = fake_plan(tmp_path, "pi4", PI4_CHIPS)
    pwm.udev_never_settles = True
    with pytest.raises(PermissionError, match="group gpio"):
        HardwareStepTrain(0, 0, plan)


def test_the_real_writer_makes_one_write_and_reports_the_errno(tmp_path: Path) -> None:
    attribute = tmp_path / "duty_cycle"
    attribute.write_text("625000\n")
    SysfsFiles().write(attribute, "0")
    assert attribute.read_text() == "0"
    assert SysfsFiles().await_writable(attribute, timeout_s=0.0)
    assert not SysfsFiles().await_writable(tmp_path / "absent", timeout_s=0.0)
    with pytest.raises(FileNotFoundError):
        SysfsFiles().write(tmp_path / "absent", "0")
