"""`python -m app.kpi …` = `tvemicro kpi …` without the rest of the CLI (for .venv-observe)."""

from __future__ import annotations

import argparse
import sys

from app.kpi.cli import add_subcommands


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m app.kpi")
    sub = parser.add_subparsers(dest="command", required=True)
    add_subcommands(sub)
    args = parser.parse_args(["kpi", *sys.argv[1:]])
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
