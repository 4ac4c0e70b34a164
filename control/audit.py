"""The audit record of one command: who, what, the result, and the old → new its handler noted."""

from __future__ import annotations

from typing import Any

from control.commands import Command
from control.errors import HmiError


class AuditNote:
    """Where a handler notes the old → new value of what it changed, for the audit record."""

    def __init__(self) -> None:
        self._change: tuple[Any, Any] = (None, None)

    def change(self, old: Any, new: Any) -> None:
        self._change = (old, new)

    def take(self) -> tuple[Any, Any]:
        """The noted change (None, None if none), and forget it."""
        out, self._change = self._change, (None, None)
        return out


def record(cmd: Command, result: str, err: HmiError | None, note: AuditNote) -> dict[str, Any]:
    """The audit event's data for one applied or refused command."""
    old, new = note.take()
    data = {
        "who": cmd.actor.who,
        "role": cmd.actor.role,
        "source": cmd.actor.source,
        "action": type(cmd).__name__,
        "args": _command_args(cmd),
        "result": result,
        "old": old,
        "new": new,
    }
    if err is not None:
        data["error"] = err.to_dict()
    return data


def _command_args(cmd: Command) -> dict[str, Any]:
    return {k: getattr(cmd, k) for k in getattr(cmd, "__slots__", ()) if k != "actor"}
