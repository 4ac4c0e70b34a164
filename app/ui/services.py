"""What the UI reads and writes besides the core: history, users, session records, settings."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from app.services.backlight import IdleDimmer
from app.ui.history import HistorySource, RingHistory, storage_history
from app.ui.users import JsonUserStore, UserStore
from control.persist import load, write_atomic

if TYPE_CHECKING:
    from app.services.machine import Machine
    from machine_config.config import Config


class SessionLog(Protocol):
    """Where logins and logouts go (the historian's `record` has exactly this shape)."""

    def record(self, kind: str, wall_s: float, data: dict[str, Any]) -> None: ...


class JsonlSessionLog:
    """Fallback session log: one JSON object per line in `<data_dir>/sessions.jsonl`."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.records: list[dict[str, Any]] = []

    def record(self, kind: str, wall_s: float, data: dict[str, Any]) -> None:
        line = {"kind": kind, "t": wall_s, **data}
        self.records.append(line)
        if self.path is not None:
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(line, sort_keys=True) + "\n")


class UiPrefs:
    """Panel preferences an operator may change on screen (language), in `ui.json`."""

    def __init__(self, data_dir: Path | None, default_language: str) -> None:
        self.path = None if data_dir is None else Path(data_dir) / "ui.json"
        data, _ = load(self.path) if self.path is not None else (None, None)
        self.language: str = (data or {}).get("language", default_language)

    def save(self) -> None:
        if self.path is not None:
            write_atomic(self.path, {"language": self.language})


@dataclass
class Services:
    history: HistorySource
    users: UserStore
    sessions: SessionLog
    prefs: UiPrefs
    rest_url: str | None
    storage: Any | None = None
    backlight: IdleDimmer = field(default_factory=lambda: IdleDimmer(None, 0))  # overlay only


def default_services(machine: Machine, cfg: Config, **given: Any) -> Services:
    """Use what the caller passed; otherwise the attached historian, else in-memory fallbacks.
    Without a `backlight` (IdleDimmer) given, blanking is the black overlay alone."""
    data_dir = machine.data_dir or Path(cfg.storage.data_dir)
    storage = _storage_of(machine)
    history = given.get("history") or storage_history(storage)
    if history is None:
        history = RingHistory.attach(machine.core)
    historian = getattr(storage, "historian", None)
    sessions = given.get("sessions") or historian or JsonlSessionLog(data_dir / "sessions.jsonl")
    rest = given.get("rest_url")
    if rest is None and cfg.api.enabled:
        rest = f"http://{cfg.api.host}:{cfg.api.port}"
    return Services(
        history=history,
        users=given.get("users") or JsonUserStore(data_dir),
        sessions=sessions,
        prefs=UiPrefs(machine.data_dir, cfg.ui.language),
        rest_url=rest,
        storage=storage,
        backlight=given.get("backlight") or IdleDimmer(None, 0),
    )


def _storage_of(machine: Machine) -> Any | None:
    return machine.storage
