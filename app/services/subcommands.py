"""Subcommands that import their module only when they run (keeps `tvemicro --help` light)."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable

Command = Callable[[argparse.Namespace], int]


def lazy(module: str, name: str) -> Command:
    """Import a subcommand's module only when it runs (keeps `--help` fast and light)."""

    def call(args: argparse.Namespace) -> int:
        func: Command = getattr(importlib.import_module(module), name)
        return func(args)

    return call
