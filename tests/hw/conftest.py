"""Fixtures for the hardware-layer tests: the real config.yaml and a simulated machine on a
virtual clock."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hw.clock import VirtualClock
from hw.sim import SimMachine
from machine_config.config import Config, load_config, parse_config

CONFIG_PATH = Path(__file__).resolve().parents[2] / "config.yaml"


@pytest.fixture(scope="session")
def cfg() -> Config:
    """The shipped config.yaml, validated."""
    return load_config(CONFIG_PATH)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def machine(cfg: Config, clock: VirtualClock) -> SimMachine:
    return SimMachine.from_config(cfg, clock)


@pytest.fixture
def variant(cfg: Config) -> Callable[[Callable[[dict[str, Any]], None]], Config]:
    """Build a modified copy of config.yaml: `variant(lambda d: d["simulation"].update(seed=2))`."""

    def build(edit: Callable[[dict[str, Any]], None]) -> Config:
        data = copy.deepcopy(cfg.model_dump(mode="python"))
        edit(data)
        return parse_config(data, "variant")

    return build


@pytest.fixture
def run(clock: VirtualClock) -> Callable[..., None]:
    """`run(seconds, every_s=0.05, poll=None)`: advance the virtual clock in steps, calling
    `poll()` after each one, like a control tick would."""

    def advance(
        seconds: float, every_s: float = 0.05, poll: Callable[[], object] | None = None
    ) -> None:
        for _ in range(round(seconds / every_s)):
            clock.advance(every_s)
            if poll is not None:
                poll()

    return advance
