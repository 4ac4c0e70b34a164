"""Chaos drill: wall-clock steps of ±1 h in the sim process only, via libfaketime (no host clock).

The process runs with LD_PRELOAD=libfaketime and FAKETIME_TIMESTAMP_FILE, so the offset of its
wall clock (CLOCK_REALTIME) changes while it runs; FAKETIME_DONT_FAKE_MONOTONIC=1 leaves the
monotonic clock alone, as an NTP step or an RTC-less Pi booting without network would."""

from __future__ import annotations

import glob
import itertools
import json
import os
import re
import shutil
import sqlite3
import subprocess
import time
import urllib.request
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from ops import chaos
from tests.api.live import LiveServer

HOUR = 3600
STEPS = (+HOUR, 0, -HOUR)  # the process's wall vs the real one: +1 h, then −1 h, then −1 h again
HOLD_S = 3.0
SEEN = ("states", "health", "history", "died", "offsets", "ages")
LIB_GLOB = "/usr/lib/*/faketime/libfaketimeMT.so.1"


def libfaketime() -> str | None:
    """The libfaketime library, installed from Debian's `faketime` package when missing."""
    found = glob.glob(LIB_GLOB)
    if not found and shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "faketime"]
        if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=False)
            subprocess.run(install, env=env, capture_output=True, check=False)
        found = glob.glob(LIB_GLOB)
    return found[0] if found else None


def shim(workdir: Path) -> str | None:
    """ops/faketime_shim.c built in `workdir` (libfaketime 0.9.10 breaks time.sleep; see there)."""
    out = workdir / "faketime_shim.so"
    cmd = ["cc", "-shared", "-fPIC", "-O2", "-o", str(out), str(chaos.ROOT / "ops/faketime_shim.c")]
    if shutil.which("cc") is None:
        return None
    built = subprocess.run([*cmd, "-ldl"], capture_output=True, check=False)
    return str(out) if built.returncode == 0 else None


def set_offset(path: Path, seconds: int) -> None:
    """Write the offset libfaketime reads on every call (FAKETIME_NO_CACHE=1)."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(f"{seconds:+d}\n")
    tmp.replace(path)  # atomic: the process never reads a half-written file


def samples(data_dir: Path) -> set[float]:
    """The distinct sample timestamps in the history database."""
    conn = sqlite3.connect(f"file:{data_dir / 'history.sqlite3'}?mode=ro", uri=True)
    try:
        return {float(r[0]) for r in conn.execute("SELECT DISTINCT t FROM samples")}
    finally:
        conn.close()


def process_offset(server: LiveServer) -> float:
    """The process's own wall minus ours, read from the HTTP Date header (aiohttp's time.time())."""
    with urllib.request.urlopen(server.url + "/health", timeout=5) as resp:
        return parsedate_to_datetime(resp.headers["Date"]).timestamp() - time.time()


def active_codes(server: LiveServer) -> list[str]:
    _, body = server.get(f"{chaos.V}/alarms?state=active")
    return sorted({a["code"] for a in body.get("alarms", [])})


def watch(server: LiveServer, seconds: float, seen: dict[str, set[Any]]) -> None:
    """Poll the state, /health, /history and the process for `seconds`; add what was seen."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if server.proc.poll() is not None:
            seen["died"].add(server.proc.returncode)
            return
        seen["states"].add(chaos.state(server))
        code, health = server.get("/health")
        seen["health"].add(code)
        ages = re.findall(r'"last_commit_age_s": (-?[0-9.]+)', json.dumps(health))
        seen["ages"].update(float(a) for a in ages)
        seen["history"].add(server.get(f"{chaos.V}/history?since=-10s")[0])
        time.sleep(0.1)


def start(workdir: Path, preload: str) -> tuple[LiveServer, Path]:
    stamp = workdir / "faketime.offset"
    set_offset(stamp, 0)
    env = {"LD_PRELOAD": preload, "FAKETIME_TIMESTAMP_FILE": str(stamp),
           "FAKETIME_DONT_FAKE_MONOTONIC": "1", "FAKETIME_NO_CACHE": "1"}  # fmt: skip
    return LiveServer(workdir, speed=1.0, env=env), stamp


