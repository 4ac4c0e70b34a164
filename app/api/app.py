"""The aiohttp application factory: one route table, typed keys, middlewares, cleanup context."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from app.api import keys
from app.api.auth import Authenticator, Lockout
from app.api.gateway import CoreGateway
from app.api.middleware import auth_middleware, context_middleware, error_middleware
from app.api.openapi import build_openapi
from app.api.routes import add_routes, route_table
from app.api.status_cache import StatusCache
from app.services.eventlog import log_login
from app.services.observability import Metrics
from app.storage.tokens import TokenStore
from app.storage.wiring import Storage
from machine_config.config import Config

MAX_BODY_BYTES = 64 * 1024


def create_app(
    machine: Any, cfg: Config | None = None, storage: Storage | None = None
) -> web.Application:
    """The REST app for one machine. `storage` gives history, audit and the token store; without
    it tokens are read from the machine's data directory and history routes are 404."""
    cfg = cfg or machine.cfg
    app = web.Application(
        middlewares=[context_middleware, error_middleware, auth_middleware],
        client_max_size=MAX_BODY_BYTES,
    )
    app[keys.MACHINE] = machine
    app[keys.CFG] = cfg
    app[keys.STORAGE] = storage
    app[keys.GATEWAY] = CoreGateway(machine)
    app[keys.STATUS] = StatusCache(app[keys.GATEWAY])
    app[keys.ROUTES] = route_table()
    app[keys.OPENAPI] = build_openapi(cfg)
    app[keys.METRICS] = Metrics(machine, storage)
    app[keys.AUTH] = _authenticator(machine, cfg, storage, app[keys.METRICS])
    add_routes(app)
    app.cleanup_ctx.append(_metrics_hooks)
    return app


def _authenticator(
    machine: Any, cfg: Config, storage: Storage | None, metrics: Metrics
) -> Authenticator:
    tokens = storage.tokens if storage is not None else None
    if tokens is None and machine.data_dir is not None:
        tokens = TokenStore(machine.data_dir)
    api = cfg.api
    lockout = Lockout(
        api.auth_max_failures, api.auth_window_s, api.auth_lockout_s, machine.clock.now
    )

    def record(kind: str, data: dict[str, Any]) -> None:
        if data.get("result") == "failed":
            metrics.auth_failures.inc()
        log_login(data)
        if storage is not None and storage.historian is not None:
            storage.historian.record(kind, machine.clock.wall(), data)

    return Authenticator(tokens, lockout, record)


async def _metrics_hooks(app: web.Application) -> AsyncIterator[None]:
    """The metrics listen to the core and the runner only while the server runs."""
    yield
    app[keys.METRICS].close()
