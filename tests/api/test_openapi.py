"""The OpenAPI document describes exactly the routes that exist, with API.md's paths."""

from __future__ import annotations

from tests.api.conftest import Api, V

# Every route of API.md (method, path), in the contract's own spelling.
CONTRACT = {
    ("GET", "/health"), ("GET", "/metrics"), ("GET", f"{V}/status"), ("GET", f"{V}/config"),
    ("GET", f"{V}/alarms"), ("POST", f"{V}/alarms/{{id}}/ack"), ("POST", f"{V}/alarms/ack-all"),
    ("POST", f"{V}/machine/start"), ("POST", f"{V}/machine/preheat"),
    ("POST", f"{V}/machine/stop"), ("POST", f"{V}/machine/estop"), ("POST", f"{V}/machine/reset"),
    ("PUT", f"{V}/machine/mode"), ("PUT", f"{V}/zones/{{id}}"), ("PUT", f"{V}/zones/{{id}}/pid"),
    ("PUT", f"{V}/zones/{{id}}/manual"), ("POST", f"{V}/zones/{{id}}/autotune"),
    ("GET", f"{V}/zones/{{id}}/autotune"), ("DELETE", f"{V}/zones/{{id}}/autotune"),
    ("POST", f"{V}/zones/{{id}}/autotune/apply"), ("PUT", f"{V}/motors/{{id}}"),
    ("POST", f"{V}/motors/{{id}}/jog"), ("PUT", f"{V}/outputs/{{id}}"),
    ("GET", f"{V}/settings"), ("PUT", f"{V}/settings"), ("GET", f"{V}/history"),
    ("GET", f"{V}/history.csv"), ("GET", f"{V}/audit"), ("GET", f"{V}/openapi.json"),
    ("GET", f"{V}/sim/io"), ("POST", f"{V}/sim/faults"), ("DELETE", f"{V}/sim/faults/{{id}}"),
    ("DELETE", f"{V}/sim/faults"),
}  # fmt: skip


async def _doc(api: Api) -> dict:  # type: ignore[type-arg]
    code, doc = await api.call("GET", f"{V}/openapi.json", None)
    assert code == 200
    return doc  # type: ignore[no-any-return]


async def test_document_matches_the_registered_routes(api: Api) -> None:
    doc = await _doc(api)
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    registered = {
        (r.method, r.resource.canonical)
        for r in api.client.app.router.routes()
        if r.resource is not None and r.method != "HEAD"
    }
    assert documented == registered


async def test_every_contract_route_exists(api: Api) -> None:
    doc = await _doc(api)
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    assert documented >= CONTRACT, CONTRACT - documented


async def test_operations_declare_bodies_roles_and_error_envelopes(api: Api) -> None:
    doc = await _doc(api)
    assert doc["openapi"].startswith("3.")
    setpoint = doc["paths"][f"{V}/zones/{{id}}"]["put"]
    body = setpoint["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["setpoint_c"] and body["additionalProperties"] is False
    assert {"400", "401", "403", "404", "409", "422", "423"} <= set(setpoint["responses"])
    assert setpoint["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert doc["paths"]["/health"]["get"]["security"] == []
    assert doc["paths"][f"{V}/status"]["get"]["security"] == [{"bearer": []}]
    assert "Role: engineer" in doc["paths"][f"{V}/zones/{{id}}/pid"]["put"]["description"]
