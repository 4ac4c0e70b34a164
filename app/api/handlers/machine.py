"""Machine-level commands: start, preheat, stop, estop, reset, mode."""

from __future__ import annotations

from aiohttp import web

from app.api import keys
from app.api.body import json_object, optional_bool, raw
from app.api.errors import Forbidden
from app.api.handlers import actor, submit
from control import commands as c


async def start(request: web.Request) -> web.Response:
    if not request.app[keys.CFG].api.allow_remote_start:
        raise Forbidden("remote start is not allowed on this machine (api.allow_remote_start)")
    await json_object(request)
    return await submit(request, c.Start(actor=actor(request)))


async def preheat(request: web.Request) -> web.Response:
    await json_object(request)
    return await submit(request, c.Preheat(actor=actor(request)))


async def stop(request: web.Request) -> web.Response:
    await json_object(request)
    return await submit(request, c.Stop(actor=actor(request)))


async def estop(request: web.Request) -> web.Response:
    await json_object(request)
    return await submit(request, c.EStop(actor=actor(request)))


async def reset(request: web.Request) -> web.Response:
    body = await json_object(request, ("ack",))
    ack = optional_bool(body, "ack", False)
    return await submit(request, c.Reset(ack=ack, actor=actor(request)))


async def set_mode(request: web.Request) -> web.Response:
    body = await json_object(request, ("mode",))
    return await submit(request, c.SetMode(mode=raw(body, "mode"), actor=actor(request)))
