"""`tvemicro history export` and `tvemicro token …`: storage commands that run without a server."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
from pathlib import Path
from typing import Any

from app.storage import db
from app.storage.query import MAX_POINTS, HistoryQuery, known_series, read_series, to_csv
from app.storage.timeparse import BadTime, parse_time
from app.storage.tokens import TokenStore
from control.errors import StorageUnavailable


def resolve_data_dir(args: argparse.Namespace) -> Path:
    """--data-dir, else storage.data_dir of --config (default config.yaml)."""
    if getattr(args, "data_dir", None):
        return Path(args.data_dir)
    from machine_config.config import load_config

    return Path(load_config(getattr(args, "config", None) or "config.yaml").storage.data_dir)


def history_export(
    data_dir: Path, since: str, until: str, out: Path | None, series: str = "", step_s: float = 1.0
) -> int:
    """Write history as CSV (API.md decision 12) to `out` (None = stdout); returns rows written."""
    now = time.time()
    query = HistoryQuery((), parse_time(since, now), parse_time(until, now), step_s)
    if query.since >= query.until:
        raise ValueError("--since must be before --until")
    if query.buckets > MAX_POINTS:
        raise ValueError(
            f"too many rows: use --step-s ≥ {(query.until - query.since) / MAX_POINTS:.3g}"
        )
    path = db.db_path(data_dir)
    if not path.exists():
        raise FileNotFoundError(f"no historian database in {data_dir}")
    names = [n.strip() for n in series.split(",") if n.strip()] or known_series(path)
    query = HistoryQuery(tuple(names), query.since, query.until, step_s)
    text = to_csv(read_series(path, query), query)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
    return query.buckets


def history_command(args: argparse.Namespace) -> int:
    try:
        data_dir = resolve_data_dir(args)
        out = None if args.csv == "-" else Path(args.csv)
        rows = history_export(data_dir, args.since, args.until, out, args.series, args.step_s)
    except (BadTime, ValueError, OSError) as err:
        print(f"history export: {err}", file=sys.stderr)
        return 2
    if out is not None:
        print(f"wrote {rows} rows to {out}", file=sys.stderr)
    return 0


def token_command(args: argparse.Namespace) -> int:
    """create | list | revoke. The secret is printed once, on stdout, and never stored."""
    try:
        data_dir = resolve_data_dir(args)
        store = TokenStore(data_dir)
        if args.token_cmd == "create":
            secret, record = store.create(args.role, args.name)
            _audit(data_dir, "TokenCreate", record.public())
            print(secret)
            print(
                f"token {record.id} '{record.name}' ({record.role}) created; it is shown only "
                "once: keep it now",
                file=sys.stderr,
            )
        elif args.token_cmd == "list":
            for r in store.records():
                print(f"{r.id}  {r.role:<9} {r.name}  created {_when(r.created_at)}")
        else:
            record = store.revoke(args.token)
            _audit(data_dir, "TokenRevoke", record.public())
            print(f"revoked {record.id} '{record.name}'", file=sys.stderr)
    except (ValueError, LookupError, OSError, StorageUnavailable) as err:
        print(f"token: {err}", file=sys.stderr)
        return 2
    return 0


def _when(wall_s: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(wall_s))


def _audit(data_dir: Path, action: str, args: dict[str, Any]) -> None:
    """Token changes land in the audit log too (best effort: the token change already happened)."""
    record = {"who": _user(), "role": "admin", "source": "cli", "action": action, "args": args}
    record["result"] = "applied"
    try:
        conn = db.connect(db.db_path(data_dir))
        try:
            conn.execute(
                "INSERT INTO events (t, kind, data) VALUES (?, 'audit', ?)",
                (time.time(), json.dumps(record)),
            )
        finally:
            conn.close()
    except Exception as err:
        print(f"note: audit log not written ({err})", file=sys.stderr)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "cli"
