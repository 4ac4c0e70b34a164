"""Simulation-only routes: raw I/O and fault injection (404 when the machine is real hardware)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from app.api import keys
from app.api.body import json_object
from app.api.handlers import actor, int_id
from app.services.eventlog import log_audit
from control.errors import InvalidField


async def io(request: web.Request) -> web.Response:
    return web.json_response(request.app[keys.GATEWAY].sim_io())


async def list_faults(request: web.Request) -> web.Response:
    return web.json_response({"faults": request.app[keys.GATEWAY].sim_faults()})


async def add_fault(request: web.Request) -> web.Response:
    gateway = request.app[keys.GATEWAY]
    gateway.simulator_present()
    body = await json_object(request, ("kind", "target"))
    if "kind" not in body:
        raise InvalidField("kind", "kind is required")
    fault_id = gateway.inject_fault(body.get("kind"), body.get("target"))
    who = actor(request)
    _audit(request, "InjectFault", {**body, "id": fault_id}, who.who, who.role)
    await gateway.settle()
    return web.json_response({"id": fault_id})


async def clear_fault(request: web.Request) -> web.Response:
    text = request.match_info["id"]
    gateway = request.app[keys.GATEWAY]
    gateway.clear_fault(int_id(text), text)
    who = actor(request)
    _audit(request, "ClearFault", {"id": text}, who.who, who.role)
    await gateway.settle()
    return web.json_response({"cleared": 1})


async def clear_faults(request: web.Request) -> web.Response:
    gateway = request.app[keys.GATEWAY]
    count = gateway.clear_faults()
    who = actor(request)
    _audit(request, "ClearAllFaults", {}, who.who, who.role)
    await gateway.settle()
    return web.json_response({"cleared": count})


def _audit(request: web.Request, action: str, args: dict[str, Any], who: str, role: str) -> None:
    """Fault injection is not a core command; record it in the audit log ourselves."""
    record: dict[str, Any] = {"who": who, "role": role, "source": "rest", "action": action}
    record.update(args=args, result="applied")
    storage = request.app[keys.STORAGE]
    machine = request.app[keys.MACHINE]
    if storage is not None and storage.historian is not None:
        storage.historian.record("audit", machine.clock.wall(), record)
    log_audit(record)
