"""A fake /proc/device-tree (SPI0 node) and `pinctrl get` output, as a Pi shows them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

SPI0_NODE = {"pi4": "/soc/spi@7e204000", "pi5": "/axi/pcie@1000120000/rp1/spi@50000"}
PWM_NAMES = {
    "pi4": {12: "PWM0_0", 13: "PWM0_1", 18: "PWM0_0", 19: "PWM0_1"},
    "pi5": {12: "PWM0_CHAN0", 13: "PWM0_CHAN1", 18: "PWM0_CHAN2", 19: "PWM0_CHAN3"},
}
GPIO_PHANDLE = 0x0E


def fake_device_tree(
    root: Path, board: str, *, spi_on: bool = True, kernel_cs: Iterable[int] = ()
) -> Path:
    """SPI0 as `dtparam=spi=on` leaves it: kernel_cs (8, 7) without spi0-0cs, () with it."""
    node = root / SPI0_NODE[board].lstrip("/")
    node.mkdir(parents=True, exist_ok=True)
    (root / "aliases").mkdir(exist_ok=True)
    (root / "aliases" / "spi0").write_bytes(SPI0_NODE[board].encode() + b"\x00")
    (node / "status").write_bytes(b"okay\x00" if spi_on else b"disabled\x00")
    cells = b"".join(
        b"".join(v.to_bytes(4, "big") for v in (GPIO_PHANDLE, pin, 1)) for pin in kernel_cs
    )
    (node / "cs-gpios").write_bytes(cells)
    return root


def fake_pinctrl(
    board: str, *, pwm: Iterable[int] = (12, 13), uart: bool = False
) -> Callable[[], str]:
    """`pinctrl get` with `pwm` pins muxed to PWM (the overlay's pins) and the serial port on."""
    muxed = set(pwm)
    lines = []
    for pin in range(28):
        if pin in muxed:
            func = f"a0    pd | lo // GPIO{pin} = {PWM_NAMES[board][pin]}"
        elif uart and pin in (14, 15):
            func = f"a0    pu | hi // GPIO{pin} = {'TXD0' if pin == 14 else 'RXD0'}"
        else:
            func = f"ip    pu | hi // GPIO{pin} = input"
        lines.append(f"{pin:2d}: {func}")
    text = "\n".join(lines) + "\n"
    return lambda: text
