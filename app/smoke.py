"""`tvemicro smoke`: the rollout checklist against a live instance, as a pass/fail table."""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

POLL_S = 0.1
FRESH_S = 1.0


class CheckFailed(Exception):
    """A smoke check did not hold; the message says what was seen."""


@dataclass
class Result:
    number: int
    name: str
    ok: bool
    detail: str


class Client:
    """A tiny JSON-over-HTTP client (stdlib only) with the bearer token."""

    def __init__(self, url: str, token: str | None, timeout_s: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout_s = timeout_s

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(self.url + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                return resp.status, _decode(resp.read(), resp.headers.get_content_type())
        except urllib.error.HTTPError as err:
            return err.code, _decode(err.read(), err.headers.get_content_type())

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, data = self.call(method, path, body)
        if not 200 <= status < 300:
            raise CheckFailed(f"{method} {path} → {status} {_message(data)}")
        return data

    def status(self) -> dict[str, Any]:
        result: dict[str, Any] = self.ok("GET", "/api/v1/status")
        return result


def _decode(raw: bytes, content_type: str) -> Any:
    if content_type == "application/json":
        return json.loads(raw or b"null")
    return raw.decode("utf-8", "replace")


def _message(data: Any) -> str:
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        return str(data["error"].get("message", ""))
    return str(data)[:120]


def wait_for(what: str, probe: Callable[[], Any], timeout_s: float) -> Any:
    """Poll `probe` until it returns something truthy, or fail naming `what`."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise CheckFailed(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(POLL_S)


# -- the checks ---------------------------------------------------------------------------------
def check_health(c: Client) -> str:
    status, body = c.call("GET", "/health")
    if status != 200 or not isinstance(body, dict) or not body.get("version"):
        raise CheckFailed(f"/health → {status}: {str(body)[:200]}")
    return f"200 {body['status']}, version {body['version']}, state {body['state']}"


def check_sensors(c: Client) -> str:
    cfg = c.ok("GET", "/api/v1/config")
    expected = [*cfg["zones"], *cfg.get("sensors", {})]
    snap = c.status()
    seen = {v["id"]: v for v in [*snap["zones"], *snap["sensors"]]}
    bad = [
        f"{sid} ({'missing' if sid not in seen else _age(seen[sid])})"
        for sid in expected
        if sid not in seen or not _fresh(seen[sid])
    ]
    if bad:
        raise CheckFailed("not fresh: " + ", ".join(bad))
    oldest = max(seen[sid]["age_s"] for sid in expected)
    return f"{len(expected)} sensors fresh (oldest {oldest:.2f} s)"


def _fresh(view: dict[str, Any]) -> bool:
    return bool(view["sensor_ok"]) and view["age_s"] is not None and view["age_s"] < FRESH_S


def _age(view: dict[str, Any]) -> str:
    return f"age {view['age_s']} s, fault {view.get('fault')}"


def _first_zone(c: Client) -> dict[str, Any]:
    zone: dict[str, Any] = c.status()["zones"][0]
    return zone


def check_reject(c: Client) -> str:
    zone = _first_zone(c)
    bad = zone["setpoint_max_c"] + 50.0
    status, body = c.call("PUT", f"/api/v1/zones/{zone['id']}", {"setpoint_c": bad})
    field = body.get("error", {}).get("field") if isinstance(body, dict) else None
    if status != 422 or field != "setpoint_c":
        raise CheckFailed(f"setpoint {bad:g} → {status} (field {field!r}); expected 422")
    after = _first_zone(c)["setpoint_c"]
    if after != zone["setpoint_c"]:
        raise CheckFailed(f"setpoint changed from {zone['setpoint_c']} to {after}")
    return f"{zone['id']} {bad:g} °C → 422 (max {body['error'].get('max')}); unchanged"


def check_round_trip(c: Client) -> str:
    zone = _first_zone(c)
    zid, original = zone["id"], zone["setpoint_c"]
    new = original - 1.0 if original >= 1.0 else original + 1.0
    try:
        _set_and_read(c, zid, new)
    finally:
        _set_and_read(c, zid, original)
    return f"{zid} {original:g} → {new:g} → {original:g} °C, read back from status and settings"


def _set_and_read(c: Client, zid: str, value: float) -> None:
    c.ok("PUT", f"/api/v1/zones/{zid}", {"setpoint_c": value})
    seen = next(z for z in c.status()["zones"] if z["id"] == zid)["setpoint_c"]
    stored = c.ok("GET", "/api/v1/settings")["zones"][zid]["setpoint_c"]
    if seen != value or stored != value:
        raise CheckFailed(f"set {zid} to {value:g}: status shows {seen}, settings {stored}")


def check_alarms(c: Client) -> str:
    c.ok("GET", "/api/v1/alarms?state=all")
    status, body = c.call("POST", "/api/v1/sim/faults", {"kind": "disk_full", "target": "machine"})
    if status == 404:  # real hardware: nothing to raise on purpose
        acked = c.ok("POST", "/api/v1/alarms/ack-all")["acked"]
        return f"listed; ack-all acknowledged {acked} (real hardware: no test alarm raised)"
    if status != 200:
        raise CheckFailed(f"could not raise a test alarm: {status} {_message(body)}")
    try:
        alarm = wait_for("the disk_full warning", lambda: _alarm(c, "disk_full"), 15.0)
        acked = c.ok("POST", f"/api/v1/alarms/{alarm['id']}/ack")["alarm"]
        if not acked.get("acked_at"):
            raise CheckFailed(f"alarm {alarm['id']} not acknowledged: {acked}")
    finally:
        c.ok("DELETE", f"/api/v1/sim/faults/{body['id']}")
    wait_for("the warning to clear", lambda: _alarm(c, "disk_full") is None, 15.0)
    ended = c.ok("GET", "/api/v1/alarms?state=all")["alarms"]
    if not any(a["id"] == alarm["id"] and a["cleared_at"] for a in ended):
        raise CheckFailed(f"alarm {alarm['id']} not listed as cleared")
    return f"alarm {alarm['id']} disk_full raised, listed, acknowledged and cleared"


def _alarm(c: Client, code: str) -> dict[str, Any] | None:
    alarms = c.ok("GET", "/api/v1/alarms")["alarms"]
    return next((a for a in alarms if a["code"] == code and not a["cleared_at"]), None)


def check_metrics(c: Client) -> str:
    status, text = c.call("GET", "/metrics")
    if status != 200 or not isinstance(text, str):
        raise CheckFailed(f"/metrics → {status}")
    names = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line[:1] != "#"}
    needed = {"tvemicro_zone_temperature_celsius", "tvemicro_loop_tick_duration_seconds_count"}
    missing = needed - names
    if missing:
        raise CheckFailed("missing " + ", ".join(sorted(missing)))
    return f"{len([n for n in names if n.startswith('tvemicro_')])} tvemicro_ series"


# -- the production cycle -----------------------------------------------------------------------
def check_cycle(c: Client, hold_s: float, timeout_s: float) -> str:
    hold_heat = c.ok("GET", "/api/v1/config")["sequence"]["hold_heat_after_stop"]
    c.ok("POST", "/api/v1/machine/start")
    t0 = c.status()["uptime_s"]
    try:
        snap = wait_for("running", lambda: _state(c, "running"), timeout_s)
        gate_s = snap["uptime_s"] - t0
        _hold(c, hold_s)
    finally:
        c.ok("POST", "/api/v1/machine/stop")
    after = wait_for("motors to stop", lambda: _stopped(c), 120.0)
    hot = [z["id"] for z in after["zones"] if z["duty"] > 0 or z["heater_on"]]
    if hot and not (hold_heat and after["state"] in ("heating", "ready")):
        raise CheckFailed(f"heaters still on after stop: {', '.join(hot)}")
    _check_sim_outputs(c, expect_heat=bool(hot))
    heat = "heaters held (hold_heat_after_stop)" if hot else "heater duty 0"
    return f"gate after {gate_s:.0f} s, ran {hold_s:g} s, stopped: motors off, {heat}"


def _state(c: Client, state: str) -> dict[str, Any] | None:
    snap = c.status()
    if snap["state"] == "fault":
        codes = ", ".join(a["code"] for a in snap["alarms"])
        raise CheckFailed(f"machine tripped while waiting for {state}: {codes}")
    return snap if snap["state"] == state else None


def _hold(c: Client, hold_s: float) -> None:
    start = c.status()["uptime_s"]
    while True:
        snap = c.status()
        if snap["state"] != "running":
            raise CheckFailed(
                f"left running after {snap['uptime_s'] - start:.1f} s: {snap['state']}"
            )
        idle = [m["id"] for m in snap["motors"] if m["rpm"] <= 0]
        if idle and snap["uptime_s"] - start > 30:
            raise CheckFailed(f"running but motors not turning: {', '.join(idle)}")
        if snap["uptime_s"] - start >= hold_s:
            return
        time.sleep(POLL_S)


def _stopped(c: Client) -> dict[str, Any] | None:
    snap = c.status()
    moving = [m for m in snap["motors"] if m["enabled"] or m["running"] or m["rpm"] != 0]
    if moving or snap["state"] in ("starting", "running", "stopping"):
        return None
    return snap


def _check_sim_outputs(c: Client, expect_heat: bool) -> None:
    """On the simulator, read the pins themselves: no steps, drivers disabled, SSRs off."""
    status, io = c.call("GET", "/api/v1/sim/io")
    if status == 404:
        return
    stepping = [mid for mid, m in io["motors"].items() if m["enabled"] or m["step_hz"] > 0]
    if stepping:
        raise CheckFailed(f"sim pins: motors still enabled/stepping: {', '.join(stepping)}")
    ssr = [zid for zid, z in io["zones"].items() if z["ssr_on"]]
    if ssr and not expect_heat:
        raise CheckFailed(f"sim pins: SSR still on: {', '.join(ssr)}")


# -- running ------------------------------------------------------------------------------------
def run_checks(c: Client, cycle: bool, hold_s: float, timeout_s: float) -> list[Result]:
    checks: list[tuple[str, Callable[[], str]]] = [
        ("health reports a version", lambda: check_health(c)),
        ("every sensor fresh (< 1 s)", lambda: check_sensors(c)),
        ("out-of-range setpoint rejected", lambda: check_reject(c)),
        ("setpoint applied, read back, restored", lambda: check_round_trip(c)),
        ("alarms list, ack, clear", lambda: check_alarms(c)),
        ("metrics scrape", lambda: check_metrics(c)),
    ]
    if cycle:
        checks.append(("start → gate → run → stop", lambda: check_cycle(c, hold_s, timeout_s)))
    results = []
    for number, (name, check) in enumerate(checks, 1):
        try:
            results.append(Result(number, name, True, check()))
        except CheckFailed as err:
            results.append(Result(number, name, False, str(err)))
        except (OSError, ValueError, KeyError, TypeError) as err:
            results.append(Result(number, name, False, f"{type(err).__name__}: {err}"))
    return results


def render(results: Sequence[Result]) -> str:
    width = max(len(r.name) for r in results)
    lines = [f" #  {'check':<{width}}  result  detail"]
    for r in results:
        lines.append(
            f"{r.number:>2}  {r.name:<{width}}  {'PASS' if r.ok else 'FAIL':<6}  {r.detail}"
        )
    passed = sum(r.ok for r in results)
    lines.append(f"smoke: {passed}/{len(results)} passed")
    return "\n".join(lines)


def smoke_command(args: argparse.Namespace) -> int:
    if not args.token:
        print("smoke: a token is needed (--token or $TVEMICRO_TOKEN)", file=sys.stderr)
        return 2
    client = Client(args.url, args.token)
    results = run_checks(client, args.cycle, args.hold_s, args.timeout_s)
    print(render(results), flush=True)
    return 0 if all(r.ok for r in results) else 1


def smoke_main(argv: Sequence[str] | None = None) -> int:
    """Entry point without the main CLI: `python -m app.smoke --url … --token …`."""
    from app.cli import build_parser

    args = build_parser().parse_args(["smoke", *(argv if argv is not None else sys.argv[1:])])
    return smoke_command(args)


if __name__ == "__main__":
    raise SystemExit(smoke_main())
