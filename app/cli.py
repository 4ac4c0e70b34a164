"""The `tvemicro` command line: run, simulate, config check, and the storage/API/UI subcommands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from app import __version__
from app.services.subcommands import lazy

DEFAULT_CONFIG = "config.yaml"


def _add_run(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "run",
        help="run the machine: kiosk UI on a display, else headless with the REST server",
        description="Run the control core with the kiosk UI (when a display exists) and the REST "
        "side server. Every output starts off; nothing resumes by itself.",
    )
    _add_backend(p)
    p.add_argument(
        "--headless", action="store_true", help="no UI: print a live status line instead"
    )
    p.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="machine clock speed-up (sim only), e.g. 20 heats up 20x faster",
    )
    p.add_argument("--config", default=DEFAULT_CONFIG, help="config file (default: config.yaml)")
    p.add_argument("--data-dir", help="data directory (default: storage.data_dir from config)")
    p.add_argument("--host", help="REST bind address (default: api.host from config)")
    p.add_argument("--port", type=int, help="REST port, 0 = any free port (default: api.port)")
    p.add_argument("--no-api", action="store_true", help="do not start the REST server")
    p.add_argument(
        "--duration-s", type=float, help="stop by itself after this many wall seconds (smoke runs)"
    )
    p.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        help="lowest level of the JSON log on stderr; debug adds one line per REST request "
        "(default: logging.level from config, info)",
    )
    p.set_defaults(func=lazy("app.run_cmd", "run_command"))


def _add_backend(p: argparse.ArgumentParser) -> None:
    backend = p.add_mutually_exclusive_group(required=True)
    backend.add_argument(
        "--sim",
        dest="backend",
        action="store_const",
        const="sim",
        help="drive the built-in machine simulator",
    )
    backend.add_argument(
        "--hw",
        dest="backend",
        action="store_const",
        const="hw",
        help="drive the real Raspberry Pi hardware",
    )


def _add_simulate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "simulate",
        help="run the whole core and simulator in virtual time and report",
        description="Scenarios: 'production' (preheat, start, run M minutes, stop) or "
        "'fault:<kind>:<target>' (inject that fault in steady running), e.g. fault:tc_open:barrel.",
    )
    p.add_argument("--config", default=DEFAULT_CONFIG, help="config file (default: config.yaml)")
    p.add_argument("--scenario", default="production", help="production | fault:<kind>:<target>")
    p.add_argument("--minutes", type=float, default=5.0, help="minutes of steady running")
    p.add_argument("--seed", type=int, help="simulator seed (default: simulation.seed)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=lazy("app.simulate", "simulate_command"))


def _add_config(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("config", help="configuration tools")
    csub = p.add_subparsers(dest="config_cmd", required=True)
    check = csub.add_parser("check", help="validate a config file; non-zero exit on errors")
    check.add_argument("file", nargs="?", default=DEFAULT_CONFIG)
    check.set_defaults(func=_config_check)


def _config_check(args: argparse.Namespace) -> int:
    from machine_config.config import ConfigError, load_config

    try:
        cfg = load_config(args.file)
    except ConfigError as err:
        print(err.report(), file=sys.stderr)
        return 1
    print(
        f"{args.file}: OK — {len(cfg.zones)} zones, {len(cfg.sensors)} monitor sensors, "
        f"{len(cfg.motors)} motors, {len(cfg.outputs.aux)} aux outputs, "
        f"tick {cfg.machine.tick_s:g} s"
    )
    return 0


EXTENSIONS: list[tuple[str, str]] = [
    ("app.api.cli", "add_subcommands"),
    ("app.ui.cli", "add_subcommands"),
    ("app.kpi.cli", "add_subcommands"),
    ("app.snapshot_cmd", "add_subcommands"),
    ("app.ops.cli", "add_subcommands"),
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tvemicro",
        description="Kiosk HMI and control core for a TVEmicro-class recycling extruder.",
    )
    parser.add_argument("--version", action="version", version=f"tvemicro {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_run(sub)
    _add_simulate(sub)
    _add_config(sub)
    for module, name in EXTENSIONS:
        _extend(sub, module, name)
    return parser


def _extend(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], module: str, name: str
) -> None:
    """Let app/api and app/ui add their own subcommands (token, history, smoke, user)."""
    import importlib

    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as err:
        if err.name and (module == err.name or module.startswith(err.name + ".")):
            return  # that part of the product is not installed in this build
        raise
    getattr(mod, name)(sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "data_dir", None):
        args.data_dir = str(Path(args.data_dir))
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
