"""Subcommands `tvemicro provision`, `upgrade`, `rollback`, `backup` and `restore`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from app.services.subcommands import lazy

if TYPE_CHECKING:
    Sub = argparse._SubParsersAction[argparse.ArgumentParser]

ROOT_HELP = "install root (default: $TVEMICRO_ROOT or /; the drills use a scratch dir)"


def add_subcommands(sub: Sub) -> None:
    _add_provision(sub)
    _add_upgrade(sub)
    _add_rollback(sub)
    _add_backup(sub)
    _add_restore(sub)


def _add_provision(sub: Sub) -> None:
    p = sub.add_parser(
        "provision",
        help="write the Pi's config.txt block and cmdline.txt from config.yaml",
        description="Manages one block of config.txt (SPI without kernel chip selects, the PWM "
        "overlay for the step pins, enable_uart=0, gpio= boot levels that keep SSRs, enables, "
        "contactor and outputs inactive from power-on) and cmdline.txt (no serial console, "
        "consoleblank=0). Other lines are kept. A change needs a reboot.",
    )
    p.add_argument("--config", default="/etc/tvemicro/config.yaml", help="config file")
    p.add_argument("--boot-dir", default="/boot/firmware", help="boot partition")
    p.set_defaults(func=lazy("app.ops.provision", "provision_command"))


def _add_upgrade(sub: Sub) -> None:
    p = sub.add_parser(
        "upgrade",
        help="install a release artifact offline, restart, smoke; roll back on any failure",
        description="Checks the artifact, installs it into a new release directory from its own "
        "wheelhouse (--no-index), checks the config against it, snapshots the data dir, switches "
        "`current` (keeping `previous`), restarts (waits for READY=1) and runs the smoke. Any "
        "failure switches back, restores the data snapshot if the schema changed, and exits 1. "
        "Refuses while the machine heats or runs, unless --force.",
    )
    p.add_argument("artifact", help="release .tar made by ./dev release")
    p.add_argument("--force", action="store_true", help="upgrade even while heating or running")
    p.add_argument("--no-restart", action="store_true", help="install and switch only (imaging)")
    p.add_argument("--root", help=ROOT_HELP)
    p.set_defaults(func=lazy("app.ops.upgrade", "upgrade_command"))


def _add_rollback(sub: Sub) -> None:
    p = sub.add_parser(
        "rollback",
        help="switch back to the previous release and restart",
        description="Points `current` at `previous` and restarts. --if-probation (the boot "
        "guard's OnFailure unit) acts only while the current release has not passed its smoke, "
        "and only once.",
    )
    p.add_argument("--if-probation", action="store_true", help="only during probation (guard)")
    p.add_argument("--root", help=ROOT_HELP)
    p.set_defaults(func=lazy("app.ops.switch", "rollback_command"))


def _add_backup(sub: Sub) -> None:
    p = sub.add_parser(
        "backup",
        help="back up a (live) data dir, config and provisioning into one file",
        description="SQLite through its online backup API, settings, alarms, users, tokens "
        "(stored hashed), UI state, config.yaml, the release id and the boot files, with a "
        "manifest of SHA-256 checksums. Safe while the service runs.",
    )
    p.add_argument("--out", required=True, help="backup file to write (.tar.gz)")
    p.add_argument("--data-dir", help="data directory (default: /var/lib/tvemicro under --root)")
    p.add_argument("--config", help="config file (default: /etc/tvemicro/config.yaml)")
    p.add_argument("--root", help=ROOT_HELP)
    p.set_defaults(func=lazy("app.ops.backup", "backup_command"))


def _add_restore(sub: Sub) -> None:
    p = sub.add_parser(
        "restore",
        help="restore a backup into a data dir no process owns",
        description="Checks the manifest and checksums, refuses while a tvemicro process owns "
        "the data dir, checks the database (integrity_check), then swaps the contents in; the "
        "old contents are kept beside the data dir.",
    )
    p.add_argument("file", help="backup file")
    p.add_argument("--data-dir", help="data directory (default: /var/lib/tvemicro under --root)")
    p.add_argument("--config-out", help="also write the backup's config.yaml here")
    p.add_argument("--root", help=ROOT_HELP)
    p.set_defaults(func=lazy("app.ops.restore", "restore_command"))
