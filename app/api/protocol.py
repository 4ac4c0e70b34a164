"""Bounded HTTP connections: a deadline per request, a connection cap, quiet client errors."""

from __future__ import annotations

import asyncio
import errno
import os
import resource
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.streams import StreamReader
from aiohttp.web_protocol import RequestPayloadError

from app.services.observability import log_json, request_id
from machine_config.config import ApiConfig

ExceptionHandler = Callable[[asyncio.AbstractEventLoop, dict[str, Any]], None]
# Faults of the client (bad framing, bad encoding, gone away): one log line, never a traceback.
CLIENT_FAULTS = (HttpProcessingError, RequestPayloadError, ConnectionError)
# File descriptors kept for everything but HTTP (historian, settings, tokens, SPI, GPIO, logs).
FD_RESERVE = 64
FD_EXHAUSTED = (errno.EMFILE, errno.ENFILE)
BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
    b"Connection: close\r\nContent-Length: 84\r\n\r\n"
    b'{"error": {"code": "busy", "message": "too many connections; retry in a second"}}\r\n'
)


def connection_cap(max_connections: int, soft_nofile: int | None = None) -> int:
    """`api.max_connections`, lowered so HTTP never takes the last FD_RESERVE descriptors."""
    if soft_nofile is None:
        soft_nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft_nofile == resource.RLIM_INFINITY:
        return max_connections
    return max(1, min(max_connections, soft_nofile - FD_RESERVE))


class Connections:
    """The live connection count of one server and its limits; logs one line per refusal burst."""

    def __init__(self, api: ApiConfig, cap: int) -> None:
        self.request_timeout_s = api.request_timeout_s
        self.keepalive_timeout_s = api.keepalive_timeout_s
        self.cap = cap
        self.open = 0
        self.refused = 0  # in the current burst

    @property
    def full(self) -> bool:
        return self.open >= self.cap

    def refuse(self, reason: str) -> None:
        if self.refused == 0:
            log_json("http_refusing", "warning", reason=reason, open=self.open, cap=self.cap)
        self.refused += 1

    def accepted(self) -> None:
        self.open += 1
        if self.refused:
            log_json("http_accepting", "info", refused=self.refused, open=self.open)
            self.refused = 0

    def closed(self) -> None:
        self.open -= 1


class GuardedHandler(web.RequestHandler):
    """aiohttp's connection handler with a deadline: a request must arrive whole (headers and
    body) within `request_timeout_s` of its first byte, else the connection is dropped. Idle
    keep-alive connections close after `keepalive_timeout_s` (aiohttp's own timer).
    A request pipelined behind another is left to the keep-alive timer."""

    __slots__ = ("_conns", "_deadline")

    def __init__(self, manager: web.Server, conns: Connections, **kwargs: Any) -> None:
        super().__init__(manager, keepalive_timeout=conns.keepalive_timeout_s, **kwargs)
        self._conns = conns
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._conns.accepted()
        super().connection_made(transport)

    def connection_lost(self, exc: BaseException | None) -> None:
        self._disarm()
        self._conns.closed()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if data and self._deadline is None:
            self._deadline = self._loop.call_later(self._conns.request_timeout_s, self._expire)
        super().data_received(data)

    def request_started(self, payload: StreamReader) -> None:
        """Called for each request the app sees: the deadline ends when its body is complete."""
        payload.on_eof(self._disarm)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        log_json("http_request_timeout", "warning", remote=_peer(self.transport),
                 timeout_s=self._conns.request_timeout_s)  # fmt: skip
        self.force_close()

    def handle_error(
        self,
        request: Any,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """Unparseable requests (oversized headers, bad framing): the JSON envelope, one line."""
        if status >= 500 or not isinstance(exc, CLIENT_FAULTS):
            return super().handle_error(request, status, exc, message)
        rid = request_id(None)
        text = describe(exc)
        log_json("http_bad_request", "warning", request_id=rid, status=status,
                 remote=_peer(self.transport), error=text)  # fmt: skip
        if request.writer.output_size > 0:
            raise ConnectionError("a response was already sent")
        body = {"code": "bad_request", "message": text, "request_id": rid}
        resp = web.json_response({"error": body, "request_id": rid}, status=status)
        resp.headers["X-Request-Id"] = rid
        resp.force_close()
        return resp

    def log_exception(self, *args: Any, **kw: Any) -> None:
        """A client fault aiohttp meets after the response (e.g. an undecodable body it drains)."""
        exc = kw.get("exc_info")
        if isinstance(exc, CLIENT_FAULTS):
            log_json(
                "http_client_error", "debug", remote=_peer(self.transport), error=describe(exc)
            )
            return
        super().log_exception(*args, **kw)


def watch_request(request: web.Request) -> None:
    """Tell a guarded connection that this request reached the app (no-op in test servers)."""
    protocol = request.protocol
    if isinstance(protocol, GuardedHandler):
        protocol.request_started(request.content)


def describe(exc: BaseException) -> str:
    text = exc.message if isinstance(exc, HttpProcessingError) else str(exc)
    text = " ".join(str(text).split()) or type(exc).__name__
    return text[:200]


def _peer(transport: asyncio.BaseTransport | None) -> str | None:
    if transport is None:
        return None
    peer = transport.get_extra_info("peername")
    return str(peer[0]) if isinstance(peer, tuple) else None


class _Refused(asyncio.Protocol):
    """Over the cap: a 503 and close, before the connection costs anything more."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(BUSY)
        transport.close()


class GuardedSite(web.BaseSite):
    """A TCP site whose connections are GuardedHandlers, counted against the cap."""

    __slots__ = ("_host", "_port", "conns")

    def __init__(self, runner: web.BaseRunner, host: str, port: int, conns: Connections) -> None:
        super().__init__(runner)
        self._host = host
        self._port = port
        self.conns = conns

    @property
    def name(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    @property
    def port(self) -> int:
        sockets = self._server.sockets if isinstance(self._server, asyncio.Server) else ()
        return int(sockets[0].getsockname()[1]) if sockets else self._port

    async def start(self) -> None:
        await super().start()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._factory(loop), self._host, self._port, reuse_address=True, backlog=self._backlog
        )

    def _factory(self, loop: asyncio.AbstractEventLoop) -> Callable[[], asyncio.BaseProtocol]:
        server = self._runner.server
        assert server is not None

        def make() -> asyncio.BaseProtocol:
            if self.conns.full:
                self.conns.refuse("connection cap")
                return _Refused()
            return GuardedHandler(server, self.conns, loop=loop, access_log=None)

        return make


def accept_error_handler(conns: Connections) -> ExceptionHandler:
    """Loop exception handler: accept() at the fd limit is one warning per burst, no traceback
    (asyncio retries the accept by itself); anything else goes to asyncio's default handler."""

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, OSError) and exc.errno in FD_EXHAUSTED:
            conns.refuse(os.strerror(exc.errno))
            return
        loop.default_exception_handler(context)

    return handle
