"""Typed keys for what the app and each request carry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from app.api.auth import Authenticator, Principal
    from app.api.gateway import CoreGateway
    from app.api.routes import Route
    from app.api.status_cache import StatusCache
    from app.services.machine import Machine
    from app.services.observability import Metrics
    from app.storage.wiring import Storage
    from machine_config.config import Config

MACHINE: web.AppKey[Machine] = web.AppKey("machine")
CFG: web.AppKey[Config] = web.AppKey("cfg")
STORAGE: web.AppKey[Storage | None] = web.AppKey("storage")
AUTH: web.AppKey[Authenticator] = web.AppKey("auth")
GATEWAY: web.AppKey[CoreGateway] = web.AppKey("gateway")
METRICS: web.AppKey[Metrics] = web.AppKey("metrics")
ROUTES: web.AppKey[dict[tuple[str, str], Route]] = web.AppKey("routes")
STATUS: web.AppKey[StatusCache] = web.AppKey("status_cache")
OPENAPI: web.AppKey[dict[str, Any]] = web.AppKey("openapi")

REQUEST_ID: web.RequestKey[str] = web.RequestKey("request_id")
PRINCIPAL: web.RequestKey[Principal | None] = web.RequestKey("principal")
