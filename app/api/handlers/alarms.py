"""Alarms: list (active or all), acknowledge one or all, shelve a warning."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web

from app.api import keys
from app.api.body import json_object, q_choice, q_int, raw
from app.api.handlers import actor, int_id, submit
from control import commands as c
from control.errors import NotFound
from control.snapshot import AlarmView


def alarm_dict(view: AlarmView) -> dict[str, Any]:
    out = asdict(view)
    out["state"] = view.state
    return out


async def list_alarms(request: web.Request) -> web.Response:
    which = q_choice(request, "state", ("active", "all"))
    limit = q_int(request, "limit", 100, 1, 1000)
    gateway = request.app[keys.GATEWAY]
    views = list(gateway.snapshot().alarms)
    if which == "all":
        views += list(gateway.alarm_history())
    views.sort(key=lambda a: a.id, reverse=True)
    return web.json_response({"alarms": [alarm_dict(v) for v in views[:limit]]})


def _alarm_id(request: web.Request) -> int:
    text = request.match_info["id"]
    alarm_id = int_id(text)
    if alarm_id is None:
        raise NotFound(f"no alarm {text!r}", alarm_id=text)
    return alarm_id


async def ack(request: web.Request) -> web.Response:
    alarm_id = _alarm_id(request)
    await json_object(request)
    return await submit(request, c.AckAlarm(alarm_id=alarm_id, actor=actor(request)))


async def ack_all(request: web.Request) -> web.Response:
    await json_object(request)
    return await submit(request, c.AckAll(actor=actor(request)))


async def shelve(request: web.Request) -> web.Response:
    alarm_id = _alarm_id(request)
    body: dict[str, Any] = await json_object(request, ("duration_s",))
    cmd = c.ShelveAlarm(alarm_id=alarm_id, duration_s=raw(body, "duration_s"), actor=actor(request))
    return await submit(request, cmd)
