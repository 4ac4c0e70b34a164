"""Status, config, settings, health, metrics and the OpenAPI document."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from app.api import keys
from app.api.body import json_object, raw
from app.api.handlers import actor, submit
from app.services.health import health_report
from app.services.observability import CONTENT_TYPE
from control import commands as c

_SECRET_KEY = re.compile(r"secret|password|passwd|token|hash|pin_code|api_key", re.I)


async def status(request: web.Request) -> web.Response:
    body = request.app[keys.STATUS].body()
    return web.Response(body=body, content_type="application/json")


async def config(request: web.Request) -> web.Response:
    data = request.app[keys.CFG].model_dump(mode="json")
    return web.json_response(redact(data))


def redact(value: Any) -> Any:
    """Drop any key that looks like a secret, at any depth (config holds none today)."""
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items() if not _SECRET_KEY.search(str(k))}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


async def settings_get(request: web.Request) -> web.Response:
    snap = request.app[keys.GATEWAY].snapshot()
    return web.json_response(
        {
            "hmi_enabled": snap.hmi_enabled,
            "mode": snap.mode,
            "zones": {
                z.id: {
                    "setpoint_c": z.setpoint_c,
                    "pid": {"kp": z.pid.kp, "ki": z.pid.ki, "kd": z.pid.kd},
                }
                for z in snap.zones
            },
            "motors": {m.id: {"run_rpm": m.run_rpm} for m in snap.motors},
        }
    )


async def settings_put(request: web.Request) -> web.Response:
    body = await json_object(request, ("hmi_enabled",))
    cmd = c.SetHmiEnabled(enabled=raw(body, "hmi_enabled"), actor=actor(request))
    return await submit(request, cmd)


async def health(request: web.Request) -> web.Response:
    app = request.app
    report = health_report(app[keys.MACHINE], app[keys.CFG], app[keys.STORAGE])
    return web.json_response(report, status=503 if report["status"] == "failing" else 200)


async def metrics(request: web.Request) -> web.Response:
    body = request.app[keys.METRICS].render()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(request.app[keys.OPENAPI])
