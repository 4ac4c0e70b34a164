"""The one route table: path, method, role, handler and schemas (the OpenAPI comes from it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from app.api import schemas as s
from app.api.handlers import alarms, history, machine, meta, sim, zones
from machine_config.config import Config

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Param:
    """A query parameter, for the OpenAPI document."""

    name: str
    schema: s.Schema
    description: str


@dataclass(frozen=True, slots=True)
class Route:
    """One operation. `role` None = anonymous; `command` = goes through the core (409/423/503)."""

    method: str
    path: str
    handler: Handler
    role: str | None
    summary: str
    body: s.Schema | None = None
    response: s.Schema | None = None
    query: tuple[Param, ...] = ()
    command: bool = False
    sim_only: bool = False
    produces: str = "application/json"
    metrics: bool = False

    def role_for(self, cfg: Config) -> str | None:
        """The role this route needs under `cfg` (/metrics is anonymous unless metrics_auth)."""
        if self.metrics:
            return "viewer" if cfg.api.metrics_auth else None
        return self.role


V = "/api/v1"
ZONE = f"{V}/zones/{{id}}"
HISTORY_QUERY = (
    Param("series", s.STR, "comma-separated series names (default: all)"),
    Param("since", s.STR, "Unix seconds, ISO 8601 or relative ('-1h'); default until − 1 h"),
    Param("until", s.STR, "Unix seconds, ISO 8601 or relative; default now"),
    Param("step_s", {**s.NUM, "minimum": 0.001}, "bucket width in seconds (default 1)"),
)
ALARM_QUERY = (
    Param("state", {"type": "string", "enum": ["active", "all"]}, "active (default) or all"),
    Param("limit", {**s.INT, "minimum": 1, "maximum": 1000}, "at most this many (default 100)"),
)
AUDIT_QUERY = (
    Param("since", s.STR, "Unix seconds, ISO 8601 or relative ('-1d')"),
    Param("until", s.STR, "Unix seconds, ISO 8601 or relative"),
    Param("limit", {**s.INT, "minimum": 1, "maximum": 10000}, "newest first, at most this many"),
)


def _cmd(method: str, path: str, handler: Handler, role: str, summary: str,
         body: s.Schema | None = s.EMPTY, response: s.Schema | None = None) -> Route:  # fmt: skip
    return Route(method, path, handler, role, summary, body, response or s.ANY_OBJECT, command=True)


ROUTES: tuple[Route, ...] = (
    Route("GET", "/health", meta.health, None, "Liveness and readiness (503 when failing)",
          response=s.HEALTH),
    Route("GET", "/metrics", meta.metrics, None, "Prometheus metrics",
          produces="text/plain", metrics=True),
    Route("GET", f"{V}/openapi.json", meta.openapi, None, "This document", response=s.ANY_OBJECT),
    Route("GET", f"{V}/status", meta.status, "viewer", "Machine status snapshot",
          response=s.ref("Status")),
    Route("GET", f"{V}/config", meta.config, "viewer", "Effective validated config",
          response=s.ANY_OBJECT),
    Route("GET", f"{V}/settings", meta.settings_get, "viewer", "Persisted runtime settings",
          response=s.SETTINGS_VIEW),
    _cmd("PUT", f"{V}/settings", meta.settings_put, "admin", "Switch the HMI on or off",
         s.SETTINGS),
    Route("GET", f"{V}/alarms", alarms.list_alarms, "viewer", "Active (or all) alarms",
          response=s.obj({"alarms": s.array(s.ref("Alarm"))}), query=ALARM_QUERY),
    _cmd("POST", f"{V}/alarms/{{id}}/ack", alarms.ack, "operator", "Acknowledge one alarm",
         response=s.obj({"alarm": s.ref("Alarm")})),
    _cmd("POST", f"{V}/alarms/ack-all", alarms.ack_all, "operator", "Acknowledge every alarm",
         response=s.obj({"acked": s.INT})),
    _cmd("POST", f"{V}/alarms/{{id}}/shelve", alarms.shelve, "engineer",
         "Shelve a warning for duration_s", s.SHELVE, s.obj({"alarm": s.ref("Alarm")})),
    _cmd("POST", f"{V}/machine/start", machine.start, "operator",
         "Start (heat, gate, soak, motors); 403 unless api.allow_remote_start",
         response=s.STATE_RESULT),
    _cmd("POST", f"{V}/machine/preheat", machine.preheat, "operator", "Heat and hold in ready",
         response=s.STATE_RESULT),
    _cmd("POST", f"{V}/machine/stop", machine.stop, "operator", "Controlled stop (any state)",
         response=s.STATE_RESULT),
    _cmd("POST", f"{V}/machine/estop", machine.estop, "operator",
         "Software emergency stop (any state)", response=s.STATE_RESULT),
    _cmd("POST", f"{V}/machine/reset", machine.reset, "operator",
         "Leave fault (409 with causes while a cause is present)", s.RESET, s.STATE_RESULT),
    _cmd("PUT", f"{V}/machine/mode", machine.set_mode, "engineer", "auto or manual", s.MODE,
         s.STATE_RESULT),
    _cmd("PUT", ZONE, zones.set_setpoint, "operator", "Zone setpoint", s.SETPOINT),
    _cmd("PUT", f"{ZONE}/pid", zones.set_pid, "engineer", "Zone PID gains (persisted)", s.PID),
    _cmd("PUT", f"{ZONE}/manual", zones.set_manual, "engineer", "Manual heater duty", s.DUTY),
    _cmd("POST", f"{ZONE}/autotune", zones.autotune_start, "engineer", "Start a relay autotune",
         s.SETPOINT, s.AUTOTUNE),
    Route("GET", f"{ZONE}/autotune", zones.autotune_get, "engineer", "Autotune progress/result",
          response=s.AUTOTUNE),
    _cmd("DELETE", f"{ZONE}/autotune", zones.autotune_abort, "engineer", "Abort the autotune",
         None, s.AUTOTUNE),
    _cmd("POST", f"{ZONE}/autotune/apply", zones.autotune_apply, "engineer",
         "Copy the autotune result into the zone's gains"),
    _cmd("PUT", f"{V}/motors/{{id}}", zones.set_motor, "operator", "Motor run speed", s.RPM),
    _cmd("POST", f"{V}/motors/{{id}}/jog", zones.jog, "engineer", "Jog (manual mode)", s.JOG),
    _cmd("PUT", f"{V}/outputs/{{id}}", zones.set_output, "operator", "Aux output on/off", s.ON),
    Route("GET", f"{V}/history", history.history, "viewer", "Process history",
          response=s.HISTORY, query=HISTORY_QUERY),
    Route("GET", f"{V}/history.csv", history.history_csv, "viewer", "Process history as CSV",
          query=HISTORY_QUERY, produces="text/csv"),
    Route("GET", f"{V}/audit", history.audit, "engineer", "Audit and login events",
          response=s.EVENTS, query=AUDIT_QUERY),
    Route("GET", f"{V}/sim/io", sim.io, "viewer", "Simulator raw I/O", response=s.ANY_OBJECT,
          sim_only=True),
    Route("GET", f"{V}/sim/faults", sim.list_faults, "viewer", "Active simulated faults",
          response=s.obj({"faults": s.array(s.ANY_OBJECT)}), sim_only=True),
    Route("POST", f"{V}/sim/faults", sim.add_fault, "operator", "Inject a simulated fault",
          s.FAULT, s.obj({"id": s.INT}), sim_only=True),
    Route("DELETE", f"{V}/sim/faults/{{id}}", sim.clear_fault, "operator",
          "Clear one simulated fault", response=s.obj({"cleared": s.INT}), sim_only=True),
    Route("DELETE", f"{V}/sim/faults", sim.clear_faults, "operator", "Clear every simulated fault",
          response=s.obj({"cleared": s.INT}), sim_only=True),
)  # fmt: skip


def route_table() -> dict[tuple[str, str], Route]:
    return {(r.method, r.path): r for r in ROUTES}


def add_routes(app: web.Application) -> None:
    for route in ROUTES:
        app.router.add_route(route.method, route.path, route.handler)
