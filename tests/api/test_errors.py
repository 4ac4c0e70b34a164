"""Error codes, the JSON envelope and the check order 401 → 403 → 404 → 400 → 422 → 423 → 409."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, V

SETPOINT = f"{V}/zones/barrel"


async def _unchanged(api: Api) -> None:
    snap = await api.status()
    assert api.zone(snap, "barrel")["setpoint_c"] == 200
    assert snap["state"] == "idle"


async def test_error_envelope_carries_code_message_and_the_request_id(api: Api) -> None:
    resp = await api.client.put(
        SETPOINT,
        json={"setpoint_c": 999},
        headers={"Authorization": f"Bearer {api.tokens['operator']}", "X-Request-Id": "abc-123"},
    )
    body = await resp.json()
    assert resp.status == 422
    assert resp.headers["X-Request-Id"] == "abc-123"
    assert body["error"]["request_id"] == "abc-123"
    assert body["error"] == {
        "code": "invalid_field",
        "message": "setpoint_c must be between 0 and 260",
        "field": "setpoint_c",
        "min": 0.0,
        "max": 260.0,
        "request_id": "abc-123",
    }


async def test_a_hostile_request_id_is_replaced(api: Api) -> None:
    hostile = 'x", "level": "fake' + "y" * 200
    resp = await api.client.get("/health", headers={"X-Request-Id": hostile})
    assert resp.headers["X-Request-Id"] != hostile
    assert len(resp.headers["X-Request-Id"]) == 32


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (f"{V}/zones/nope", {"setpoint_c": 190}),
        (f"{V}/motors/nope", {"rpm": 10}),
        (f"{V}/outputs/nope", {"on": True}),
        (f"{V}/zones/nope/pid", {"kp": 1, "ki": 0, "kd": 0}),
    ],
)
async def test_unknown_ids_are_404(api: Api, path: str, body: dict[str, object]) -> None:
    code, resp = await api.call("PUT", path, "engineer", json=body)
    assert code == 404
    assert resp["error"]["code"] == "not_found"


async def test_unknown_alarm_route_and_method(api: Api) -> None:
    assert (await api.call("POST", f"{V}/alarms/999/ack", "operator"))[0] == 404
    assert (await api.call("POST", f"{V}/alarms/abc/ack", "operator"))[0] == 404
    assert (await api.call("GET", f"{V}/nothing-here", "viewer"))[0] == 404
    assert (await api.call("GET", f"{V}/nothing-here", None))[0] == 401
    code, body = await api.call("DELETE", f"{V}/status", "viewer")
    assert code == 405 and body["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("data", "ctype"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'"setpoint"', "application/json"),
        (b'{"setpoint_c": NaN}', "application/json"),
        (b'{"setpoint_c": Infinity}', "application/json"),
        (b'{"setpoint_c": 190}', "text/plain"),
        (b"setpoint_c=190", "application/x-www-form-urlencoded"),
        (b"\xff\xfe{", "application/json"),
    ],
)
async def test_malformed_bodies_are_400_and_change_nothing(
    api: Api, data: bytes, ctype: str
) -> None:
    code, body = await api.call(
        "PUT", SETPOINT, "operator", data=data, headers={"Content-Type": ctype}
    )
    assert code == 400, body
    assert body["error"]["code"] == "bad_request"
    await _unchanged(api)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "setpoint_c"),
        ({"setpoint_c": "190"}, "setpoint_c"),
        ({"setpoint_c": True}, "setpoint_c"),
        ({"setpoint_c": None}, "setpoint_c"),
        ({"setpoint_c": [190]}, "setpoint_c"),
        ({"setpoint_c": -1}, "setpoint_c"),
        ({"setpoint_c": 190, "extra": 1}, "extra"),
    ],
)
async def test_bad_fields_are_422_naming_the_field(
    api: Api, body: dict[str, object], field: str
) -> None:
    code, resp = await api.call("PUT", SETPOINT, "operator", json=body)
    assert code == 422, resp
    assert resp["error"]["field"] == field
    await _unchanged(api)


@pytest.mark.parametrize("number", [b"1" + b"0" * 400, b"-1" + b"0" * 400, b"1e999", b"-1e999"])
async def test_numbers_beyond_float_range_are_422_not_a_crash(api: Api, number: bytes) -> None:
    data = b'{"setpoint_c": ' + number + b"}"
    code, body = await api.call(
        "PUT", SETPOINT, "operator", data=data, headers={"Content-Type": "application/json"}
    )
    assert code == 422 and body["error"]["field"] == "setpoint_c"
    await _unchanged(api)


async def test_string_false_is_not_a_boolean(api: Api) -> None:
    code, body = await api.call("PUT", f"{V}/outputs/nozzle_fan", "operator", json={"on": "false"})
    assert code == 422 and body["error"]["field"] == "on"
    code, body = await api.call("POST", f"{V}/machine/reset", "operator", json={"ack": "true"})
    assert code == 422 and body["error"]["field"] == "ack"
    code, body = await api.call("PUT", f"{V}/settings", "admin", json={"hmi_enabled": 0})
    assert code == 422 and body["error"]["field"] == "hmi_enabled"
    assert (await api.status())["hmi_enabled"] is True


async def test_a_large_body_is_rejected_without_a_5xx(api: Api) -> None:
    data = b'{"setpoint_c": 190, "pad": "' + b"x" * 100_000 + b'"}'
    code, _ = await api.call(
        "PUT", SETPOINT, "operator", data=data, headers={"Content-Type": "application/json"}
    )
    assert code == 413
    await _unchanged(api)


async def test_order_403_before_404_before_400_before_422(api: Api) -> None:
    bad = {"data": b"[", "headers": {"Content-Type": "application/json"}}
    assert (await api.call("PUT", f"{V}/zones/nope", "viewer", **bad))[0] == 403
    assert (await api.call("PUT", f"{V}/zones/nope", "operator", **bad))[0] == 404
    assert (await api.call("PUT", SETPOINT, "operator", **bad))[0] == 400
    assert (await api.call("PUT", SETPOINT, "operator", json={"setpoint_c": 999}))[0] == 422


async def test_order_422_before_423_before_409(api: Api) -> None:
    assert (await api.call("PUT", f"{V}/settings", "admin", json={"hmi_enabled": False}))[0] == 200
    assert (await api.status())["state"] == "disabled"
    code, _ = await api.call("PUT", SETPOINT, "operator", json={"setpoint_c": 999})
    assert code == 422, "a bad value is a 422 in every state"
    code, body = await api.call("PUT", SETPOINT, "operator", json={"setpoint_c": 190})
    assert code == 423 and body["error"]["code"] == "hmi_disabled"
    code, _ = await api.call("PUT", f"{V}/zones/barrel/manual", "engineer", json={"duty": 0.5})
    assert code == 423, "disabled wins over 'not in manual mode'"
    assert api.zone(await api.status(), "barrel")["setpoint_c"] == 200


async def test_state_conflicts_are_409_and_change_nothing(api: Api) -> None:
    code, body = await api.call("PUT", f"{V}/zones/barrel/manual", "engineer", json={"duty": 0.5})
    assert code == 409 and "manual" in body["error"]["message"]
    code, body = await api.call("POST", f"{V}/machine/reset", "operator")
    assert code == 409
    assert api.zone(await api.status(), "barrel")["duty"] == 0


async def test_remote_start_is_403_unless_configured(api: Api) -> None:
    code, body = await api.call("POST", f"{V}/machine/start", "admin")
    assert code == 403 and "allow_remote_start" in body["error"]["message"]
    assert (await api.status())["state"] == "idle"


@pytest.mark.parametrize("ident", ["¹", "٣", "1" * 13, "-1", "1.0"])
async def test_non_ascii_or_odd_numeric_ids_are_404(api: Api, ident: str) -> None:
    """Found by the fuzzer: '¹'.isdigit() is true, int('¹') raises."""
    assert (await api.call("POST", f"{V}/alarms/{ident}/ack", "operator"))[0] == 404
    assert (await api.call("DELETE", f"{V}/sim/faults/{ident}", "operator"))[0] == 404
