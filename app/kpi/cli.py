"""`tvemicro kpi`: parse the arguments, read the historian, print or write the report."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from app.kpi import figures, latency, report, source, text
from app.storage.timeparse import BadTime, parse_time

HELP = (
    "Hypercare KPIs for a shift, a week or a canary period, from the historian's login, command "
    "(audit) and alarm events: activation, retention, panel vs REST share, logins per shift; "
    "refused commands, alarms per operator-hour, standing alarms, time to acknowledge, trips, "
    "time in state and availability; history gaps and (with --metrics) the process's own "
    "latency histograms. No Prometheus server is needed."
)


def add_subcommands(sub: Any) -> None:
    p = sub.add_parser("kpi", help="hypercare KPI report from the historian", description=HELP)
    p.add_argument(
        "--since", default="-7d", help="start: Unix s, ISO 8601 or -8h/-7d (default -7d)"
    )
    p.add_argument("--until", default="now", help="end (default now)")
    p.add_argument("--data-dir", help="data directory (default: storage.data_dir from --config)")
    p.add_argument("--config", default="config.yaml", help="config file for the data directory")
    p.add_argument(
        "--roster", help="users.json or a file of names (default: <data-dir>/users.json)"
    )
    p.add_argument("--shifts", default=figures.DEFAULT_SHIFTS, help="NAME=START-END hours, …")
    p.add_argument("--utc-offset-h", type=float, default=0.0, help="plant time − UTC, in hours")
    p.add_argument("--metrics", help="a /metrics URL or saved scrape for the latency histograms")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON object")
    out.add_argument("--csv", metavar="FILE", help="write metric,value rows (- for stdout)")
    out.add_argument(
        "--html",
        metavar="FILE",
        help="write one self-contained page with charts (needs matplotlib: the 'kpi' extra)",
    )
    p.set_defaults(func=kpi_command)


def _data_dir(args: argparse.Namespace) -> Path:
    if args.data_dir:
        return Path(args.data_dir)
    from machine_config.config import load_config

    return Path(load_config(args.config).storage.data_dir)


def inputs(args: argparse.Namespace) -> report.Inputs:
    data_dir = _data_dir(args)
    now = time.time()
    since, until = parse_time(args.since, now), parse_time(args.until, now)
    if until <= since:
        raise ValueError(f"--until ({args.until}) must be after --since ({args.since})")
    roster_path = Path(args.roster) if args.roster else data_dir / "users.json"
    roster = source.read_roster(roster_path) if roster_path.exists() else []
    metrics = latency.read_metrics(args.metrics) if args.metrics else None
    return report.Inputs(
        data_dir / "history.sqlite3",
        since,
        until,
        roster,
        figures.parse_shifts(args.shifts),
        args.utc_offset_h,
        metrics,
    )


def kpi_command(args: argparse.Namespace) -> int:
    try:
        built = report.build(inputs(args))
        if args.html:
            from app.kpi.html import write_html  # matplotlib: only when asked for

            write_html(built, Path(args.html))
            print(f"wrote {args.html}", file=sys.stderr)
        elif args.json:
            print(report.to_json(built))
        elif args.csv:
            _write(args.csv, report.to_csv(built))
        else:
            sys.stdout.write(text.render(built))
    except (OSError, ValueError, BadTime) as err:
        print(f"tvemicro kpi: {err}", file=sys.stderr)
        return 2
    except ImportError as err:
        print(
            f"tvemicro kpi --html needs matplotlib ({err.name}): install the 'kpi' extra, "
            "e.g. .venv/bin/pip install -e '.[kpi]'",
            file=sys.stderr,
        )
        return 2
    return 0


def _write(where: str, data: str) -> None:
    if where == "-":
        sys.stdout.write(data)
    else:
        Path(where).write_text(data, encoding="utf-8")
