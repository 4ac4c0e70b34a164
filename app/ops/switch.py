"""Switching releases: `current`/`previous` links, the units a release ships, rollback."""

from __future__ import annotations

import argparse
import shutil
import subprocess
from collections.abc import Callable

from app.ops.layout import Layout, point

Say = Callable[[str], None]
SERVICE = "tvemicro.service"


class SwitchError(RuntimeError):
    """A step of a switch failed; the message names it."""


def systemctl(*args: str, timeout_s: float = 180.0) -> subprocess.CompletedProcess[str]:
    """`systemctl ARGS` (on PATH, so the drills can put a stand-in first)."""
    return subprocess.run(
        ["systemctl", *args], capture_output=True, text=True, timeout=timeout_s, check=False
    )


def must(*args: str) -> None:
    done = systemctl(*args)
    if done.returncode != 0:
        raise SwitchError(
            f"systemctl {' '.join(args)} failed: {(done.stderr or done.stdout).strip()}"
        )


def install_units(layout: Layout, release_id: str) -> None:
    """The release's units, drop-ins and udev rule into the system's folders."""
    shipped = layout.release_dir(release_id) / "release"
    places = {
        "systemd/tvemicro.service": layout.systemd / "system" / "tvemicro.service",
        "systemd/tvemicro-guard.service": layout.systemd / "system" / "tvemicro-guard.service",
        "systemd/drop-ins/watchdog.conf": layout.systemd
        / "system.conf.d"
        / "tvemicro-watchdog.conf",
        "systemd/drop-ins/journald.conf": layout.systemd / "journald.conf.d" / "tvemicro.conf",
        "udev/99-tvemicro-touch.rules": layout.udev_rules / "99-tvemicro-touch.rules",
    }
    for src, dest in places.items():
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shipped / src, dest)


def switch_to(layout: Layout, release_id: str, previous_id: str | None) -> None:
    point(layout.previous, None if previous_id is None else layout.release_dir(previous_id))
    point(layout.current, layout.release_dir(release_id))
    install_units(layout, release_id)
    must("daemon-reload")


def rollback(layout: Layout, say: Say, restart: bool = True) -> str:
    """Back to `previous` (which becomes the one left, so a second rollback undoes the first)."""
    back, left = layout.previous_id(), layout.current_id()
    if back is None or not layout.release_dir(back).is_dir():
        raise SwitchError("no previous release to roll back to")
    say(f"rollback: current {left} -> {back}")
    switch_to(layout, back, left)
    layout.probation.unlink(missing_ok=True)
    if restart:
        say("rollback: restarting the service (waits for READY=1)")
        must("restart", SERVICE)
    return back


def guard(layout: Layout, say: Say) -> str | None:
    """The boot guard (OnFailure=): roll back once, only while the current release is in
    probation. Idempotent: outside probation, or once rolled back, it changes nothing."""
    if not layout.probation.exists():
        say("guard: no release in probation; nothing to do")
        return None
    on_trial = layout.probation.read_text().strip()
    if layout.current_id() != on_trial:
        say(f"guard: {on_trial} is no longer current; nothing to do")
        layout.probation.unlink(missing_ok=True)
        return None
    return rollback(layout, say)


def rollback_command(args: argparse.Namespace) -> int:
    layout = Layout.from_args(args)
    try:
        if args.if_probation:
            guard(layout, print)
        else:
            rollback(layout, print)
    except SwitchError as err:
        print(f"rollback: {err}")
        return 1
    return 0


def prune(layout: Layout, keep: int = 3) -> list[str]:
    """Remove old release dirs, never `current` or `previous`; the names removed."""
    pinned = {layout.current_id(), layout.previous_id()}
    dirs = sorted(layout.releases.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    removed = []
    for old in dirs[keep:]:
        if old.name not in pinned:
            shutil.rmtree(old)
            removed.append(old.name)
    return removed
