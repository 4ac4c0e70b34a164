"""Observability: JSON log lines with request ids; Prometheus metrics (tvemicro_*, base units)."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from app import __version__
from app.services.logsetup import Level, log
from control.core import Event

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
TICK_BUCKETS = (0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25)
# Lateness = tick start − its deadline. Fine steps around the 5 ms p99 budget, then up to the
# default watchdog (2 s), so the field can read p99 and see stalls before they trip.
LATENESS_BUCKETS = (
    0.0005,
    0.001,
    0.002,
    0.003,
    0.004,
    0.005,
    0.0075,
    0.01,
    0.02,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.0,
)
# 0.5 s is a bucket edge so the "p95 ≤ 0.5 s" objective reads exactly (a 0.3 s request no longer
# lands in a 0.25–1 s bucket that interpolates to a p95 far above what clients saw).
HTTP_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
# Kiosk frame intervals: 30 fps is 0.033 s; anything past 0.1 s is a visible stutter.
FRAME_BUCKETS = (0.02, 0.034, 0.05, 0.075, 0.1, 0.2, 0.5, 1.0, 2.0)
# Tap → the core's answer shown on the panel: one tick (50 ms) plus the Kivy frame, 3 s = timeout.
COMMAND_BUCKETS = (0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)


class UiTimings(Collector):
    """Kiosk timings fed from the Kivy thread (frame intervals, tap → answer); scraped by /metrics.

    One per process (`UI` below): the kiosk and the REST server are two faces of one core and never
    import each other, so both reach this neutral place instead."""

    def __init__(self) -> None:
        self.frames = Histogram(
            "tvemicro_ui_frame_interval_seconds",
            "Wall time between two kiosk frames",
            buckets=FRAME_BUCKETS,
            registry=None,
        )
        self.commands = Histogram(
            "tvemicro_hmi_command_roundtrip_seconds",
            "Wall time from a panel tap submitting a command to the core's answer on the panel",
            ["action", "result"],
            buckets=COMMAND_BUCKETS,
            registry=None,
        )

    def frame(self, interval_s: float) -> None:
        self.frames.observe(interval_s)

    def command(self, action: str, result: str, roundtrip_s: float) -> None:
        """`result`: applied, refused or timeout (no answer within the bridge's timeout)."""
        self.commands.labels(action=action, result=result).observe(roundtrip_s)

    def collect(self) -> Iterator[Any]:
        yield from self.frames.collect()
        yield from self.commands.collect()


UI = UiTimings()


def request_id(offered: str | None) -> str:
    """The client's X-Request-Id when it is a sane token (no log injection), else a new one."""
    if offered and _REQUEST_ID.match(offered):
        return offered
    return uuid.uuid4().hex


def log_json(event: str, level: Level = "info", **fields: Any) -> None:
    """One JSON object per line on stderr. Callers pass no secrets (tokens, hashes, PINs)."""
    log(event, level, **fields)


class MachineCollector(Collector):
    """Reads the latest snapshot (and a few counters) at scrape time; never touches the core."""

    def __init__(self, machine: Any, storage: Any | None) -> None:
        self.machine = machine
        self.storage = storage

    def collect(self) -> Iterator[Any]:
        core = self.machine.core
        snap = core.snapshot
        yield from _loop_metrics(core, snap)
        yield from _zone_metrics(snap)
        yield from _sensor_metrics(core, snap)
        yield from _motor_metrics(snap)
        yield from _alarm_metrics(snap)
        historian = None if self.storage is None else self.storage.historian
        if historian is not None:
            yield from _historian_metrics(historian)
        yield _storage_failures(core, historian)


def _gauge(name: str, doc: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"tvemicro_{name}", doc, labels=labels)


def _counter(name: str, doc: str, labels: list[str] | None = None) -> CounterMetricFamily:
    return CounterMetricFamily(f"tvemicro_{name}", doc, labels=labels)


def _loop_metrics(core: Any, snap: Any) -> Iterator[Any]:
    overruns = _counter("loop_overruns", "Control ticks that took longer than the tick period")
    overruns.add_metric([], float(core.overruns))
    ticks = _counter("loop_ticks", "Control ticks since start")
    ticks.add_metric([], float(snap.loop.ticks))
    age = _gauge("loop_last_tick_age_seconds", "Machine seconds since the last control tick")
    age.add_metric([], core.last_tick_age_s())
    uptime = _gauge("uptime_seconds", "Machine seconds since the control core started")
    uptime.add_metric([], snap.uptime_s)
    state = _gauge("machine_state", "1 for the current machine state", ["state"])
    for name in (
        "disabled",
        "idle",
        "heating",
        "ready",
        "starting",
        "running",
        "stopping",
        "fault",
    ):
        state.add_metric([name], 1.0 if snap.state == name else 0.0)
    info = _gauge("build_info", "Version of the running software", ["version"])
    info.add_metric([__version__], 1.0)
    yield from (overruns, ticks, age, uptime, state, info)


def _zone_metrics(snap: Any) -> Iterator[Any]:
    temp = _gauge("zone_temperature_celsius", "Zone temperature (NaN without a reading)", ["zone"])
    setpoint = _gauge("zone_setpoint_celsius", "Zone setpoint", ["zone"])
    duty = _gauge("zone_duty_ratio", "Heater duty 0..1", ["zone"])
    for z in snap.zones:
        temp.add_metric([z.id], _num(z.temperature_c))
        setpoint.add_metric([z.id], z.setpoint_c)
        duty.add_metric([z.id], z.duty)
    yield from (temp, setpoint, duty)


def _sensor_metrics(core: Any, snap: Any) -> Iterator[Any]:
    age = _gauge("sensor_age_seconds", "Age of the last good reading (NaN: none yet)", ["sensor"])
    ok = _gauge("sensor_ok", "1 when the sensor is fresh and healthy", ["sensor"])
    errors = _counter("sensor_read_errors", "Failed sensor reads", ["sensor"])
    temp = _gauge("sensor_temperature_celsius", "Monitor-only sensor temperature", ["sensor"])
    read_errors = core.read_errors()
    for z in snap.zones:
        age.add_metric([z.id], _num(z.age_s))
        ok.add_metric([z.id], float(z.sensor_ok))
        errors.add_metric([z.id], float(read_errors[z.id]))
    for s in snap.sensors:
        age.add_metric([s.id], _num(s.age_s))
        ok.add_metric([s.id], float(s.sensor_ok))
        errors.add_metric([s.id], float(read_errors[s.id]))
        temp.add_metric([s.id], _num(s.temperature_c))
    yield from (age, ok, errors, temp)


def _motor_metrics(snap: Any) -> Iterator[Any]:
    speed = _gauge("motor_speed_revolutions_per_second", "Motor speed (rpm / 60)", ["motor"])
    target = _gauge("motor_target_revolutions_per_second", "Commanded speed (rpm / 60)", ["motor"])
    enabled = _gauge("motor_enabled", "1 while the driver is enabled", ["motor"])
    for m in snap.motors:
        speed.add_metric([m.id], m.rpm / 60.0)
        target.add_metric([m.id], m.target_rpm / 60.0)
        enabled.add_metric([m.id], float(m.enabled))
    yield from (speed, target, enabled)


def _alarm_metrics(snap: Any) -> Iterator[Any]:
    active = _gauge("alarms_active", "Active alarms by severity", ["severity"])
    for severity in ("trip", "warning", "info"):
        count = sum(1 for a in snap.alarms if a.severity == severity and a.cleared_at is None)
        active.add_metric([severity], float(count))
    unacked = _gauge("alarms_unacknowledged", "Alarms waiting for an acknowledgement")
    unacked.add_metric([], float(sum(1 for a in snap.alarms if a.acked_at is None)))
    yield from (active, unacked)


def _historian_metrics(historian: Any) -> Iterator[Any]:
    stats = historian.stats
    dropped = _counter("historian_dropped", "Samples and events not stored", ["reason"])
    dropped.add_metric(["queue_full"], float(stats.dropped_overflow))
    dropped.add_metric(["disk_full"], float(stats.dropped_disk_full))
    dropped.add_metric(["error"], float(stats.dropped_error))
    rows = _counter("historian_rows_written", "Sample rows committed to the historian")
    rows.add_metric([], float(stats.rows_written))
    depth = _gauge("historian_queue_depth", "Items waiting for the historian writer")
    depth.add_metric([], float(historian.queue_depth))
    capacity = _gauge("historian_queue_capacity", "Items the historian queue holds before drops")
    capacity.add_metric([], float(historian.queue_max))
    yield from (dropped, rows, depth, capacity)


def _storage_failures(core: Any, historian: Any | None) -> CounterMetricFamily:
    """Writes to the data directory that failed: settings/alarms files and historian commits."""
    failures = _counter("storage_write_failures", "Failed writes to the data directory", ["store"])
    failures.add_metric(["settings"], float(core.settings.write_errors))
    if historian is not None:
        failures.add_metric(["historian"], float(historian.stats.write_failures))
    return failures


def _num(value: float | None) -> float:
    return float("nan") if value is None else float(value)


class Metrics:
    """One registry per server: machine gauges, tick histograms, trips and HTTP timings."""

    def __init__(self, machine: Any, storage: Any | None = None, ui: UiTimings = UI) -> None:
        disable_created_metrics()  # type: ignore[no-untyped-call]  # no *_created series: they only add noise to every scrape
        self.registry = CollectorRegistry()
        self.registry.register(MachineCollector(machine, storage))
        self.registry.register(ui)
        self.tick = Histogram(
            "tvemicro_loop_tick_duration_seconds",
            "Wall time one control tick took",
            buckets=TICK_BUCKETS,
            registry=self.registry,
        )
        self.lateness = Histogram(
            "tvemicro_loop_tick_lateness_seconds",
            "Wall time from a control tick's deadline to its start",
            buckets=LATENESS_BUCKETS,
            registry=self.registry,
        )
        self.trips = Counter(
            "tvemicro_trips", "Trips since start, by reason", ["reason"], registry=self.registry
        )
        self.http = Histogram(
            "tvemicro_http_request_duration_seconds",
            "REST request duration by route, method and status",
            ["route", "method", "status"],
            buckets=HTTP_BUCKETS,
            registry=self.registry,
        )
        self.auth_failures = Counter(
            "tvemicro_auth_failures", "Rejected bearer tokens", registry=self.registry
        )
        self._detach: list[Callable[[], None]] = []
        self._hook(machine)

    def _hook(self, machine: Any) -> None:
        """Listen to the core (events) and the runner (tick times); both calls are non-blocking."""
        machine.core.sinks.on_event.append(self.on_event)
        self._detach.append(lambda: machine.core.sinks.on_event.remove(self.on_event))
        runner = machine.runner
        if runner is not None:
            runner.stats.listeners.append(self.on_tick)
            self._detach.append(lambda: runner.stats.listeners.remove(self.on_tick))

    def on_tick(self, duration_s: float, late_s: float) -> None:
        self.tick.observe(duration_s)
        self.lateness.observe(late_s)

    def on_event(self, event: Event) -> None:
        if event.kind != "alarm" or event.data.get("action") != "raised":
            return
        alarm = event.data.get("alarm", {})
        if alarm.get("severity") == "trip":
            self.trips.labels(reason=str(alarm.get("code"))).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def close(self) -> None:
        for detach in self._detach:
            with contextlib.suppress(ValueError):
                detach()
        self._detach.clear()
