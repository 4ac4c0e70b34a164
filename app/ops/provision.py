"""Pi boot provisioning from config.yaml: the managed block of config.txt and cmdline.txt edits."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from machine_config.config import Config, ConfigError, load_config

BEGIN = "# BEGIN tvemicro: managed by `tvemicro provision`; edit config.yaml, not these lines"
END = "# END tvemicro"
# Header PWM block (Pi 4 PWM0): pin -> (channel, alt function number for the pwm overlays)
PWM_PINS: dict[int, tuple[int, int]] = {12: (0, 4), 18: (0, 2), 13: (1, 4), 19: (1, 2)}
UART_PINS = (14, 15)
CMDLINE_ADD = ("consoleblank=0", "vt.global_cursor_default=0")
CMDLINE_DROP = ("console=serial0", "console=ttyAMA0", "console=ttyS0", "consoleblank=")


class ProvisionError(ValueError):
    """config.yaml asks for something the boot configuration cannot give."""


@dataclass(frozen=True)
class Output:
    pin: int
    active_low: bool
    what: str


def safe_outputs(cfg: Config) -> list[Output]:
    """Every output that must be inactive from power-on: SSRs, motor enables, the contactor,
    the heartbeat, auxiliary outputs, and the thermocouple chip selects (deselected = high)."""
    outs = [
        Output(z.heater.pin, z.heater.active_low, f"{zid} heater") for zid, z in cfg.zones.items()
    ]
    outs += [
        Output(m.enable_pin, m.enable_active_low, f"{mid} enable") for mid, m in cfg.motors.items()
    ]
    plain = {"heater_contactor": cfg.outputs.heater_contactor, "heartbeat": cfg.outputs.heartbeat}
    outs += [Output(o.pin, o.active_low, name) for name, o in plain.items()]
    outs += [Output(o.pin, o.active_low, f"{oid} output") for oid, o in cfg.outputs.aux.items()]
    sensors = [*(z.sensor for z in cfg.zones.values()), *(s.sensor for s in cfg.sensors.values())]
    outs += [Output(s.cs_pin, True, "thermocouple chip select") for s in sensors]
    return outs


def gpio_lines(cfg: Config) -> list[str]:
    """`gpio=` lines: outputs at their inactive level from the firmware on (dl = low, dh = high)."""
    outs = safe_outputs(cfg)
    low = sorted({o.pin for o in outs if not o.active_low})
    high = sorted({o.pin for o in outs if o.active_low})
    lines = []
    if low:
        lines.append(f"gpio={','.join(map(str, low))}=op,dl")
    if high:
        lines.append(f"gpio={','.join(map(str, high))}=op,dh")
    return lines


def pwm_line(cfg: Config) -> str | None:
    """The PWM overlay that puts the step pins on the hardware PWM block."""
    pins = sorted({m.step_pin for m in cfg.motors.values() if m.step_pin in PWM_PINS})
    pins.sort(key=lambda p: PWM_PINS[p][0])
    channels = [PWM_PINS[p][0] for p in pins]
    if len(set(channels)) != len(channels):
        raise ProvisionError(f"step pins {pins} share a PWM channel (GPIO 12/18: 0, 13/19: 1)")
    if not pins:
        return None
    if len(pins) == 1:
        return f"dtoverlay=pwm,pin={pins[0]},func={PWM_PINS[pins[0]][1]}"
    a, b = pins
    return f"dtoverlay=pwm-2chan,pin={a},func={PWM_PINS[a][1]},pin2={b},func2={PWM_PINS[b][1]}"


def config_block(cfg: Config) -> list[str]:
    """The managed lines of config.txt, between BEGIN and END."""
    lines = [BEGIN, "[all]", "dtparam=spi=on", "dtoverlay=spi0-0cs", "enable_uart=0"]
    pwm = pwm_line(cfg)
    if pwm is not None:
        lines.append(pwm)
    return [*lines, *gpio_lines(cfg), END]


def edit_config_txt(existing: str, cfg: Config) -> str:
    """config.txt with our block replaced (or appended); every other line kept as it was."""
    kept: list[str] = []
    inside = False
    for line in existing.splitlines():
        if line.strip() == BEGIN:
            inside = True
        elif inside and line.strip() == END:
            inside = False
        elif not inside:
            kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join([*kept, "", *config_block(cfg)]).lstrip("\n") + "\n"


def edit_cmdline(existing: str) -> str:
    """cmdline.txt (one line): no serial console (GPIO 14/15 are outputs), no console blanking."""
    words = [w for w in existing.split() if w in CMDLINE_ADD or not w.startswith(CMDLINE_DROP)]
    words += [w for w in CMDLINE_ADD if w not in words]
    return " ".join(words) + "\n"


def provision(cfg: Config, boot: Path) -> list[str]:
    """Write config.txt and cmdline.txt under `boot`; the names of the files that changed."""
    changed = []
    for name, edit in (
        ("config.txt", lambda text: edit_config_txt(text, cfg)),
        ("cmdline.txt", edit_cmdline),
    ):
        path = boot / name
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        new = edit(old)
        if new != old:
            tmp = path.with_name(name + ".tvemicro-new")
            tmp.write_text(new, encoding="utf-8")
            tmp.replace(path)
            changed.append(name)
    return changed


def provision_command(args: argparse.Namespace) -> int:
    try:
        cfg = load_config(args.config)
    except ConfigError as err:
        print(err.report())
        return 2
    try:
        changed = provision(cfg, Path(args.boot_dir))
    except ProvisionError as err:
        print(f"provision: {err}")
        return 2
    if changed:
        print(f"provision: updated {', '.join(changed)} in {args.boot_dir}; reboot to apply")
    else:
        print(f"provision: {args.boot_dir} already matches {args.config}")
    return 0
