"""Request bodies: duplicate keys, negative zero, Content-Encoding (issue 11, item 17)."""

from __future__ import annotations

import gzip
import json
import math

import pytest

from tests.api.conftest import Api, V

SETPOINT = f"{V}/zones/barrel"
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b'{"setpoint_c": 100, "setpoint_c": 190}', "setpoint_c"),
        (b'{"setpoint_c": 190, "x": {"a": 1, "a": 2}}', "a"),
    ],
)
async def test_duplicate_keys_are_400_naming_the_key(api: Api, data: bytes, key: str) -> None:
    code, body = await api.call("PUT", SETPOINT, "operator", data=data, headers=JSON)
    assert code == 400, body
    assert body["error"]["code"] == "bad_request" and body["error"]["field"] == key
    assert repr(key) in body["error"]["message"]
    assert api.zone(await api.status(), "barrel")["setpoint_c"] == 200


@pytest.mark.parametrize("zero", [b"-0.0", b"-0e0", b"-0"])
async def test_negative_zero_is_stored_and_shown_as_zero(api: Api, zero: bytes) -> None:
    data = b'{"setpoint_c": ' + zero + b"}"
    resp = await api.client.put(
        SETPOINT, data=data, headers={**JSON, "Authorization": f"Bearer {api.tokens['operator']}"}
    )
    assert resp.status == 200
    assert b"-0" not in await resp.read()
    status = await api.client.get(
        f"{V}/status", headers={"Authorization": f"Bearer {api.tokens['viewer']}"}
    )
    text = await status.text()
    barrel = api.zone(json.loads(text), "barrel")
    assert barrel["setpoint_c"] == 0 and math.copysign(1.0, barrel["setpoint_c"]) == 1.0
    assert "-0.0" not in text


async def test_a_plain_body_labelled_gzip_is_400_not_500(api: Api) -> None:
    headers = {**JSON, "Content-Encoding": "gzip"}
    code, body = await api.call(
        "PUT", SETPOINT, "operator", data=b'{"setpoint_c": 190}', headers=headers
    )
    assert code == 400, body
    assert body["error"]["code"] == "bad_request" and "gzip" in body["error"]["message"]
    assert api.zone(await api.status(), "barrel")["setpoint_c"] == 200


async def test_a_real_gzip_body_is_accepted(api: Api) -> None:
    headers = {**JSON, "Content-Encoding": "gzip"}
    data = gzip.compress(b'{"setpoint_c": 190}')
    code, body = await api.call("PUT", SETPOINT, "operator", data=data, headers=headers)
    assert code == 200, body
    assert api.zone(await api.status(), "barrel")["setpoint_c"] == 190


async def test_a_gzip_bomb_is_413(api: Api) -> None:
    headers = {**JSON, "Content-Encoding": "gzip"}
    data = gzip.compress(b'{"setpoint_c": 190, "pad": "' + b" " * 10_000_000 + b'"}')
    code, body = await api.call("PUT", SETPOINT, "operator", data=data, headers=headers)
    assert code == 413, body
