"""Test helpers shared by every suite: the shipped config and variants of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from control.config import Config, parse_config

ROOT = Path(__file__).resolve().parent.parent
CONFIG_PATH = ROOT / "config.yaml"


def raw_config() -> dict[str, Any]:
    """The shipped config.yaml as plain data, for tests that vary it."""
    data: dict[str, Any] = yaml.safe_load(CONFIG_PATH.read_text())
    return data


def config_with(**changes: Any) -> Config:
    """config.yaml with dotted-path overrides, e.g. config_with(**{"sequence.soak_s": 5})."""
    data = raw_config()
    for dotted, value in changes.items():
        node = data
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node[key]
        node[leaf] = value
    return parse_config(data, "test")
