"""Chaos drills: the sim process (`tvemicro run --sim --headless`) under REST load from
bench/saturation.py, one drill at a time; prints drill | lost | time to safe | time to recover.
Run with `./dev drill chaos [--only NAME] [--kills N]`. Wall-clock times on this box."""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.api.live import LiveServer, tvemicro  # noqa: E402  (after the path is set)

V = "/api/v1"
WATCHDOG_S = 2.0
Row = dict[str, str]


class Load:
    """bench/saturation.py's open-loop client at `rate` req/s on GET /status, in its own process."""

    def __init__(self, server: LiveServer, seconds: float, rate: float = 50.0) -> None:
        cmd = [sys.executable, str(ROOT / "bench/saturation.py"), "--client", server.url,
               server.token, "open", str(seconds), str(rate)]  # fmt: skip
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)

    def result(self) -> dict[str, Any]:
        out, _ = self.proc.communicate(timeout=120)
        lines = [ln for ln in out.splitlines() if ln.startswith("{")]
        return json.loads(lines[-1]) if lines else {"errors": "?"}


def heaters_on(server: LiveServer) -> bool | None:
    """Any SSR on at the simulated pins (None: the process does not answer)."""
    try:
        code, io = server.get(f"{V}/sim/io")
    except OSError:
        return None
    return None if code != 200 else '"ssr_on": true' in json.dumps(io)


