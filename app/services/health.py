"""GET /health: loop liveness, sensor freshness, storage and config, worst status wins."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from app import __version__
from machine_config.config import Config

RANK = {"ok": 0, "degraded": 1, "failing": 2}


def health_report(machine: Any, cfg: Config, storage: Any | None) -> dict[str, Any]:
    snap = machine.core.snapshot
    checks = {
        "control_loop": loop_check(machine, cfg),
        "sensors": sensors_check(snap, cfg),
        "storage": storage_check(storage),
        "config": config_check(snap, cfg),
    }
    status = max((c["status"] for c in checks.values()), key=RANK.__getitem__)
    return {
        "status": status,
        "version": __version__,
        "machine": cfg.machine.name,
        "backend": machine.backend,
        "uptime_s": snap.uptime_s,
        "timestamp": snap.timestamp,
        "state": snap.state,
        "checks": checks,
    }


def loop_check(machine: Any, cfg: Config) -> dict[str, Any]:
    core = machine.core
    age = round(core.last_tick_age_s(), 4)
    runner = machine.runner
    alive = runner is None or runner.alive
    out: dict[str, Any] = {
        "last_tick_age_s": age,
        "tick_s": cfg.machine.tick_s,
        "ticks": core.snapshot.loop.ticks,
        "overruns": core.overruns,
        "running": alive,
    }
    if not alive or age > cfg.safety.watchdog_s:
        out["status"] = "failing"
        out["message"] = "the control loop is not ticking"
    elif age > 10 * cfg.machine.tick_s:
        out["status"] = "degraded"
        out["message"] = "the control loop is late"
    else:
        out["status"] = "ok"
    return out


def sensors_check(snap: Any, cfg: Config) -> dict[str, Any]:
    stale_s = cfg.safety.sensor_stale_s
    items = {
        v.id: {"ok": v.sensor_ok and v.age_s is not None and v.age_s <= stale_s,
               "age_s": v.age_s, "fault": v.fault}
        for v in (*snap.zones, *snap.sensors)
    }  # fmt: skip
    bad = sorted(sid for sid, item in items.items() if not item["ok"])
    out: dict[str, Any] = {"status": "failing" if bad else "ok", "stale_s": stale_s}
    if bad:
        out["message"] = "not fresh: " + ", ".join(bad)
    out["sensors"] = items
    return out


def storage_check(storage: Any | None) -> dict[str, Any]:
    if storage is None:
        return {"status": "degraded", "message": "no historian attached to this server"}
    out = historian_check(storage)
    tokens = storage.tokens
    out["tokens"] = len(tokens.records())
    files = storage.file_problems()  # stored files with entries that were not loaded
    worst = out["status"]
    if tokens.problem:  # every token fails: a clear failure, not a silent 401 for everyone
        worst, files = "failing", [tokens.problem, *files]
    elif files and worst == "ok":
        worst = "degraded"
    if files:
        out["files"] = files
        out["message"] = "; ".join([*files, *([out["message"]] if "message" in out else [])])
    out["status"] = worst
    return out


def historian_check(storage: Any) -> dict[str, Any]:
    historian = storage.historian
    if historian is None:
        return {"status": "failing", "message": f"historian unavailable: {storage.open_problem}"}
    stats = historian.stats
    out: dict[str, Any] = {
        "status": "ok",
        "writer_alive": historian.alive,
        "queue_depth": historian.queue_depth,
        "rows_written": stats.rows_written,
        "dropped": stats.dropped_total,
        "disk_full": stats.disk_full,
    }
    age = historian.commit_age_s()
    if age is not None:
        out["last_commit_age_s"] = round(age, 3)
    if not historian.alive:
        out.update(status="failing", message="historian writer stopped")
    elif stats.disk_full or stats.last_error or stats.conditions:
        message = stats.last_error or "; ".join(stats.conditions.values())
        out.update(status="degraded", message=message)
    return out


def config_check(snap: Any, cfg: Config) -> dict[str, Any]:
    text = json.dumps(cfg.model_dump(mode="json"), sort_keys=True).encode()
    out: dict[str, Any] = {
        "status": "ok",
        "machine": cfg.machine.name,
        "digest": hashlib.sha256(text).hexdigest()[:16],
        "zones": len(cfg.zones),
        "motors": len(cfg.motors),
    }
    corrupt = [a.message for a in snap.alarms if a.code == "settings_corrupt"]
    corrupt += [  # settings/alarms not being saved, while it lasts
        a.message for a in snap.alarms if a.code == "storage_write_failed" and not a.cleared_at
    ]
    if corrupt:
        out.update(status="degraded", message="; ".join(corrupt))
    return out
