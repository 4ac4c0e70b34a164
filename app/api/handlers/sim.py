"""Simulation-only routes: raw I/O and fault injection (404 when the machine is real hardware)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from app.api import keys
from app.api.body import json_object
from app.api.handlers import actor, int_id
from app.eventlog import log_audit
from control.errors import InvalidField, NotFound


def _sim(request: web.Request) -> Any:
    sim = request.app[keys.MACHINE].sim
    if sim is None:
        raise NotFound("simulation routes exist only with --sim")
    return sim


async def _settle(request: web.Request) -> None:
    """Let the core see an injected or cleared fault before answering (one tick)."""
    machine = request.app[keys.MACHINE]
    if machine.virtual is not None:
        machine.virtual.step()
        return
    target = machine.core.snapshot.loop.ticks + 1
    for _ in range(500):
        if machine.core.snapshot.loop.ticks >= target:
            return
        await asyncio.sleep(0.001)


async def io(request: web.Request) -> web.Response:
    return web.json_response(_sim(request).io_view())


async def list_faults(request: web.Request) -> web.Response:
    return web.json_response({"faults": _sim(request).faults.active()})


async def add_fault(request: web.Request) -> web.Response:
    from hw.sim.faults import SimFaultError

    sim = _sim(request)
    body = await json_object(request, ("kind", "target"))
    if "kind" not in body:
        raise InvalidField("kind", "kind is required")
    try:
        fault_id = sim.faults.inject(body.get("kind"), body.get("target"))
    except SimFaultError as err:
        raise InvalidField(err.field, err.message) from None
    who = actor(request)
    _audit(request, "InjectFault", {**body, "id": fault_id}, who.who, who.role)
    await _settle(request)
    return web.json_response({"id": fault_id})


async def clear_fault(request: web.Request) -> web.Response:
    from hw.sim.faults import UnknownFault

    sim = _sim(request)
    text = request.match_info["id"]
    try:
        sim.faults.clear(int_id(text))
    except UnknownFault:
        raise NotFound(f"no active simulated fault {text!r}", fault_id=text) from None
    who = actor(request)
    _audit(request, "ClearFault", {"id": text}, who.who, who.role)
    await _settle(request)
    return web.json_response({"cleared": 1})


async def clear_faults(request: web.Request) -> web.Response:
    count = _sim(request).faults.clear_all()
    who = actor(request)
    _audit(request, "ClearAllFaults", {}, who.who, who.role)
    await _settle(request)
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
