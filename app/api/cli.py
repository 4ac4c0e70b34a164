"""Subcommands `tvemicro token`, `tvemicro history export` and `tvemicro smoke`."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from app.services.subcommands import lazy
from app.storage.tokens import ROLES

if TYPE_CHECKING:
    Sub = argparse._SubParsersAction[argparse.ArgumentParser]


def add_subcommands(sub: Sub) -> None:
    _add_token(sub)
    _add_history(sub)
    _add_smoke(sub)


def _data_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", help="data directory (default: storage.data_dir from --config)")
    p.add_argument("--config", default="config.yaml", help="config file (default: config.yaml)")


def _add_token(sub: Sub) -> None:
    p = sub.add_parser(
        "token",
        help="REST API tokens: create, list, revoke",
        description="Bearer tokens for the REST API. Only a SHA-256 hash is stored (tokens.json "
        "in the data directory); a new token is printed once. Roles: " + " < ".join(ROLES) + ".",
    )
    tsub = p.add_subparsers(dest="token_cmd", required=True)
    create = tsub.add_parser("create", help="make a token and print it once on stdout")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--name", help="who or what uses it (default: <role>-<id>)")
    _data_args(create)
    listing = tsub.add_parser("list", help="list tokens (id, role, name; never the secret)")
    _data_args(listing)
    revoke = tsub.add_parser("revoke", help="revoke a token by id or name")
    revoke.add_argument("token", help="token id or name")
    _data_args(revoke)
    p.set_defaults(func=lazy("app.storage.export", "token_command"))


def _add_history(sub: Sub) -> None:
    p = sub.add_parser("history", help="historian tools")
    hsub = p.add_subparsers(dest="history_cmd", required=True)
    export = hsub.add_parser(
        "export",
        help="export process history as CSV",
        description="Times are Unix seconds, ISO 8601 (UTC unless an offset is given) or "
        "relative to now: --since=-15m, -2h, -1d, now (use = before a leading minus).",
    )
    export.add_argument("--since", required=True, help="start (inclusive)")
    export.add_argument("--until", default="now", help="end (exclusive; default now)")
    export.add_argument("--csv", required=True, metavar="FILE", help="output file ('-' = stdout)")
    export.add_argument("--series", default="", help="comma-separated series (default: all)")
    export.add_argument("--step-s", type=float, default=1.0, help="row spacing (default 1 s)")
    _data_args(export)
    export.set_defaults(func=lazy("app.storage.export", "history_command"))


def _add_smoke(sub: Sub) -> None:
    p = sub.add_parser(
        "smoke",
        help="run the rollout smoke checklist against a live instance",
        description="Health, sensor freshness, setpoint rejection and round trip, alarms, "
        "metrics and (with --cycle) a full start → gate → run → stop cycle. Prints a pass/fail "
        "table; exits 1 on any failure.",
    )
    p.add_argument("--url", required=True, help="base URL, e.g. http://127.0.0.1:8080")
    p.add_argument(
        "--token",
        default=os.environ.get("TVEMICRO_TOKEN"),
        help="operator (or higher) token (default: $TVEMICRO_TOKEN)",
    )
    p.add_argument("--cycle", action="store_true", help="also run start → running → stop")
    p.add_argument("--hold-s", type=float, default=10.0, help="machine seconds to hold running")
    p.add_argument(
        "--timeout-s", type=float, default=1800.0, help="wall seconds to wait for the gate"
    )
    p.set_defaults(func=lazy("app.smoke", "smoke_command"))
