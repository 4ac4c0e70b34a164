"""`tvemicro kiosk-layout`: start the real kiosk on the simulator and audit its layout."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from machine_config.config import Config

STATE_CHOICES = ("idle", "heating", "running", "trip", "disabled", "all")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "kiosk-layout",
        help="audit the kiosk layout: every touch target's size in mm, covered?, on screen?",
        description="Start the real kiosk on the simulator (under Xvfb when there is no display), "
        "visit every screen in the given machine state, logged out and in (with the setpoint "
        "keypad, and when idle the Add user keyboard and role step), and print every "
        "visible touch target: screen, id, text, box in px (origin bottom left) and mm, whether "
        "another widget takes its touches, whether it is fully on screen, and the gap to the "
        "next target, and any text cut to '…' or taller than its box. Exit status 1 when a "
        "target breaks a glove rule (15 mm, 2 mm apart, uncovered, on screen), a text does not "
        "fit, or a view has no usable STOP and E-STOP.",
    )
    p.add_argument(
        "--size",
        default="800x480",
        help="the panel's own WxH in px, before rotation (default 800x480)",
    )
    p.add_argument(
        "--rotation",
        type=int,
        choices=(0, 90, 180, 270),
        help="turn the picture and touches like ui.rotation (default: the config's); the audit "
        "reports the turned content, e.g. --size 480x800 --rotation 90 audits 800x480",
    )
    p.add_argument(
        "--diag-in",
        type=float,
        help='panel diagonal in inches, square pixels (default: the official 7" panel at '
        '800x480, else 10.1")',
    )
    p.add_argument("--state", choices=STATE_CHOICES, default="all", help="machine state")
    p.add_argument("--user", choices=("out", "in", "both"), default="both", help="logged in?")
    p.add_argument("--config", default="config.yaml", help="config file")
    p.add_argument("--shots", help="also save a PNG of every view into this directory")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=layout_command)


def parse_size(text: str) -> tuple[int, int]:
    w, _, h = text.lower().partition("x")
    return int(w), int(h)


def layout_command(args: argparse.Namespace) -> int:
    from app.ui.display import ensure_display
    from machine_config.config import ConfigError, load_config

    size = parse_size(args.size)
    try:
        cfg = load_config(args.config)
    except ConfigError as err:
        print(err.report(), file=sys.stderr)
        return 2
    why = ensure_display()
    if why:
        print(f"kiosk-layout: {why}", file=sys.stderr)
        return 2
    result = run_audit(args, cfg, size)
    if args.json:
        print(json.dumps(result, indent=1, ensure_ascii=False))
    else:
        print_summary(result)
    return 1 if result["problems"] else 0


def run_audit(args: argparse.Namespace, cfg: Config, size: tuple[int, int]) -> dict[str, Any]:
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    from app.ui.env import WindowSpec, prepare

    rotation = cfg.ui.rotation if args.rotation is None else args.rotation
    prepare(
        WindowSpec(fullscreen=False, show_cursor=True, max_fps=60, size=size, rotation=rotation)
    )
    from kivy.core.window import Window

    from app.services.machine import build_machine
    from app.ui.audit import Panel
    from app.ui.kiosk import build_app
    from app.ui.layout_audit import STATES, USERS, audit_states, frames, report

    data_dir = Path(tempfile.mkdtemp(prefix="kiosk-layout-"))
    machine = build_machine(cfg, "sim", virtual=True, data_dir=data_dir)
    app = build_app(machine, cfg, rest_url="")  # no REST server runs here: System says so
    app._run_prepare()
    frames(5)
    states = STATES if args.state == "all" else (args.state,)
    users = USERS if args.user == "both" else (args.user,)
    panel = Panel.of((int(Window.width), int(Window.height)), args.diag_in)  # turned content
    shot = _shooter(Path(args.shots)) if args.shots else None
    try:
        views = audit_states(app, machine, states, users, shot, panel)
    finally:
        app.stop()
        machine.close()
    return {**report(views, panel), "rotation": rotation}


def _shooter(folder: Path) -> Any:
    from kivy.core.window import Window

    folder.mkdir(parents=True, exist_ok=True)

    def shot(name: str) -> None:
        made = Window.screenshot(str(folder / "shot.png"))
        os.replace(made, folder / f"{name}_{Window.width}x{Window.height}.png")

    return shot


def print_summary(result: dict[str, Any]) -> None:
    w, h = result["size"]
    mm = result["panel_mm"]
    turned = f", turned {result['rotation']}°" if result["rotation"] else ""
    print(f"kiosk-layout {w}x{h}{turned}, panel {mm[0]:.1f} × {mm[1]:.1f} mm")
    for view in result["views"]:
        sizes = [min(t["mm"]) for t in view["targets"]]
        smallest = f"{min(sizes):.1f} mm" if sizes else "-"
        head = f"{view['state']:9} {view['user']:3} {view['screen']:9}"
        print(f"  {head} {len(sizes):3} targets, smallest {smallest}")
        for problem in view["problems"]:
            print(f"      ! {problem}")
    print(f"{result['problems']} problems")
