"""Writes docs/hil-rig.svg, the loop-back wiring diagram, from rig.yaml and config.yaml.

Run `python -m tests.hil.rig_diagram` after changing either; a test checks it is up to date."""

from __future__ import annotations

import sys
from html import escape
from pathlib import Path

from tests.hil.rig import load_rig, signal_of
from tests.support import ROOT, raw_config

RIG = Path(__file__).parent / "rig.yaml"
SVG = ROOT / "docs" / "hil-rig.svg"
ROW_H, TOP, LEFT_X, RIGHT_X, BOX_W = 28, 70, 20, 560, 300


def wiring_rows() -> list[tuple[str, int, str, int]]:
    """(machine output key, its GPIO, what the rig does, rig GPIO), in rig.yaml order."""
    spec, cfg = load_rig(RIG, raw_config())
    rows = []
    for key, rig_pin in spec.loopback.items():
        found = signal_of(key, cfg)
        assert found is not None
        rows.append((key, found[0], "jumper to input", rig_pin))
    rows.append(("inputs.estop_ok (E-stop chain)", cfg.inputs.estop_ok.pin,
                 "NC relay contact in series", spec.estop_relay_pin))  # fmt: skip
    for zid, pin in spec.tc_relay.items():
        cs = cfg.zones[zid].sensor.cs_pin
        rows.append((f"zones.{zid} thermocouple (CS {cs})", cs, "relay in series with T+", pin))
    return rows


def _text(x: int, y: int, s: str, anchor: str = "start", weight: str = "normal") -> str:
    return (f'<text x="{x}" y="{y}" text-anchor="{anchor}" font-weight="{weight}" '
            f'font-family="sans-serif" font-size="13">{escape(s)}</text>')  # fmt: skip


def render() -> str:
    rows = wiring_rows()
    height = TOP + ROW_H * len(rows) + 30
    width = RIGHT_X + BOX_W + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        _text(LEFT_X, 30, "Pi under test: machine pins (config.yaml)", weight="bold"),
        _text(RIGHT_X, 30, "Rig pins (rig.yaml), same Pi", weight="bold"),
        f'<rect x="{LEFT_X - 8}" y="42" width="{BOX_W + 16}" height="{height - 54}" '
        'fill="none" stroke="#555"/>',
        f'<rect x="{RIGHT_X - 8}" y="42" width="{BOX_W + 16}" height="{height - 54}" '
        'fill="none" stroke="#555"/>',
    ]
    for i, (key, pin, how, rig_pin) in enumerate(rows):
        y = TOP + i * ROW_H
        relay = how != "jumper to input"
        colour = "#b00" if relay else "#06c"
        parts += [
            _text(LEFT_X, y, f"GPIO {pin:>2}  {key}"),
            _text(
                RIGHT_X + BOX_W,
                y,
                f"GPIO {rig_pin:>2}  {'relay out' if relay else 'in'}",
                anchor="end",
            ),
            f'<line x1="{LEFT_X + BOX_W + 10}" y1="{y - 4}" x2="{RIGHT_X - 10}" y2="{y - 4}" '
            f'stroke="{colour}" stroke-width="2"'
            + (' stroke-dasharray="6 4"/>' if relay else "/>"),
            _text((LEFT_X + BOX_W + RIGHT_X) // 2, y - 8, how, anchor="middle"),
        ]
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main() -> int:
    SVG.write_text(render(), encoding="utf-8")
    print(f"wrote {SVG}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
