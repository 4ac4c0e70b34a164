"""History (JSON and CSV) and the audit log, read from the historian off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from aiohttp import web

from app.api import keys
from app.api.body import q_float, q_int, q_time
from app.storage.query import (
    MAX_POINTS,
    HistoryQuery,
    guarded,
    known_series,
    read_events,
    read_series,
    to_csv,
)
from app.storage.samples import sample_values
from control.errors import InvalidField, NotFound

AUDIT_KINDS = ("audit", "login")
DEFAULT_SPAN_S = 3600.0
FLUSH_WAIT_S = 2.0
T = TypeVar("T")


async def _db(request: web.Request) -> Path:
    """The historian file, after everything queued so far was committed (read-after-write)."""
    storage = request.app[keys.STORAGE]
    if storage is None:
        raise NotFound("this server has no historian")
    if storage.historian is not None:
        await asyncio.to_thread(storage.historian.flush, FLUSH_WAIT_S)
    return storage.db_path


async def _query(request: web.Request, path: Path) -> HistoryQuery:
    now = request.app[keys.MACHINE].clock.wall()
    until = q_time(request, "until", now, now)
    since = q_time(request, "since", until - DEFAULT_SPAN_S, now)
    step = q_float(request, "step_s", 1.0, 0.001, 86400.0 * 366)
    if since >= until:
        raise InvalidField("since", "since must be before until")
    query = HistoryQuery((), since, until, step)
    if query.buckets > MAX_POINTS:
        min_step = (until - since) / MAX_POINTS
        raise InvalidField("step_s", f"too many points: use step_s ≥ {min_step:.3g}", min_step)
    names = await _series(request, path)
    return HistoryQuery(tuple(names), since, until, step)


async def _series(request: web.Request, path: Path) -> list[str]:
    live = [name for name, _ in sample_values(request.app[keys.GATEWAY].snapshot())]
    stored = await _read(request, lambda: known_series(path))
    known = dict.fromkeys([*live, *stored])
    text = request.query.get("series", "").strip()
    if not text:
        return list(known)
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InvalidField("series", f"unknown series: {', '.join(unknown)}")
    return list(dict.fromkeys(names))


async def _read(request: web.Request, read: Callable[[], T]) -> T:
    """Read off the event loop; a damaged database is replaced and read again (never a 500)."""
    storage = request.app[keys.STORAGE]
    historian = storage.historian if storage is not None else None
    return await asyncio.to_thread(guarded, historian, read)


async def history(request: web.Request) -> web.Response:
    path = await _db(request)
    query = await _query(request, path)
    series = await _read(request, lambda: read_series(path, query))
    return web.json_response(
        {"since": query.since, "until": query.until, "step_s": query.step_s, "series": series}
    )


async def history_csv(request: web.Request) -> web.Response:
    path = await _db(request)
    query = await _query(request, path)
    series = await _read(request, lambda: read_series(path, query))
    text = await asyncio.to_thread(to_csv, series, query)
    return web.Response(text=text, content_type="text/csv")


async def audit(request: web.Request) -> web.Response:
    path = await _db(request)
    now = request.app[keys.MACHINE].clock.wall()
    since = q_time(request, "since", 0.0, now)
    until = q_time(request, "until", 1e11, now)
    limit = q_int(request, "limit", 100, 1, 10_000)
    events = await _read(request, lambda: read_events(path, AUDIT_KINDS, since, until, limit))
    return web.json_response({"events": events})
