"""Thin request handlers: parse, check the path ids, submit a command, render the result."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from app.api import keys
from control.commands import Actor, Command
from control.errors import NotFound


def actor(request: web.Request) -> Actor:
    principal = request.get(keys.PRINCIPAL)
    assert principal is not None, "route without a role submitted a command"
    who: Actor = principal.actor()
    return who


async def submit(request: web.Request, cmd: Command) -> web.Response:
    """Run a command through the core and answer 200 with its result."""
    result = await request.app[keys.GATEWAY].call(cmd)
    return web.json_response(result if result is not None else {})


_INT_ID = re.compile(r"[0-9]{1,12}")


def int_id(text: str) -> int | None:
    """A numeric path id (ASCII digits only: '¹'.isdigit() is true but int('¹') fails)."""
    return int(text) if _INT_ID.fullmatch(text) else None


def path_id(request: web.Request, group: str, known: Any) -> str:
    """The `{id}` path parameter; 404 unless it names a configured item of `group`."""
    ident = request.match_info["id"]
    if ident not in known:
        raise NotFound(f"no {group} {ident!r}", **{group: ident})
    return ident
