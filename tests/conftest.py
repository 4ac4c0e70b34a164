"""Shared fixtures: the real config, and sim machines on a virtual clock (closed after use)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from machine_config.config import Config, parse_config
from tests.support import CONFIG_PATH, raw_config

settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture
def cfg() -> Config:
    return parse_config(raw_config(), str(CONFIG_PATH))


@pytest.fixture
def make_machine(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Build virtual-clock sim machines; every one is closed (outputs off) after the test."""
    from app.services.machine import build_machine

    built: list[Any] = []

    def make(config: Config | None = None, data_dir: Path | None = None, **kw: Any) -> Any:
        config = config or parse_config(raw_config(), "config.yaml")
        machine = build_machine(config, "sim", virtual=True, data_dir=data_dir or tmp_path, **kw)
        built.append(machine)
        return machine

    yield make
    for machine in built:
        machine.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--hil", action="store_true", help="run tests/hil against real hardware")
    parser.addoption(
        "--rig",
        default=str(Path(__file__).parent / "hil" / "rig.yaml"),
        help="the loop-back rig's rig.yaml (tests/hil; the sim rig uses it too without --hil)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--hil"):
        return
    skip = pytest.mark.skip(reason="hardware in the loop: only with --hil on the Pi")
    for item in items:
        if item.get_closest_marker("hil") is not None:  # not `keywords`: a dir named hil matches
            item.add_marker(skip)
