"""Rollback and the boot guard on a scratch layout, with a systemctl that only records calls."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from app.ops.layout import Layout, point
from app.ops.switch import SwitchError, guard, rollback

UNITS = Path("packaging").resolve()


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Layout:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "systemctl"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/systemctl.log\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    lay = Layout(tmp_path / "root")
    for rid in ("A", "B"):
        shipped = lay.release_dir(rid) / "release"
        (shipped / "systemd").parent.mkdir(parents=True)
        shutil.copytree(UNITS / "systemd", shipped / "systemd")
        shutil.copytree(UNITS / "udev", shipped / "udev")
    point(lay.current, lay.release_dir("B"))
    point(lay.previous, lay.release_dir("A"))
    return lay


def calls(layout: Layout) -> list[str]:
    log = layout.root.parent / "systemctl.log"
    return log.read_text().splitlines() if log.exists() else []


def test_guard_outside_probation_changes_nothing(layout: Layout) -> None:
    assert guard(layout, print) is None
    assert layout.current_id() == "B" and calls(layout) == []


def test_guard_rolls_back_once_however_often_it_fires(layout: Layout) -> None:
    layout.probation.write_text("B\n")
    assert guard(layout, print) == "A"
    assert guard(layout, print) is None
    assert guard(layout, print) is None
    assert layout.current_id() == "A" and layout.previous_id() == "B"
    assert calls(layout).count("restart tvemicro.service") == 1
    assert (layout.systemd / "system" / "tvemicro.service").exists()


def test_guard_for_a_release_no_longer_current_only_clears_probation(layout: Layout) -> None:
    layout.probation.write_text("C\n")
    assert guard(layout, print) is None
    assert layout.current_id() == "B" and not layout.probation.exists()


def test_manual_rollback_toggles_and_refuses_without_previous(layout: Layout) -> None:
    assert rollback(layout, print) == "A"
    assert rollback(layout, print) == "B"
    point(layout.previous, None)
    with pytest.raises(SwitchError, match="no previous release"):
        rollback(layout, print)
