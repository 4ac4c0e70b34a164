"""Submitting commands to the control core from the event loop, without blocking it."""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from typing import Any

from control.commands import Command
from control.errors import CoreUnavailable


class CoreGateway:
    """`await call(cmd)` returns once the command was applied. The core resolves a command's
    Future only after the snapshot showing it is published, so a 2xx is always visible in the
    next GET /status. A machine on a virtual clock (tests) is ticked once per command instead of
    waiting for a real-time runner."""

    def __init__(self, machine: Any, timeout_s: float = 3.0) -> None:
        self.machine = machine
        self.timeout_s = timeout_s

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