def wait(pred: Callable[[], bool], timeout_s: float, step_s: float = 0.02) -> float | None:
    """Seconds until pred() holds, or None after timeout_s."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        try:
            if pred():
                return time.monotonic() - t0
        except OSError:
            pass
        time.sleep(step_s)
    return None


def state(server: LiveServer) -> str:
    code, body = server.get(f"{V}/status")
    return str(body.get("state")) if code == 200 else f"HTTP {code}"


def heat(server: LiveServer) -> None:
    server.request("POST", f"{V}/machine/preheat")
    wait(lambda: heaters_on(server) is True, 10)


def fmt(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds:.2f} s"


def newest_sample(data_dir: Path) -> float:
    try:
        conn = sqlite3.connect(f"file:{data_dir / 'history.sqlite3'}?mode=ro", uri=True)
        try:
            return float(conn.execute("SELECT MAX(t) FROM samples").fetchone()[0] or 0.0)
        finally:
            conn.close()
    except sqlite3.Error:
        return 0.0


def restart(workdir: Path) -> tuple[LiveServer, float]:
    """A new process on the same data directory (its CLI token is made anew, as LiveServer does)."""
    tvemicro("token", "revoke", "ci", "--data-dir", str(workdir / "data"))
    t0 = time.monotonic()
    server = LiveServer(workdir, speed=1.0)  # returns once /health is 200
    return server, time.monotonic() - t0


def drill_kill(workdir: Path, kills: int, rng: random.Random) -> Row:
    """kill -9 at a random moment while heating (every other run with a latched E-stop trip)."""
    lost, recover, kept, outputs_off = [], [], 0, 0
    server = LiveServer(workdir, speed=1.0)
    for k in range(kills):
        heat(server)
        latched = k % 2 == 1
        if latched:
            server.request("POST", f"{V}/machine/estop")
        load = Load(server, 3.0)
        time.sleep(rng.uniform(0.5, 2.5))
        killed_at = time.time()
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(5)
        load.result()
        lost.append(killed_at - newest_sample(workdir / "data"))
        server, took = restart(workdir)
        recover.append(took)
        outputs_off += heaters_on(server) is False
        kept += (state(server) == "fault") == latched
        if latched:
            server.request("POST", f"{V}/alarms/ack-all")
            server.request("POST", f"{V}/machine/reset")
    server.stop()
    return {
        "drill": f"kill -9 ×{kills}",
        "lost": f"history ≤ {max(lost):.2f} s (newest sample vs kill; 1 s sample period)",
        "safe": "at the kill: heartbeat stops, the external relay drops (hw, not on this box)",
        "recover": f"restart to /health 200: median {sorted(recover)[len(recover) // 2]:.1f} s, "
        f"max {max(recover):.1f} s",
        "ok": f"outputs off after start {outputs_off}/{kills}; latched trip kept / none invented "
        f"{kept}/{kills}",
    }


def drill_sigstop(workdir: Path) -> Row:
    """SIGSTOP for 3 s (> watchdog 2 s): on SIGCONT the loop sees the stall and trips."""
    server = LiveServer(workdir, speed=1.0)
    heat(server)
    load = Load(server, 6.0)
    server.proc.send_signal(signal.SIGSTOP)
    time.sleep(WATCHDOG_S + 1.0)
    server.proc.send_signal(signal.SIGCONT)
    safe = wait(lambda: heaters_on(server) is False and state(server) == "fault", 5)
    _, alarms = server.get(f"{V}/alarms?state=active")
    codes = sorted({a["code"] for a in alarms.get("alarms", [])})
    load.result()
    server.request("POST", f"{V}/alarms/ack-all")
    t0 = time.monotonic()
    server.request("POST", f"{V}/machine/reset")
    back = wait(lambda: state(server) == "idle", 10)
    recover = None if back is None else time.monotonic() - t0
    server.stop()
    return {
        "drill": "SIGSTOP 3 s (watchdog 2 s)",
        "lost": "3 s of samples (nothing runs while stopped)",
        "safe": f"{fmt(safe)} after SIGCONT (while stopped only the relay can act)",
        "recover": f"ack + reset → idle {fmt(recover)}",
        "ok": f"trip codes {codes}",
    }


def drill_disk_full(workdir: Path) -> Row:
    """The simulator's disk_full fault (the historian's writes fail as on a full disk)."""
    server = LiveServer(workdir, speed=1.0)
    heat(server)
    load = Load(server, 8.0)
    _, body = server.request("POST", f"{V}/sim/faults", {"kind": "disk_full"})
    t0 = time.monotonic()
    degraded = wait(lambda: server.get("/health")[1].get("status") == "degraded", 10)
    time.sleep(3)
    still_heating = heaters_on(server) is not None and state(server) == "heating"
    server.request("DELETE", f"{V}/sim/faults/{body['id']}")
    lost = time.monotonic() - t0
    back = wait(lambda: server.get("/health")[1].get("status") == "ok", 30)
    load.result()
    server.stop()
    return {
        "drill": "data-dir disk full (sim fault)",
        "lost": f"history for the {lost:.1f} s the disk was full (counted, warning alarm)",
        "safe": f"no trip by design (still heating: {still_heating}); degraded in {fmt(degraded)}",
        "recover": f"/health ok {fmt(back)} after space came back",
        "ok": "a real ENOSPC on a tmpfs was not tried (no mount rights assumed here)",
    }


def metric(server: LiveServer, name: str) -> float:
    _, text = server.get("/metrics")
    return sum(float(ln.split()[-1]) for ln in str(text).splitlines() if ln.startswith(name + " "))


def drill_cpu_hog(workdir: Path, seconds: float = 10.0) -> Row:
    """Two busy loops at nice -20 (both cores) for 10 s."""
    server = LiveServer(workdir, speed=1.0)
    heat(server)
    before = metric(server, "tvemicro_loop_overruns_total")
    load = Load(server, seconds)
    hogs = [subprocess.Popen(["nice", "-n", "-20", sys.executable, "-c", "while True: pass"])
            for _ in range(os.cpu_count() or 2)]  # fmt: skip
    time.sleep(seconds)
    for hog in hogs:
        hog.kill()
        hog.wait()
    result = load.result()
    overruns = metric(server, "tvemicro_loop_overruns_total") - before
    st = state(server)
    server.stop()
    return {
        "drill": f"CPU hog nice -20 ×{len(hogs)} for {seconds:.0f} s",
        "lost": f"{overruns:.0f} overrun ticks; REST errors {result.get('errors')}",
        "safe": f"state after: {st} (no trip expected)",
        "recover": "immediate once the hog stops",
        "ok": "",
    }


def drill_db_deleted(workdir: Path) -> Row:
    """history.sqlite3 (and -wal, -shm) deleted under the running process."""
    server = LiveServer(workdir, speed=1.0)
    heat(server)
    load = Load(server, 6.0)
    data = workdir / "data"
    for suffix in ("", "-wal", "-shm"):
        (data / f"history.sqlite3{suffix}").unlink(missing_ok=True)
    time.sleep(5)
    code, health = server.get("/health")
    hist_code, _ = server.get(f"{V}/history?since=-10s")
    load.result()
    server.stop()
    server, took = restart(workdir)
    fresh = newest_sample(data) > 0
    server.stop()
    return {
        "drill": "history DB deleted under the process",
        "lost": "all history; new samples go to the unlinked file until restart",
        "safe": f"no trip (control continues); /health {code} {health.get('status')}, "
        f"/history {hist_code}",
        "recover": f"restart {took:.1f} s, new database {'written' if fresh else 'EMPTY'}",
        "ok": "the process does not notice the deletion (noted, not fixed here)",
    }


def drill_config_typo(workdir: Path) -> Row:
    """A typo in config.yaml on restart: refused with the key named; the latched trip survives."""
    server = LiveServer(workdir, speed=1.0)
    server.request("POST", f"{V}/machine/estop")
    server.stop()
    good = server.config.read_text()
    server.config.write_text(good.replace("tick_s:", "tick_ss:", 1))
    t0 = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "run", "--sim", "--headless", "--config",
         str(server.config), "--data-dir", str(workdir / "data"), "--port", "0"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    refused = time.monotonic() - t0
    named = "tick_ss" in done.stderr + done.stdout
    server, took = restart(workdir)  # LiveServer writes the good config again
    latched = state(server) == "fault"
    server.stop()
    return {
        "drill": "config typo on restart",
        "lost": "nothing (the process never started)",
        "safe": f"refused in {refused:.1f} s, exit {done.returncode}, key named: {named}",
        "recover": f"fixed config → healthy in {took:.1f} s; latched trip kept: {latched}",
        "ok": "",
    }


def drill_clock_jump(workdir: Path) -> Row:
    """Wall-clock steps of ±1 h in the sim process only (libfaketime); see ops/chaos_clock.py."""
    from ops.chaos_clock import drill_clock_jump as drill  # imports this module: load it late

    return drill(workdir)


DRILLS: dict[str, Callable[..., Row]] = {
    "kill": drill_kill, "sigstop": drill_sigstop, "disk_full": drill_disk_full,
    "cpu_hog": drill_cpu_hog, "clock_jump": drill_clock_jump, "db_deleted": drill_db_deleted,
    "config_typo": drill_config_typo,
}  # fmt: skip


def table(rows: list[Row]) -> str:
    cols = ("drill", "lost", "safe", "recover", "ok")
    heads = ("drill", "what was lost", "time to safe", "time to recover", "checks / notes")
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(r.get(c, "") for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--only", choices=sorted(DRILLS), action="append", help="run only these")
    p.add_argument("--kills", type=int, default=10)
    p.add_argument("--seed", type=int, default=13)
    args = p.parse_args()
    rng = random.Random(args.seed)
    rows = []
    for name in args.only or list(DRILLS):
        with tempfile.TemporaryDirectory(prefix=f"chaos-{name}-") as tmp:
            print(f"== {name}", file=sys.stderr, flush=True)
            kw: dict[str, Any] = {"kills": args.kills, "rng": rng} if name == "kill" else {}
            rows.append(DRILLS[name](Path(tmp), **kw))
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
