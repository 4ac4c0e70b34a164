"""/health follows the loop, the sensors and storage; /metrics shows the machine in base units."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from app.api.app import create_app
from app.services.machine import build_machine
from control.runner import RealTimeRunner
from hw.clock import VirtualClock
from tests.api.conftest import Api, MakeApi, V
from tests.support import config_with


async def test_health_is_ok_with_version_and_every_check(api: Api) -> None:
    code, body = await api.call("GET", "/health", None)
    assert code == 200
    assert body["status"] == "ok" and body["version"] and body["state"] == "idle"
    assert set(body["checks"]) == {"control_loop", "sensors", "storage", "config"}
    assert body["checks"]["control_loop"]["last_tick_age_s"] == 0
    assert body["checks"]["sensors"]["sensors"]["barrel"]["ok"] is True


async def test_health_fails_when_the_loop_stops_ticking(api: Api) -> None:
    api.machine.clock.advance(3.0)  # time passes, no tick: the loop is stalled
    code, body = await api.call("GET", "/health", None)
    assert code == 503
    assert body["status"] == "failing"
    assert body["checks"]["control_loop"]["status"] == "failing"
    assert body["checks"]["control_loop"]["last_tick_age_s"] == 3.0


async def test_health_names_a_stale_sensor(api: Api) -> None:
    fault = {"kind": "sensor_frozen", "target": "feed_throat"}
    await api.call("POST", f"{V}/sim/faults", "operator", json=fault)
    api.run_for(2)
    code, body = await api.call("GET", "/health", None)
    assert code == 503
    assert body["checks"]["sensors"]["status"] == "failing"
    assert "feed_throat" in body["checks"]["sensors"]["message"]


async def test_a_full_disk_degrades_health_but_keeps_200(api: Api) -> None:
    await api.call("POST", f"{V}/sim/faults", "operator", json={"kind": "disk_full"})
    api.run_for(1.5)
    assert api.storage.historian is not None
    api.storage.historian.flush()
    code, body = await api.call("GET", "/health", None)
    assert code == 200 and body["status"] == "degraded"
    assert body["checks"]["storage"]["disk_full"] is True
    assert body["checks"]["storage"]["dropped"] >= 1


async def test_metrics_are_prometheus_text_with_base_units(api: Api) -> None:
    snap = await api.status()
    resp = await api.client.get("/metrics")
    text = await resp.text()
    assert resp.status == 200 and resp.content_type == "text/plain"
    barrel = api.zone(snap, "barrel")
    temp = re.search(r'^tvemicro_zone_temperature_celsius\{zone="barrel"\} (\S+)$', text, re.M)
    assert temp and float(temp.group(1)) == barrel["temperature_c"]
    assert re.search(r'^tvemicro_zone_setpoint_celsius\{zone="barrel"\} 200\.0$', text, re.M)
    for name in (
        "tvemicro_zone_duty_ratio",
        "tvemicro_sensor_age_seconds",
        "tvemicro_sensor_read_errors_total",
        "tvemicro_motor_speed_revolutions_per_second",
        "tvemicro_alarms_active",
        "tvemicro_loop_overruns_total",
        "tvemicro_loop_tick_duration_seconds_bucket",
        "tvemicro_http_request_duration_seconds_bucket",
    ):
        assert f"\n{name}" in text, name
    names = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line[:1] != "#"}
    assert all(n.startswith("tvemicro_") for n in names)


async def test_trips_are_counted_by_reason_and_requests_by_route(api: Api) -> None:
    await api.call("POST", f"{V}/machine/estop", "operator")
    text = await (await api.client.get("/metrics")).text()
    assert 'tvemicro_trips_total{reason="estop"} 1.0' in text
    assert re.search(
        r'tvemicro_http_request_duration_seconds_count\{method="POST",'
        r'route="/api/v1/machine/estop",status="200"\} 1\.0',
        text,
    )
    assert 'tvemicro_machine_state{state="fault"} 1.0' in text


async def test_failed_authentications_are_counted(api: Api) -> None:
    for _ in range(2):
        await api.call("GET", f"{V}/status", "bad-token")
    text = await (await api.client.get("/metrics")).text()
    assert "tvemicro_auth_failures_total 2.0" in text


async def test_metrics_can_require_a_token(make_api: MakeApi) -> None:
    api = await make_api(**{"api.metrics_auth": True})
    assert (await api.call("GET", "/metrics", None))[0] == 401
    assert (await api.call("GET", "/metrics", "viewer"))[0] == 200
    assert (await api.call("GET", "/health", None))[0] == 200


class LateClock:
    """The machine's virtual clock, but every sleep wakes `late_s` after its deadline."""

    speed = 1.0

    def __init__(self, clock: VirtualClock, late_s: float) -> None:
        self.clock = clock
        self.late_s = late_s

    def now(self) -> float:
        return self.clock.now()

    def sleep_until(self, machine_t: float) -> None:
        self.clock.sleep_until(machine_t + self.late_s)


def _sample(text: str, name: str, labels: str = "") -> float:
    found = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.M)
    assert found, name + labels
    return float(found.group(1))


async def _late_ticks(aiohttp_client: Any, tmp_path: Path, late_s: float, ticks: int) -> str:
    """/metrics after `ticks` real-time-runner ticks that each start `late_s` after deadline."""
    machine = build_machine(config_with(), "sim", virtual=True, data_dir=tmp_path)
    assert isinstance(machine.clock, VirtualClock)
    runner = RealTimeRunner(machine.core, LateClock(machine.clock, late_s))
    machine.runner = runner  # driven tick by tick here, never started as a thread
    try:
        client = await aiohttp_client(create_app(machine))
        deadline = machine.clock.now()
        for _ in range(ticks):
            deadline = runner.run_tick(deadline)
        return str(await (await client.get("/metrics")).text())
    finally:
        machine.runner = None
        machine.close()


async def test_tick_lateness_is_a_histogram_fed_by_every_tick(
    aiohttp_client: Any, tmp_path: Path
) -> None:
    text = await _late_ticks(aiohttp_client, tmp_path, late_s=0.003, ticks=7)
    name = "tvemicro_loop_tick_lateness_seconds"
    assert _sample(text, f"{name}_count") == 7
    assert _sample(text, f"{name}_bucket", '{le="0.002"}') == 0  # each tick was 3 ms late
    assert _sample(text, f"{name}_bucket", '{le="0.004"}') == 7
    assert _sample(text, "tvemicro_loop_tick_duration_seconds_count") == 7
    assert _sample(text, "tvemicro_loop_overruns_total") == 0


async def test_a_tick_that_starts_after_the_next_deadline_is_an_overrun(
    aiohttp_client: Any, tmp_path: Path
) -> None:
    text = await _late_ticks(aiohttp_client, tmp_path, late_s=0.3, ticks=4)  # tick is 50 ms
    assert _sample(text, "tvemicro_loop_overruns_total") == 4
    assert _sample(text, "tvemicro_loop_tick_lateness_seconds_bucket", '{le="0.25"}') == 0
    assert _sample(text, "tvemicro_loop_tick_lateness_seconds_bucket", '{le="0.5"}') == 4
