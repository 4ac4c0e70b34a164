"""Reading request bodies and query parameters strictly: JSON objects only, finite numbers."""

from __future__ import annotations

import json
import math
from collections.abc import Collection
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestPayloadError

from app.api.errors import BadRequest, UnreadableBody
from app.storage.timeparse import BadTime, parse_time
from control.errors import InvalidField

JSON_TYPES = ("application/json",)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _int(text: str) -> int | float:
    """Integers too large for a float become ±inf, which every numeric field rejects (422)."""
    value = int(text)
    if abs(value) > 1e308:
        return math.inf if value > 0 else -math.inf
    return value


def _float(text: str) -> float:
    """`-0.0` becomes 0.0 (adding +0.0 changes no other value), so it is never stored or echoed."""
    return float(text) + 0.0


class DuplicateKey(ValueError):
    """An object names the same key twice: which one was meant is not ours to guess."""

    def __init__(self, key: str) -> None:
        super().__init__(f"duplicate key {key!r}")
        self.key = key


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKey(key)
        out[key] = value
    return out


def parse_json(raw: bytes) -> Any:
    return json.loads(
        raw,
        parse_constant=_reject_constant,
        parse_int=_int,
        parse_float=_float,
        object_pairs_hook=_object,
    )


async def _read(request: web.Request) -> bytes:
    """The raw body; one that cannot be decoded (a bad Content-Encoding) is a 400."""
    try:
        return await request.read()
    except RequestPayloadError:
        encoding = request.headers.get("Content-Encoding", "identity")
        message = f"the body could not be decoded as Content-Encoding: {encoding}"
        raise UnreadableBody(message) from None


async def json_object(request: web.Request, allowed: Collection[str] = ()) -> dict[str, Any]:
    """The body as a JSON object ({} when empty). 400 for anything else; 422 for unknown keys."""
    raw = await _read(request)
    if not raw.strip():
        return {}
    if request.content_type not in JSON_TYPES:
        raise BadRequest(f"Content-Type must be application/json, not {request.content_type}")
    try:
        data = parse_json(raw)
    except DuplicateKey as err:
        raise BadRequest(f"malformed JSON: {err}", field=err.key) from None
    except (ValueError, RecursionError) as err:
        raise BadRequest(f"malformed JSON: {err}") from None
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    for key in data:
        if key not in allowed:
            raise InvalidField(
                key, f"unknown field {key!r}; expected {', '.join(allowed) or 'none'}"
            )
    return data


def raw(body: dict[str, Any], field: str) -> Any:
    """The field's JSON value as sent (None when missing): the core validates type and range."""
    return body.get(field)


def optional_bool(body: dict[str, Any], field: str, default: bool) -> bool:
    value = body.get(field, default)
    if not isinstance(value, bool):
        raise InvalidField(field, f"{field} must be true or false")
    return value


# -- query parameters ---------------------------------------------------------------------------
def q_int(request: web.Request, name: str, default: int, lo: int, hi: int) -> int:
    text = request.query.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise InvalidField(name, f"{name} must be an integer", lo, hi) from None
    if not lo <= value <= hi:
        raise InvalidField(name, f"{name} must be between {lo} and {hi}", lo, hi)
    return value


def q_float(request: web.Request, name: str, default: float, lo: float, hi: float) -> float:
    text = request.query.get(name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise InvalidField(name, f"{name} must be a number", lo, hi) from None
    if not math.isfinite(value) or not lo <= value <= hi:
        raise InvalidField(name, f"{name} must be between {lo:g} and {hi:g}", lo, hi)
    return value


def q_choice(request: web.Request, name: str, choices: tuple[str, ...]) -> str:
    value = request.query.get(name, choices[0])
    if value not in choices:
        raise InvalidField(name, f"{name} must be one of {', '.join(choices)}")
    return value


def q_time(request: web.Request, name: str, default: float, now_s: float) -> float:
    text = request.query.get(name)
    if text is None or text == "":
        return default
    try:
        return parse_time(text, now_s)
    except BadTime as err:
        raise InvalidField(name, str(err)) from None