def jumps(server: LiveServer, stamp: Path) -> dict[str, Any]:
    """The steps under load, each held HOLD_S: what was seen, the worst time to /health 200
    after a step, and the stored sample stamps of the window."""
    before, real0 = samples(server.data_dir), time.time()
    seen: dict[str, set[Any]] = {k: set() for k in SEEN}
    back: list[float | None] = []
    for offset in STEPS:
        set_offset(stamp, offset)
        back.append(chaos.wait(lambda: server.get("/health")[0] == 200, 5))
        watch(server, HOLD_S, seen)
        seen["offsets"].add(round(process_offset(server) / HOUR))  # proof the fake took hold
    set_offset(stamp, 0)
    time.sleep(1.5)  # let the historian commit the last samples
    stamps = sorted(samples(server.data_dir) - before)
    worst = None if None in back else max(t or 0.0 for t in back)
    return {**seen, "back": worst, "stamps": stamps, "real": (real0, time.time())}


def drill_clock_jump(workdir: Path) -> dict[str, str]:
    """+1 h, then −1 h twice (the process's wall an hour ahead, then an hour behind), under REST
    load while heating; then an E-stop and one more +1 h to see that the latched trip stays."""
    lib, fix = libfaketime(), shim(workdir)
    if lib is None or fix is None:
        why = "needs libfaketime (root + apt-get) and a C compiler for the shim"
        return {"drill": "wall-clock jump ±1 h", "lost": "not run", "safe": "—", "recover": "—",
                "ok": why}  # fmt: skip
    server, stamp = start(workdir, f"{fix} {lib}")
    chaos.heat(server)
    codes0 = active_codes(server)
    overruns0 = chaos.metric(server, "tvemicro_loop_overruns_total")
    load = chaos.Load(server, HOLD_S * len(STEPS) + 2)
    seen = jumps(server, stamp)
    heating = chaos.heaters_on(server) is not None and chaos.state(server) == "heating"
    codes1 = active_codes(server)
    overruns = chaos.metric(server, "tvemicro_loop_overruns_total") - overruns0
    errors = load.result().get("errors")
    server.request("POST", f"{chaos.V}/machine/estop")
    set_offset(stamp, HOUR)
    time.sleep(1.5)  # a second of ticks and history writes with the wall an hour ahead
    latched = chaos.state(server) == "fault"
    set_offset(stamp, 0)
    server.stop()
    return row(seen, heating, codes0, codes1, overruns, errors, latched)


def row(seen: dict[str, Any], heating: bool, codes0: list[str], codes1: list[str],
        overruns: float, errors: Any, latched: bool) -> dict[str, str]:  # fmt: skip
    stamps: list[float] = seen["stamps"]
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    real0, real1 = seen["real"]
    return {
        "drill": f"wall-clock jump +1 h, −1 h, −1 h (libfaketime, {HOLD_S:.0f} s each)",
        "lost": f"{len(stamps)} samples stored, largest gap {max(gaps, default=0):.2f} s, "
        f"over {real1 - real0:.1f} s; REST errors {errors}",
        "safe": f"{'TRIPPED' if 'fault' in seen['states'] else 'no trip'} (still heating: "
        f"{heating}; states {sorted(seen['states'])}; "
        f"alarms {codes0} → {codes1}); {overruns:.0f} overrun ticks",
        "recover": f"/health 200 within {chaos.fmt(seen['back'])} of each step",
        "ok": f"/health {sorted(seen['health'])}, /history {sorted(seen['history'])}, "
        f"died {sorted(seen['died'])}; /health last_commit_age_s {min(seen['ages'], default='—')}…"
        f"{max(seen['ages'], default='—')}; process wall seen at {sorted(seen['offsets'])} h; "
        f"stamps vs real wall: first "
        f"{min(stamps, default=0) - real0:+.1f} s, last {max(stamps, default=0) - real1:+.1f} s; "
        f"latched trip kept: {latched}",
    }
