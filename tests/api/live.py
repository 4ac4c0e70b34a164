"""A real `tvemicro run --sim --headless` process on a free loopback port, with a CLI token."""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from tests.support import ROOT, raw_config

START_TIMEOUT_S = 60.0
_URL = re.compile(r"REST server on (http://127\.0\.0\.1:\d+)")


def tvemicro(*args: str, timeout_s: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a child process (the way an operator or CI would)."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


class LiveServer:
    """Start with a config override; `url`, `token`, `stderr_text()`; `stop()` sends SIGTERM.
    `log_level` "debug" adds the per-request access lines; `nofile` sets the child's
    RLIMIT_NOFILE soft limit (as systemd's LimitNOFILE would); `env` adds to the child's
    environment (the chaos drill's LD_PRELOAD of libfaketime)."""

    def __init__(
        self,
        workdir: Path,
        speed: float = 50.0,
        log_level: str = "info",
        nofile: int | None = None,
        env: dict[str, str] | None = None,
        **api: Any,
    ) -> None:
        data = raw_config()
        data["api"].update({"host": "127.0.0.1", "port": 0, **api})
        self.config = workdir / "config.yaml"
        self.config.write_text(yaml.safe_dump(data))
        self.data_dir = workdir / "data"
        made = tvemicro("token", "create", "--role", "admin", "--name", "ci",
                        "--data-dir", str(self.data_dir))  # fmt: skip
        assert made.returncode == 0, made.stderr
        self.token = made.stdout.strip()
        self._lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "run", "--sim", "--headless", "--speed", str(speed),
             "--port", "0", "--config", str(self.config), "--data-dir", str(self.data_dir),
             "--log-level", log_level],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            preexec_fn=None if nofile is None else lambda: _limit_files(nofile),
        )  # fmt: skip
        threading.Thread(target=self._drain, daemon=True).start()
        self.url = self._wait_for_url()
        self._wait_healthy()

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._lines.append(line)

    def stderr_text(self) -> str:
        return "".join(self._lines)

    def wait_for_log(self, needle: str, timeout_s: float = 10.0) -> list[dict[str, Any]]:
        """The JSON log lines that contain `needle` (waits for the reader thread to see one)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            lines = [ln for ln in self.stderr_text().splitlines() if needle in ln]
            if lines:
                return [json.loads(ln) for ln in lines]
            time.sleep(0.05)
        return []

    def _wait_for_url(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            found = _URL.search(self.stderr_text())
            if found:
                return found.group(1)
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise AssertionError(f"server did not start:\n{self.stderr_text()[-3000:]}")

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.get("/health")[0] == 200:
                return
            time.sleep(0.05)
        raise AssertionError(f"never healthy: {self.get('/health')}")

    def request(self, method: str, path: str, body: Any = None, **headers: str) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        hdrs = {"Authorization": f"Bearer {self.token}", **headers}
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        req = urllib.request.Request(self.url + path, data, hdrs, method=method)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, _decode(resp)
        except urllib.error.HTTPError as err:
            return err.code, _decode(err)

    def get(self, path: str) -> tuple[int, Any]:
        return self.request("GET", path)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


def _limit_files(soft: int) -> None:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _decode(resp: Any) -> Any:
    raw = resp.read()
    if resp.headers.get_content_type() == "application/json":
        return json.loads(raw)
    return raw.decode()
