"""Command answers held until the tick's snapshot is out and the writes they caused are done."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from control.writer import WriteTicket


@dataclass(eq=False)
class Answer:
    """One command's outcome. `waits`: writes that must be on disk (or have failed, which the
    control thread has turned into an alarm) before the caller hears back. `durable_alarms`:
    the command changed a latched trip, so it also waits for this tick's alarms.json write."""

    fut: Future[Any]
    value: Any
    failed: bool
    waits: list[WriteTicket] = field(default_factory=list)
    durable_alarms: bool = False

    @property
    def ready(self) -> bool:
        return all(t.seen for t in self.waits)

    def resolve(self) -> None:
        if self.failed:
            self.fut.set_exception(self.value)
        else:
            self.fut.set_result(self.value)


class Answers:
    """This tick's answers plus those still waiting for a write. Control thread only."""

    def __init__(self) -> None:
        self._tick: list[Answer] = []
        self._waiting: list[Answer] = []

    def add(self, answer: Answer) -> None:
        self._tick.append(answer)

    def settle(self, alarms_ticket: WriteTicket | None) -> None:
        """End of tick: answer every command whose writes are done; keep the others."""
        for answer in self._tick:
            if answer.durable_alarms and alarms_ticket is not None:
                answer.waits.append(alarms_ticket)
        pending = self._waiting + self._tick if self._waiting else self._tick
        self._tick = []
        if not pending:
            return
        self._waiting = [a for a in pending if not a.ready]
        for answer in pending:
            if answer.ready:
                answer.resolve()

    @property
    def waiting(self) -> int:
        return len(self._waiting)
