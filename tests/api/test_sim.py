"""Simulation-only routes: raw I/O, fault injection and clearing; 404 on real hardware."""

from __future__ import annotations

import dataclasses

import pytest

from app.api.app import create_app
from app.api.routes import ROUTES
from tests.api.conftest import Api, V


async def test_sim_io_shows_pins_and_plant(api: Api) -> None:
    code, io = await api.call("GET", f"{V}/sim/io", "viewer")
    assert code == 200
    assert io["estop_ok"] is True
    assert set(io["zones"]["barrel"]) >= {"ssr_on", "duty_window"}
    assert set(io["motors"]["screw"]) >= {"enabled", "dir", "step_hz"}
    assert io["zones"]["barrel"]["ssr_on"] is False


async def test_an_injected_thermocouple_fault_trips_and_clears(api: Api) -> None:
    await api.call("POST", f"{V}/machine/preheat", "operator")
    body = {"kind": "tc_open", "target": "barrel"}
    code, resp = await api.call("POST", f"{V}/sim/faults", "operator", json=body)
    assert code == 200 and isinstance(resp["id"], int)
    api.run_for(1)
    snap = await api.status()
    assert snap["state"] == "fault"
    assert api.zone(snap, "barrel")["fault"] == "tc_open"
    code, listing = await api.call("GET", f"{V}/sim/faults", "viewer")
    assert [f["kind"] for f in listing["faults"]] == ["tc_open"]
    assert (await api.call("DELETE", f"{V}/sim/faults/{resp['id']}", "operator"))[0] == 200
    assert (await api.call("DELETE", f"{V}/sim/faults/{resp['id']}", "operator"))[0] == 404
    api.run_for(1)
    code, _ = await api.call("POST", f"{V}/machine/reset", "operator", json={"ack": True})
    assert code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "meteor"}, "kind"),
        ({"target": "barrel"}, "kind"),
        ({"kind": "tc_open", "target": "screw"}, "target"),
        ({"kind": "driver_alarm", "target": 7}, "target"),
        ({"kind": ["estop"]}, "kind"),
    ],
)
async def test_bad_fault_requests_are_422_and_inject_nothing(
    api: Api, body: dict[str, object], field: str
) -> None:
    code, resp = await api.call("POST", f"{V}/sim/faults", "operator", json=body)
    assert code == 422 and resp["error"]["field"] == field
    assert (await api.call("GET", f"{V}/sim/faults", "viewer"))[1]["faults"] == []


async def test_clear_all_faults(api: Api) -> None:
    for kind in ("estop", "disk_full"):
        await api.call("POST", f"{V}/sim/faults", "operator", json={"kind": kind})
    code, body = await api.call("DELETE", f"{V}/sim/faults", "operator")
    assert (code, body) == (200, {"cleared": 2})
    api.run_for(0.5)
    io = (await api.call("GET", f"{V}/sim/io", "viewer"))[1]
    assert io["estop_ok"] is True and io["faults"] == []


async def test_sim_routes_are_404_on_real_hardware(api: Api, aiohttp_client: object) -> None:
    """The same core behind a machine without a simulator (as with --hw)."""
    io = dataclasses.replace(api.machine.io, extras={})
    hardware = dataclasses.replace(api.machine, io=io, backend="hw")
    client = await aiohttp_client(create_app(hardware, hardware.cfg, api.storage))  # type: ignore[operator]
    auth = {"Authorization": f"Bearer {api.tokens['admin']}"}
    for route in [r for r in ROUTES if r.sim_only]:
        path = route.path.replace("{id}", "1")
        resp = await client.request(route.method, path, headers=auth, json={"kind": "estop"})
        assert resp.status == 404, route.path
    assert (await client.get(f"{V}/status", headers=auth)).status == 200
