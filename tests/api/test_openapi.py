"""The OpenAPI document describes exactly the routes that exist, with API.md's paths."""

from __future__ import annotations

from collections.abc import Iterator

from control.alarms import WARNING
from control.safety import WARN, Condition
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


def _bodies(doc: dict) -> Iterator[tuple[str, str, dict]]:  # type: ignore[type-arg]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            body = op.get("requestBody")
            if body:
                yield path, method.upper(), body["content"]["application/json"]["schema"]


async def test_every_numeric_body_field_states_its_limits(api: Api) -> None:
    doc = await _doc(api)
    numeric = [
        (method, path, name, prop)
        for path, method, schema in _bodies(doc)
        for name, prop in schema["properties"].items()
        if prop.get("type") == "number"
    ]
    assert len(numeric) >= 10
    for method, path, name, prop in numeric:
        assert {"minimum", "maximum"} <= set(prop), (method, path, name)


async def _warning_alarm(api: Api) -> int:
    """A live warning (shelving needs one), reported the way storage reports a full disk."""
    warning = Condition("disk_full", "machine", WARNING, WARN, "disk full")
    api.machine.core.report_condition(warning, present=True)
    api.run_for(0.2)
    _, body = await api.call("GET", f"{V}/alarms", "viewer")
    return next(a["id"] for a in body["alarms"] if a["severity"] == "warning")


def _cases(prop: dict, ids: list[str]) -> Iterator[tuple[str, float, float]]:  # type: ignore[type-arg]
    """(id, min, max) for every id the limits differ over (or the first id when they do not)."""
    by_id = prop.get("x-limits-by-id")
    if by_id:
        for ident, lim in by_id.items():
            yield ident, lim["minimum"], lim["maximum"]
    else:
        yield ids[0], prop["minimum"], prop["maximum"]


async def test_documented_limits_are_the_enforced_limits(api: Api) -> None:
    """At each documented bound the core does not answer 422; just beyond it, it does, and its
    error names the same bounds. Compares the published document with behaviour, per id."""
    doc = await _doc(api)
    ids = {"zones": list(api.machine.cfg.zones), "motors": list(api.machine.cfg.motors),
           "alarms": [str(await _warning_alarm(api))]}  # fmt: skip
    checked = 0
    for path, method, schema in _bodies(doc):
        props = schema["properties"]
        base = {n: p["minimum"] for n, p in props.items() if p.get("type") == "number"}
        for name in base:
            kind = path.removeprefix(f"{V}/").split("/")[0]
            for ident, lo, hi in _cases(props[name], ids.get(kind, [""])):
                url = path.replace("{id}", ident)
                for value, bad in ((lo, False), (hi, False), (_beyond(lo, -1), True),
                                   (_beyond(hi, 1), True)):  # fmt: skip
                    code, body = await api.call(method, url, "admin", json={**base, name: value})
                    where = (method, url, name, value, body)
                    if bad:
                        assert code == 422 and body["error"]["field"] == name, where
                        assert (body["error"]["min"], body["error"]["max"]) == (lo, hi), where
                    else:
                        assert code != 422 and code < 500, where
                checked += 1
    assert checked >= 12


def _beyond(bound: float, sign: int) -> float:
    return bound + sign * max(abs(bound) * 1e-6, 1e-3)
