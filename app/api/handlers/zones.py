"""Zones, motors and aux outputs: setpoints, gains, manual duty, autotune, speeds, jog, outputs."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from app.api import keys
from app.api.body import json_object, raw
from app.api.handlers import actor, path_id, submit
from control import commands as c


def _zone(request: web.Request) -> str:
    return path_id(request, "zone", request.app[keys.CFG].zones)


async def set_setpoint(request: web.Request) -> web.Response:
    zone = _zone(request)
    body: dict[str, Any] = await json_object(request, ("setpoint_c",))
    cmd = c.SetSetpoint(zone=zone, setpoint_c=raw(body, "setpoint_c"), actor=actor(request))
    return await submit(request, cmd)


async def set_pid(request: web.Request) -> web.Response:
    zone = _zone(request)
    body: dict[str, Any] = await json_object(request, ("kp", "ki", "kd"))
    gains = {k: raw(body, k) for k in ("kp", "ki", "kd")}
    return await submit(request, c.SetPid(zone=zone, **gains, actor=actor(request)))


async def set_manual(request: web.Request) -> web.Response:
    zone = _zone(request)
    body: dict[str, Any] = await json_object(request, ("duty",))
    return await submit(
        request, c.SetManualDuty(zone=zone, duty=raw(body, "duty"), actor=actor(request))
    )


async def autotune_start(request: web.Request) -> web.Response:
    zone = _zone(request)
    body: dict[str, Any] = await json_object(request, ("setpoint_c",))
    cmd = c.StartAutotune(zone=zone, setpoint_c=raw(body, "setpoint_c"), actor=actor(request))
    return await submit(request, cmd)


async def autotune_get(request: web.Request) -> web.Response:
    zone = _zone(request)
    view = request.app[keys.GATEWAY].snapshot().autotune_of(zone)
    return web.json_response(view)


async def autotune_abort(request: web.Request) -> web.Response:
    zone = _zone(request)
    return await submit(request, c.AbortAutotune(zone=zone, actor=actor(request)))


async def autotune_apply(request: web.Request) -> web.Response:
    zone = _zone(request)
    await json_object(request)
    return await submit(request, c.ApplyAutotune(zone=zone, actor=actor(request)))


async def set_motor(request: web.Request) -> web.Response:
    motor = path_id(request, "motor", request.app[keys.CFG].motors)
    body: dict[str, Any] = await json_object(request, ("rpm",))
    return await submit(
        request, c.SetRunRpm(motor=motor, rpm=raw(body, "rpm"), actor=actor(request))
    )


async def jog(request: web.Request) -> web.Response:
    motor = path_id(request, "motor", request.app[keys.CFG].motors)
    body: dict[str, Any] = await json_object(request, ("rpm", "duration_s"))
    cmd = c.Jog(
        motor=motor, rpm=raw(body, "rpm"), duration_s=raw(body, "duration_s"), actor=actor(request)
    )
    return await submit(request, cmd)


async def set_output(request: web.Request) -> web.Response:
    output = path_id(request, "output", request.app[keys.CFG].outputs.aux)
    body: dict[str, Any] = await json_object(request, ("on",))
    return await submit(
        request, c.SetOutput(output=output, on=raw(body, "on"), actor=actor(request))
    )
