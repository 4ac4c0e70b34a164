"""Every command route: a 2xx is applied, shows in the next status, and lands in the audit log."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, MakeApi, V


async def _audit(api: Api, action: str) -> dict[str, Any]:
    code, body = await api.call("GET", f"{V}/audit", "engineer")
    assert code == 200
    event: dict[str, Any] = next(e for e in body["events"] if e.get("action") == action)
    return event


async def test_setpoint_reads_back_persists_and_is_audited(api: Api) -> None:
    code, body = await api.call("PUT", f"{V}/zones/nozzle", "operator", json={"setpoint_c": 215})
    assert (code, body) == (200, {"zone": "nozzle", "setpoint_c": 215.0})
    assert api.zone(await api.status(), "nozzle")["setpoint_c"] == 215
    code, settings = await api.call("GET", f"{V}/settings", "viewer")
    assert settings["zones"]["nozzle"]["setpoint_c"] == 215
    event = await _audit(api, "SetSetpoint")
    assert event["who"] == "operator-user" and event["role"] == "operator"
    assert event["source"] == "rest" and event["result"] == "applied"
    assert (event["old"], event["new"]) == (210.0, 215.0)


async def test_refused_commands_are_audited_as_refused(api: Api) -> None:
    await api.call("PUT", f"{V}/zones/nozzle", "operator", json={"setpoint_c": 900})
    event = await _audit(api, "SetSetpoint")
    assert event["result"] == "refused" and event["error"]["field"] == "setpoint_c"


async def test_pid_gains_apply_live(api: Api) -> None:
    gains = {"kp": 0.1, "ki": 0.001, "kd": 3.0}
    code, _ = await api.call("PUT", f"{V}/zones/barrel/pid", "engineer", json=gains)
    assert code == 200
    assert api.zone(await api.status(), "barrel")["pid"] == gains
    code, body = await api.call("PUT", f"{V}/zones/barrel/pid", "engineer", json={"kp": 1})
    assert code == 422 and body["error"]["field"] == "ki"


async def test_manual_mode_duty_drives_the_heater(api: Api) -> None:
    code, body = await api.call("PUT", f"{V}/machine/mode", "engineer", json={"mode": "manual"})
    assert code == 200 and body["mode"] == "manual"
    code, _ = await api.call("PUT", f"{V}/zones/barrel/manual", "engineer", json={"duty": 0.5})
    assert code == 200
    api.run_for(2)
    snap = await api.status()
    assert snap["mode"] == "manual"
    assert api.zone(snap, "barrel")["duty"] == 0.5
    code, body = await api.call("PUT", f"{V}/machine/mode", "engineer", json={"mode": "turbo"})
    assert code == 422 and body["error"]["field"] == "mode"


async def test_jog_is_refused_on_a_cold_machine(api: Api) -> None:
    await api.call("PUT", f"{V}/machine/mode", "engineer", json={"mode": "manual"})
    body = {"rpm": 5, "duration_s": 2}
    code, resp = await api.call("POST", f"{V}/motors/screw/jog", "engineer", json=body)
    assert code == 409 and "minimum extrusion" in resp["error"]["message"]
    code, resp = await api.call("POST", f"{V}/motors/screw/jog", "engineer", json={"rpm": 5})
    assert code == 422 and resp["error"]["field"] == "duration_s"
    assert all(not m["running"] for m in (await api.status())["motors"])


async def test_motor_run_speed_reads_back(api: Api) -> None:
    code, _ = await api.call("PUT", f"{V}/motors/feeder", "operator", json={"rpm": 12.5})
    assert code == 200
    feeder = next(m for m in (await api.status())["motors"] if m["id"] == "feeder")
    assert feeder["run_rpm"] == 12.5
    code, body = await api.call("PUT", f"{V}/motors/feeder", "operator", json={"rpm": 41})
    assert code == 422 and body["error"]["max"] == 40


async def test_aux_output_switches_the_pin(api: Api) -> None:
    code, _ = await api.call("PUT", f"{V}/outputs/nozzle_fan", "operator", json={"on": True})
    assert code == 200
    api.run_for(0.1)
    outputs = {o["id"]: o["on"] for o in (await api.status())["outputs"]}
    assert outputs["nozzle_fan"] is True
    code, io = await api.call("GET", f"{V}/sim/io", "viewer")
    assert io["outputs"]["nozzle_fan"]["on"] is True


async def test_preheat_then_stop(api: Api) -> None:
    code, body = await api.call("POST", f"{V}/machine/preheat", "operator")
    assert code == 200 and body["state"] == "heating"
    assert (await api.status())["state"] == "heating"
    code, body = await api.call("POST", f"{V}/machine/stop", "operator")
    assert code == 200
    api.run_for(1)
    assert (await api.status())["state"] == "idle"


async def test_remote_start_when_allowed(make_api: MakeApi) -> None:
    api = await make_api(**{"api.allow_remote_start": True})
    code, body = await api.call("POST", f"{V}/machine/start", "operator")
    assert code == 200 and body["state"] == "heating"
    assert (await api.status())["state"] == "heating"
    await api.call("POST", f"{V}/machine/estop", "operator")
    code, body = await api.call("POST", f"{V}/machine/start", "operator")
    assert code == 409 and "trip" in body["error"]["message"]


async def test_estop_latches_and_reset_needs_ack(api: Api) -> None:
    code, body = await api.call("POST", f"{V}/machine/estop", "operator")
    assert code == 200 and body["state"] == "fault"
    snap = await api.status()
    assert snap["state"] == "fault"
    assert any(a["code"] == "estop" and a["severity"] == "trip" for a in snap["alarms"])
    code, body = await api.call("POST", f"{V}/machine/reset", "operator")
    assert code == 409
    assert body["error"]["causes"][0]["code"] == "estop"
    code, body = await api.call("POST", f"{V}/machine/reset", "operator", json={"ack": True})
    assert code == 200 and body["state"] == "idle"
    assert (await api.status())["alarms"] == []


async def test_alarms_list_ack_and_history(api: Api) -> None:
    await api.call("POST", f"{V}/machine/estop", "operator")
    code, body = await api.call("GET", f"{V}/alarms", "viewer")
    alarm = body["alarms"][0]
    assert alarm["acked_at"] is None and alarm["state"] == "unacked"
    code, body = await api.call("POST", f"{V}/alarms/{alarm['id']}/ack", "operator")
    assert code == 200 and body["alarm"]["acked_at"] is not None
    await api.call("POST", f"{V}/machine/reset", "operator")
    code, body = await api.call("GET", f"{V}/alarms?state=all&limit=5", "viewer")
    assert [a["id"] for a in body["alarms"]] == [alarm["id"]]
    assert body["alarms"][0]["cleared_at"] is not None
    assert (await api.call("GET", f"{V}/alarms", "viewer"))[1]["alarms"] == []
    assert (await api.call("GET", f"{V}/alarms?limit=0", "viewer"))[0] == 422
    assert (await api.call("GET", f"{V}/alarms?state=some", "viewer"))[0] == 422


async def test_ack_all_and_shelving_a_warning(api: Api) -> None:
    code, body = await api.call("POST", f"{V}/sim/faults", "operator", json={"kind": "disk_full"})
    assert code == 200
    api.storage.historian.flush()  # type: ignore[union-attr]
    api.run_for(0.1)
    warning = next(a for a in (await api.status())["alarms"] if a["code"] == "disk_full")
    code, shelved = await api.call(
        "POST", f"{V}/alarms/{warning['id']}/shelve", "engineer", json={"duration_s": 60}
    )
    assert code == 200 and shelved["alarm"]["shelved_until"] is not None
    code, body = await api.call("POST", f"{V}/alarms/ack-all", "operator")
    assert code == 200 and body["acked"] == 1
    assert all(a["acked_at"] for a in (await api.status())["alarms"])


async def test_autotune_start_progress_abort_and_apply(api: Api) -> None:
    path = f"{V}/zones/nozzle/autotune"
    gains = api.zone(await api.status(), "nozzle")["pid"]
    assert await api.call("GET", path, "engineer") == (200, {"zone": "nozzle", "state": "idle"})
    code, body = await api.call("POST", path, "engineer", json={"setpoint_c": 200})
    assert code == 200 and body["state"] == "running"
    api.run_for(1)
    assert (await api.call("GET", path, "engineer"))[1]["state"] == "running"
    code, body = await api.call("DELETE", path, "engineer")
    assert code == 200
    assert body["state"] == "failed" and body["reason"] == "aborted"
    code, _ = await api.call("POST", f"{path}/apply", "engineer")
    assert code == 409
    assert api.zone(await api.status(), "nozzle")["pid"] == gains


async def test_hmi_disabled_refuses_control_but_stop_and_estop_work(api: Api) -> None:
    code, body = await api.call("PUT", f"{V}/settings", "admin", json={"hmi_enabled": False})
    assert code == 200 and body == {"hmi_enabled": False}
    assert (await api.call("GET", f"{V}/settings", "viewer"))[1]["hmi_enabled"] is False
    assert (await api.call("POST", f"{V}/machine/preheat", "operator"))[0] == 423
    assert (await api.call("PUT", f"{V}/outputs/nozzle_fan", "operator", json={"on": True}))[
        0
    ] == 423
    assert (await api.call("POST", f"{V}/machine/stop", "operator"))[0] == 200
    assert (await api.call("POST", f"{V}/machine/estop", "operator"))[0] == 200
    assert (await api.call("PUT", f"{V}/settings", "engineer", json={"hmi_enabled": True}))[
        0
    ] == 403
