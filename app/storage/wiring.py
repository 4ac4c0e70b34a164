"""Wiring storage into the process: historian sinks for the core, warnings back to it."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.storage import db
from app.storage.historian import Historian
from app.storage.records import users_file_problems
from app.storage.tokens import TokenStore
from control.alarms import WARNING
from control.core import CoreSinks
from control.safety import WARN, Condition
from machine_config.config import Config


@dataclass
class Storage:
    """Everything kept in the data directory that the API reads: history, events, tokens."""

    data_dir: Path
    tokens: TokenStore
    historian: Historian | None
    open_problem: str | None = None

    @property
    def db_path(self) -> Path:
        return db.db_path(self.data_dir)

    def file_problems(self) -> list[str]:
        """Entries of tokens.json and users.json that were not loaded, by file and field."""
        self.tokens.records()  # re-reads the file if it changed
        return [*self.tokens.invalid, *users_file_problems(self.data_dir / "users.json")]

    def sinks(self) -> CoreSinks:
        return self.historian.sinks() if self.historian is not None else CoreSinks()

    def attach(self, machine: Any) -> None:
        """Let the historian raise warnings on the core, and watch a simulated full disk."""
        core = machine.core
        sim = machine.sim

        def report(code: str, present: bool, message: str) -> None:
            core.report_condition(Condition(code, "machine", WARNING, WARN, message), present)

        machine.use_storage(self)
        self._watch_files(report)
        if self.historian is None:
            report("historian_error", True, f"historian unavailable: {self.open_problem}")
            return
        probe = (lambda: bool(sim.disk_full)) if sim is not None else None
        self.historian.attach(probe, report)
        for code, message in list(self.historian.stats.conditions.items()):
            report(code, True, message)

    def _watch_files(self, report: Any) -> None:
        """A warning while tokens.json or users.json holds what cannot be loaded (checked now,
        and again whenever the token file changes)."""

        def tokens_changed(store: TokenStore) -> None:
            problems = [*([store.problem] if store.problem else []), *store.invalid]
            report("tokens_file_invalid", bool(problems), "; ".join(problems))

        self.tokens.on_change = tokens_changed
        self.tokens.records()
        tokens_changed(self.tokens)
        users = users_file_problems(self.data_dir / "users.json")
        if users:
            report("users_file_invalid", True, "; ".join(users))

    def close(self) -> None:
        if self.historian is not None:
            self.historian.close()


def storage_of(machine: Any) -> Storage | None:
    """The storage attached to a machine by `open_storage(...)["attach"]`, if any."""
    storage: Storage | None = machine.storage
    return storage


def build_storage(cfg: Config, data_dir: Path, *, start: bool = True) -> Storage:
    """Open (or create) the historian and token store; a broken database is set aside."""
    data_dir.mkdir(parents=True, exist_ok=True)
    retention_s = cfg.storage.retention_days * 86400.0
    historian: Historian | None = None
    problem = None
    try:
        historian = _open_historian(db.db_path(data_dir), cfg.storage.queue_max, retention_s)
    except (sqlite3.Error, OSError) as err:
        problem = f"{type(err).__name__}: {err}"
    if historian is not None and start:
        historian.start()
    return Storage(data_dir, TokenStore(data_dir), historian, problem)


def _open_historian(path: Path, queue_max: int, retention_s: float) -> Historian:
    """A file that is not a database (or whose header is damaged) is set aside at once; damage
    deeper in the file is found by the writer's start-up check."""
    try:
        return Historian(path, queue_max, retention_s)
    except sqlite3.DatabaseError as err:
        if not db.is_corrupt(err):
            raise
        aside = db.set_aside(path)
        historian = Historian(path, queue_max, retention_s)
        historian.replaced(aside, err)
        return historian


def open_storage(cfg: Config, data_dir: Path) -> dict[str, Any]:
    """Hooks for `tvemicro run`: `sinks` for build_machine, `attach(machine)`, `close()`."""
    storage = build_storage(cfg, data_dir)
    return {
        "storage": storage,
        "sinks": storage.sinks(),
        "attach": storage.attach,
        "close": storage.close,
    }
