"""kill -9 a real `tvemicro run --sim` and measure, on its own clock, what history it lost."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from app.storage import db
from control.isotime import iso
from tests.support import ROOT

PORT_RE = re.compile(r"REST server on http://[^:]+:(\d+)")


@dataclass(frozen=True, slots=True)
class KillResult:
    """The process's clock at its last /health before the kill, and the newest stored sample."""

    health_wall_s: float
    newest_sample_s: float
    samples: int
    integrity: str

    @property
    def gap_s(self) -> float:
        """How much older than the process's last known time the newest stored sample is."""
        return self.health_wall_s - self.newest_sample_s

    def lost_s(self, period_s: float) -> float:
        """How long the oldest sample made but not stored had waited when the process died
        (0 when every sample it made up to its last /health answer is in the database)."""
        return max(0.0, self.gap_s - period_s)


def _wall(timestamp: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


def _health(port: int) -> float:
    """The process's wall clock (its snapshot timestamp) from GET /health."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as resp:
        body = json.loads(resp.read())
    return _wall(str(body["timestamp"]))


def _port(log: Path, proc: subprocess.Popen[bytes], deadline: float) -> int:
    while time.monotonic() < deadline and proc.poll() is None:
        found = PORT_RE.search(log.read_text(errors="replace")) if log.exists() else None
        if found:
            return int(found.group(1))
        time.sleep(0.05)
    raise RuntimeError(f"the server did not start: {log.read_text(errors='replace')[-2000:]}")


def count_samples(path: Path) -> tuple[int, float]:
    """(distinct sample times, newest) in the historian; (0, 0.0) when there is none yet."""
    if not path.exists():
        return 0, 0.0
    try:
        conn = sqlite3.connect(path, timeout=1)
        try:
            n, newest = conn.execute("SELECT COUNT(DISTINCT t), MAX(t) FROM samples").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return 0, 0.0
    return int(n), float(newest or 0.0)


def kill_once(
    data_dir: Path, config: Path, min_samples: int = 4, extra_s: float = 0.0
) -> KillResult:
    """Run until `min_samples` are stored and `extra_s` more (process clock) passed, read /health
    once more and kill -9 right after it."""
    log = data_dir / "stderr.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "app.cli", "run", "--sim", "--headless", "--config", str(config),
           "--host", "127.0.0.1", "--port", "0", "--data-dir", str(data_dir)]  # fmt: skip
    with open(log, "wb") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
    path = db.db_path(data_dir)
    try:
        deadline = time.monotonic() + 90
        port = _port(log, proc, deadline)
        while time.monotonic() < deadline and count_samples(path)[0] < min_samples:
            time.sleep(0.05)
        start = _health(port)
        while _health(port) < start + extra_s:
            time.sleep(0.01)
        health_wall_s = _health(port)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    conn = sqlite3.connect(path)
    try:
        integrity = str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()
    n, newest = count_samples(path)
    return KillResult(health_wall_s, newest, n, integrity)


def describe(result: KillResult) -> str:
    return (f"last /health {iso(result.health_wall_s)}, newest sample {iso(result.newest_sample_s)}"
            f" ({result.gap_s:.3f} s older), {result.samples} samples")  # fmt: skip
