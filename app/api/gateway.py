"""Submitting commands to the control core from the event loop, without blocking it."""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from typing import Any

from control.commands import Command
from control.errors import CoreUnavailable
from control.snapshot import AlarmView, Snapshot


class CoreGateway:
    """Everything REST reads from or asks of the machine: snapshots, alarm history, commands
    and (simulator only) fault injection.

    `await call(cmd)` returns once the command was applied. The core resolves a command's
    Future only after the snapshot showing it is published, so a 2xx is always visible in the
    next GET /status. A machine on a virtual clock (tests) is ticked once per command instead of
    waiting for a real-time runner."""

    def __init__(self, machine: Any, timeout_s: float = 3.0) -> None:
        self.machine = machine
        self.timeout_s = timeout_s

    # -- reads --------------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        snap: Snapshot = self.machine.core.snapshot
        return snap

    def last_tick_age_s(self) -> float:
        age: float = self.machine.core.last_tick_age_s()
        return age

    def alarm_history(self) -> tuple[AlarmView, ...]:
        history: tuple[AlarmView, ...] = self.machine.core.alarm_history()
        return history

    # -- simulator (NotFound on real hardware) -------------------------------------------------
    def sim_io(self) -> dict[str, Any]:
        view: dict[str, Any] = self.machine.simulator().io_view()
        return view

    def sim_faults(self) -> list[dict[str, Any]]:
        active: list[dict[str, Any]] = self.machine.simulator().faults.active()
        return active

    def simulator_present(self) -> None:
        """NotFound unless the machine is simulated (checked before the body is read)."""
        self.machine.simulator()

    def inject_fault(self, kind: object, target: object) -> int:
        fault_id: int = self.machine.inject_fault(kind, target)
        return fault_id

    def clear_fault(self, fault_id: int | None, text: str) -> None:
        self.machine.clear_fault(fault_id, text)

    def clear_faults(self) -> int:
        count: int = self.machine.simulator().faults.clear_all()
        return count

    async def settle(self) -> None:
        """Let the core see an injected or cleared fault before answering (one tick)."""
        if self.machine.virtual is not None:
            self.machine.virtual.step()
            return
        target = self.snapshot().loop.ticks + 1
        for _ in range(500):
            if self.snapshot().loop.ticks >= target:
                return
            await asyncio.sleep(0.001)

    # -- commands ------------------------------------------------------------------------------
    async def call(self, cmd: Command) -> Any:
        fut = self.machine.core.submit(cmd)
        if self.machine.virtual is not None:
            self.machine.virtual.step()
        return await self._result(fut)

    async def _result(self, fut: Future[Any]) -> Any:
        wrapped = asyncio.wrap_future(fut)
        done, _ = await asyncio.wait({wrapped}, timeout=self.timeout_s)
        if not done and fut.cancel():
            raise CoreUnavailable(
                f"the control loop did not take the command within {self.timeout_s:g} s; "
                "nothing was changed"
            )
        return await wrapped
