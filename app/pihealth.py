"""Raspberry Pi health (SoC temperature, throttling, undervoltage) for node_exporter's textfile."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

THERMAL = "sys/class/thermal/thermal_zone0/temp"  # millidegrees Celsius
THROTTLED = "sys/devices/platform/soc/soc:firmware/get_throttled"  # hex, as `vcgencmd`'s value
HWMON = "sys/class/hwmon"  # the `rpi_volt` hwmon: in0_lcrit_alarm = undervoltage now
DEFAULT_OUT = "/var/lib/prometheus/node-exporter/tvemicro_pi.prom"

# get_throttled bits (Raspberry Pi documentation, `vcgencmd get_throttled`): now / since boot.
FLAGS = {
    "under_voltage": (0, 16),
    "arm_freq_capped": (1, 17),
    "throttled": (2, 18),
    "soft_temp_limit": (3, 19),
}

Vcgencmd = Callable[[str], str | None]


@dataclass
class PiHealth:
    """What one read found; a missing source is None (a PC has none) and named in `errors`."""

    soc_temperature_c: float | None = None
    throttled_bits: int | None = None
    source: str = "none"
    undervoltage_alarm: bool | None = None
    errors: list[str] = field(default_factory=list)

    def flag(self, name: str, since_boot: bool = False) -> bool | None:
        if self.throttled_bits is None:
            return None
        now_bit, boot_bit = FLAGS[name]
        return bool(self.throttled_bits >> (boot_bit if since_boot else now_bit) & 1)

    def as_dict(self) -> dict[str, object]:
        flags = {name: self.flag(name) for name in FLAGS}
        since = {name: self.flag(name, since_boot=True) for name in FLAGS}
        return {
            "soc_temperature_c": self.soc_temperature_c,
            "throttled": None if self.throttled_bits is None else hex(self.throttled_bits),
            "source": self.source,
            "now": flags,
            "since_boot": since,
            "undervoltage_alarm": self.undervoltage_alarm,
            "errors": self.errors,
        }


def parse_throttled(text: str) -> int:
    """`throttled=0x50005`, `0x50005` or `50005` (sysfs prints hex without 0x) → 0x50005."""
    value = text.strip().rpartition("=")[2].strip()
    return int(value, 16)


def run_vcgencmd(arg: str) -> str | None:
    """`vcgencmd ARG`'s output, or None where the tool is missing or fails."""
    exe = shutil.which("vcgencmd")
    if exe is None:
        return None
    try:
        done = subprocess.run([exe, arg], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def read_health(root: Path = Path("/"), vcgencmd: Vcgencmd = run_vcgencmd) -> PiHealth:
    """Read sysfs under `root` (a fake tree in tests), falling back to `vcgencmd`."""
    health = PiHealth()
    _read_temperature(root, vcgencmd, health)
    _read_throttled(root, vcgencmd, health)
    health.undervoltage_alarm = _hwmon_undervoltage(root)
    return health


def _read_temperature(root: Path, vcgencmd: Vcgencmd, health: PiHealth) -> None:
    try:
        health.soc_temperature_c = int((root / THERMAL).read_text().strip()) / 1000.0
        return
    except (OSError, ValueError) as err:
        health.errors.append(f"{THERMAL}: {type(err).__name__}")
    out = vcgencmd("measure_temp")  # temp=47.2'C
    if out and "=" in out:
        try:
            health.soc_temperature_c = float(out.split("=", 1)[1].split("'")[0])
        except ValueError:
            health.errors.append(f"vcgencmd measure_temp: unexpected {out.strip()!r}")


def _read_throttled(root: Path, vcgencmd: Vcgencmd, health: PiHealth) -> None:
    try:
        health.throttled_bits = parse_throttled((root / THROTTLED).read_text())
        health.source = "sysfs"
        return
    except (OSError, ValueError) as err:
        health.errors.append(f"{THROTTLED}: {type(err).__name__}")
    out = vcgencmd("get_throttled")
    if out:
        try:
            health.throttled_bits = parse_throttled(out)
            health.source = "vcgencmd"
        except ValueError:
            health.errors.append(f"vcgencmd get_throttled: unexpected {out.strip()!r}")


def _hwmon_undervoltage(root: Path) -> bool | None:
    """The `rpi_volt` hwmon's lcrit alarm (kernels that have it), else None."""
    base = root / HWMON
    if not base.is_dir():
        return None
    for mon in sorted(base.iterdir()):
        try:
            if (mon / "name").read_text().strip() == "rpi_volt":
                return (mon / "in0_lcrit_alarm").read_text().strip() == "1"
        except OSError:
            continue
    return None


def render(health: PiHealth, now_s: float) -> str:
    """Prometheus text exposition for node_exporter's textfile collector (tvemicro_pi_*)."""
    lines = [
        "# HELP tvemicro_pi_health_read_ok 1 when the throttling state could be read",
        "# TYPE tvemicro_pi_health_read_ok gauge",
        f"tvemicro_pi_health_read_ok {int(health.throttled_bits is not None)}",
        "# HELP tvemicro_pi_health_timestamp_seconds Unix time of this read",
        "# TYPE tvemicro_pi_health_timestamp_seconds gauge",
        f"tvemicro_pi_health_timestamp_seconds {now_s:.3f}",
    ]
    if health.soc_temperature_c is not None:
        lines += [
            "# HELP tvemicro_pi_soc_temperature_celsius SoC temperature",
            "# TYPE tvemicro_pi_soc_temperature_celsius gauge",
            f"tvemicro_pi_soc_temperature_celsius {health.soc_temperature_c:g}",
        ]
    if health.throttled_bits is not None:
        lines += _flag_lines(health)
    if health.undervoltage_alarm is not None:
        lines += [
            "# HELP tvemicro_pi_undervoltage_alarm 1 while the rpi_volt hwmon reports undervoltage",
            "# TYPE tvemicro_pi_undervoltage_alarm gauge",
            f"tvemicro_pi_undervoltage_alarm {int(health.undervoltage_alarm)}",
        ]
    return "\n".join(lines) + "\n"


def _flag_lines(health: PiHealth) -> list[str]:
    lines = [
        "# HELP tvemicro_pi_throttled 1 while the firmware reports the condition (get_throttled)",
        "# TYPE tvemicro_pi_throttled gauge",
    ]
    lines += [f'tvemicro_pi_throttled{{flag="{f}"}} {int(bool(health.flag(f)))}' for f in FLAGS]
    lines += [
        "# HELP tvemicro_pi_throttled_since_boot 1 when the condition happened since boot",
        "# TYPE tvemicro_pi_throttled_since_boot gauge",
    ]
    lines += [
        f'tvemicro_pi_throttled_since_boot{{flag="{f}"}} {int(bool(health.flag(f, True)))}'
        for f in FLAGS
    ]
    return lines


def write_textfile(path: Path, text: str) -> None:
    """Atomic: node_exporter must never read half a file (temp file in the same folder, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tvemicro_pi.", dir=path.parent)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", default=DEFAULT_OUT, help=f"textfile to write (default {DEFAULT_OUT})")
    p.add_argument("--root", default="/", help="filesystem root to read sysfs from (tests)")
    p.add_argument("--stdout", action="store_true", help="print instead of writing --out")
    args = p.parse_args(argv)
    health = read_health(Path(args.root))
    text = render(health, time.time())
    if args.stdout:
        sys.stdout.write(text)
    else:
        write_textfile(Path(args.out), text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
