"""Start-up checks of what the OS did to the pins: PWM mux, SPI chip selects, serial console."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from hw.drivers.pwm import PwmUnavailable, pwm_channel_for

# `pinctrl get` (Raspberry Pi OS bookworm, Pi 4 and 5): "12: a0    pd | lo // GPIO12 = PWM0_CHAN0"
_PINCTRL = re.compile(r"^\s*(\d+):.*//\s*\S+\s*=\s*(\S+)")
# `raspi-gpio get` (older releases): "GPIO 12: level=0 fsel=4 alt=0 func=PWM0 pull=DOWN"
_RASPI_GPIO = re.compile(r"^\s*GPIO\s+(\d+):.*\bfunc=(\S+)")
# The overlay parameter `func` for a PWM pin (BCM2711 function-select codes: 4 = alt0, 2 = alt5).
PWM_FUNC = {12: 4, 13: 4, 18: 2, 19: 2}
UART_PINS = {14: "TXD", 15: "RXD"}
SPI0_CS_OVERLAY = "dtoverlay=spi0-0cs"

PinctrlSource = Callable[[], str]


def run_pinctrl() -> str:
    """`pinctrl get` output (or `raspi-gpio get` where pinctrl is missing)."""
    for tool in ("pinctrl", "raspi-gpio"):
        path = shutil.which(tool)
        if path is not None:
            done = subprocess.run(
                [path, "get"], capture_output=True, text=True, timeout=5, check=True
            )
            return done.stdout
    raise RuntimeError(
        "neither pinctrl nor raspi-gpio is installed: cannot check the pin functions "
        "(apt install raspi-utils)"
    )


def parse_pin_functions(text: str) -> dict[int, str]:
    """{BCM pin: current function name} from pinctrl or raspi-gpio output."""
    functions: dict[int, str] = {}
    for line in text.splitlines():
        match = _PINCTRL.match(line) or _RASPI_GPIO.match(line)
        if match:
            functions[int(match.group(1))] = match.group(2)
    return functions


def overlay_line(pins: list[int]) -> str:
    """The config.txt line that muxes these (one or two) pins to PWM."""
    parts = [f"pin={pins[0]},func={PWM_FUNC[pins[0]]}"]
    if len(pins) > 1:
        parts.append(f"pin2={pins[1]},func2={PWM_FUNC[pins[1]]}")
    return f"dtoverlay=pwm-2chan,{','.join(parts)}"


def check_step_mux(step_pins: Mapping[str, int], board: str, functions: Mapping[int, str]) -> None:
    """Refuse a step pin with a PWM channel whose pin the OS has not muxed to PWM.

    Else the channel runs on whatever pin the overlay did mux (Pi 4: step_pin 18 pulses GPIO 12)
    or on no pin at all (Pi 5 channels 2/3), while the screen shows rpm."""
    hw_pins = sorted(p for p in step_pins.values() if pwm_channel_for(p, board) is not None)
    wrong = [p for p in hw_pins if not functions.get(p, "").upper().startswith("PWM")]
    if not wrong:
        return
    keys = ", ".join(f"{k} (GPIO {p}: {functions.get(p, 'unknown')})" for k, p in
                     step_pins.items() if p in wrong)  # fmt: skip
    raise PwmUnavailable(
        f"{keys} not muxed to PWM: add `{overlay_line(hw_pins)}` to /boot/firmware/config.txt "
        "(replacing any other pwm overlay) and reboot"
    )


def check_uart_pins(pin_owners: Mapping[int, str], functions: Mapping[int, str]) -> None:
    """Refuse a configured pin the serial port holds (TXD idles high: a contactor would close)."""
    for pin, role in UART_PINS.items():
        function = functions.get(pin, "")
        if pin in pin_owners and role in function.upper():
            raise RuntimeError(
                f"{pin_owners[pin]}: GPIO {pin} is the serial port's {function}: disable the "
                "serial console and port (raspi-config > Interface Options > Serial Port, or "
                "remove enable_uart=1 and console=serial0) or move the pin"
            )


@dataclass(frozen=True)
class DeviceTree:
    """Reads /proc/device-tree (tests point `root` at a directory laid out the same way)."""

    root: Path = Path("/proc/device-tree")

    def spi0_node(self) -> Path | None:
        try:
            alias = (self.root / "aliases" / "spi0").read_bytes().rstrip(b"\x00").decode()
        except OSError:
            return None
        return self.root / alias.lstrip("/")

    def spi0_kernel_cs_pins(self) -> set[int] | None:
        """Pins the SPI0 driver claims as chip selects (its cs-gpios); None if SPI0 is off."""
        node = self.spi0_node()
        if node is None or _status(node) != "okay":
            return None
        try:
            cells = (node / "cs-gpios").read_bytes()
        except FileNotFoundError:
            return set()
        words = [int.from_bytes(cells[i : i + 4], "big") for i in range(0, len(cells) - 3, 4)]
        return {words[i + 1] for i in range(0, len(words) - 2, 3)}  # <&gpio pin flags> triples


def _status(node: Path) -> str:
    try:
        return (node / "status").read_bytes().rstrip(b"\x00").decode()
    except FileNotFoundError:
        return "okay"  # a node without status is enabled


def check_spi_chip_selects(cs_owners: Mapping[int, str], tree: DeviceTree) -> None:
    """Chip selects are plain GPIOs: SPI0 must be on, and must not claim any of them itself."""
    if not cs_owners:
        return
    claimed = tree.spi0_kernel_cs_pins()
    if claimed is None:
        raise RuntimeError(
            "SPI0 is off: add `dtparam=spi=on` and "
            f"`{SPI0_CS_OVERLAY}` to /boot/firmware/config.txt and reboot"
        )
    clash = sorted(set(cs_owners) & claimed)
    if clash:
        keys = ", ".join(f"{cs_owners[p]} (GPIO {p})" for p in clash)
        raise RuntimeError(
            f"{keys}: the SPI0 driver holds these as its own chip selects: add "
            f"`{SPI0_CS_OVERLAY}` to /boot/firmware/config.txt and reboot"
        )
