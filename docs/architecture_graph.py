"""Draws docs/architecture.svg (the layers and their allowed imports) from the test's rules.

Run `python docs/architecture_graph.py` after changing tests/unit/architecture_rules.py;
tests/unit/test_architecture.py fails while the committed picture differs from the rules."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.unit.architecture_rules import ALLOWED, LAYERS  # noqa: E402

ROWS = (  # top to bottom: who imports sits above what it imports
    ("app.wiring", "ops"),
    ("app.api", "app.ui", "app.kpi", "app.ops"),
    ("app.storage", "app.tools"),
    ("app.services",),
    ("control",),
    ("hw",),
    ("machine_config", "app.root"),
)
NOTES = {
    "app.wiring": "cli, run_cmd, simulate, smoke",
    "ops": "chaos drills: drive it from outside",
    "app.api": "REST face (aiohttp)",
    "app.ui": "kiosk face (Kivy)",
    "app.kpi": "KPI report, simulated week",
    "app.ops": "install, upgrade, backup, restore",
    "app.storage": "historian, tokens, export",
    "app.tools": "snapshot_cmd, pihealth",
    "app.services": "machine, health, observability, logs, events",
    "control": "the control core (pure Python)",
    "hw": "protocols, drivers, simulator",
    "machine_config": "config schema + loader (leaf)",
    "app.root": "app/__init__: version (leaf)",
}
W, H, BOX_W, BOX_H, ROW_H = 1100, 660, 200, 46, 86


def positions() -> dict[str, tuple[float, float]]:
    out = {}
    for r, row in enumerate(ROWS):
        for i, layer in enumerate(row):
            out[layer] = (W * (i + 1) / (len(row) + 1), 30 + r * ROW_H + BOX_H / 2)
    return out


def svg() -> str:
    pos = positions()
    assert set(pos) == set(LAYERS), "every layer needs a place in ROWS"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        f'font-family="sans-serif" font-size="13">',
        '<defs><marker id="a" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
        f'<rect width="{W}" height="{H}" fill="white"/>',
    ]
    for src in LAYERS:
        for dst in sorted(ALLOWED[src]):
            parts.append(_arrow(pos[src], pos[dst]))
    for layer, (x, y) in pos.items():
        parts.append(
            f'<rect x="{x - BOX_W / 2:.0f}" y="{y - BOX_H / 2:.0f}" width="{BOX_W}" '
            f'height="{BOX_H}" rx="6" fill="#eef1f4" stroke="#333"/>'
            f'<text x="{x:.0f}" y="{y - 4:.0f}" text-anchor="middle" font-weight="bold">'
            f"{layer}</text>"
            f'<text x="{x:.0f}" y="{y + 13:.0f}" text-anchor="middle" font-size="10">'
            f"{NOTES[layer]}</text>"
        )
    parts.append(
        f'<text x="10" y="{H - 10}" font-size="11">An arrow A → B: modules of A may import '
        "modules of B. Nothing else is allowed (tests/unit/test_architecture.py).</text>"
    )
    return "\n".join([*parts, "</svg>", ""])


def _arrow(src: tuple[float, float], dst: tuple[float, float]) -> str:
    (x1, y1), (x2, y2) = src, dst
    y1 += BOX_H / 2 if y2 > y1 else -BOX_H / 2
    y2 -= BOX_H / 2 if y2 > src[1] else -BOX_H / 2
    bend = (x2 - x1) * 0.15 + (y2 - y1) * 0.18  # curve sideways so stacked arrows stay apart
    cx, cy = (x1 + x2) / 2 + bend, (y1 + y2) / 2
    return (
        f'<path d="M{x1:.0f},{y1:.0f} Q{cx:.0f},{cy:.0f} {x2:.0f},{y2:.0f}" fill="none" '
        'stroke="#555" stroke-width="1.2" marker-end="url(#a)"/>'
    )


if __name__ == "__main__":
    (REPO / "docs" / "architecture.svg").write_text(svg())
