"""Running the REST app in its own thread with its own asyncio loop, inside `tvemicro run`."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from aiohttp import web

from app.api import keys
from app.api.app import create_app
from app.api.protocol import Connections, GuardedSite, accept_error_handler, connection_cap
from app.services.observability import log_json
from app.storage.wiring import Storage, storage_of


class ApiHandle:
    """A running server: `.port` (the bound port, also for port 0), `.url`, `.stop()`.
    Connections are bounded (api.request_timeout_s, keepalive_timeout_s, max_connections)."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.loop = asyncio.new_event_loop()
        api = app[keys.CFG].api
        self.conns = Connections(api, connection_cap(api.max_connections))
        self.loop.set_exception_handler(accept_error_handler(self.conns))
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="rest", daemon=True)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout_s: float = 10.0) -> ApiHandle:
        self._thread.start()
        if not self._ready.wait(timeout_s):
            raise RuntimeError("REST server did not start in time")
        if self._error is not None:
            raise RuntimeError(f"REST server failed to start: {self._error}") from self._error
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._serve())
        except BaseException as err:  # bind failure: report it to start()
            self._error = err
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self._runner.cleanup())
        self.loop.close()

    async def _serve(self) -> None:
        await self._runner.setup()
        site = GuardedSite(self._runner, self.host, self.port, self.conns)
        await site.start()
        self.port = int(self._runner.addresses[0][1])  # the bound port, also for port 0

    def stop(self, timeout_s: float = 5.0) -> None:
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout_s)


def start_api(machine: Any, host: str, port: int, storage: Storage | None = None) -> ApiHandle:
    """Start the REST server for `machine` on host:port (0 = any free port) in a new thread.
    Storage defaults to what `open_storage(...)["attach"]` attached to this machine."""
    storage = storage if storage is not None else storage_of(machine)
    app = create_app(machine, machine.cfg, storage)
    handle = ApiHandle(app, host, port).start()
    log_json("rest_listening", host=host, port=handle.port, historian=storage is not None,
             max_connections=handle.conns.cap)  # fmt: skip
    return handle
