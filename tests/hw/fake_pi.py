"""A whole fake Pi for the PWM board probe: model file, device tree, sysfs PWM and pinctrl."""

from __future__ import annotations

from pathlib import Path

from fake_board import fake_device_tree, fake_pinctrl
from fake_sysfs_pwm import FakePwmSysfs, fake_pwm

from hw.drivers.pwm import BoardProbe


def pi_probe(
    tmp_path: Path,
    model: str,
    chips: dict[int, str],
    *,
    pwm_pins: tuple[int, ...] = (12, 13),
    kernel_cs: tuple[int, ...] = (),
    uart: bool = False,
) -> BoardProbe:
    """A fake /proc/device-tree and /sys/class/pwm (written through the fake kernel), and the
    `pinctrl get` of a Pi with the PWM overlay on pwm_pins."""
    (tmp_path / "model").write_bytes(model.encode() + b"\x00")
    board = "pi5" if model.startswith("Raspberry Pi 5") else "pi4"
    pwm = fake_pwm(tmp_path, board, chips)
    return BoardProbe(
        model_path=tmp_path / "model",
        pwm_root=pwm.root,
        sysfs=pwm,
        device_tree=fake_device_tree(tmp_path / "dt", board, kernel_cs=kernel_cs),
        pinctrl=fake_pinctrl(board, pwm=pwm_pins, uart=uart),
    )


def kernel(probe: BoardProbe) -> FakePwmSysfs:
    """The fake kernel behind a probe made by `pi_probe`."""
    assert isinstance(probe.sysfs, FakePwmSysfs)
    return probe.sysfs
