"""Integration: a real headless sim process on a loopback port; the smoke tool passes against it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.live import LiveServer, tvemicro

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(
        tmp_path_factory.mktemp("live"), speed=50, log_level="debug", allow_remote_start=True
    )
    yield server
    assert server.stop() == 0, server.stderr_text()[-2000:]


def test_smoke_passes_including_a_production_cycle(live: LiveServer) -> None:
    run = tvemicro("smoke", "--url", live.url, "--token", live.token, "--cycle", "--hold-s", "10")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "smoke: 7/7 passed" in run.stdout
    assert "FAIL" not in run.stdout
    code, snap = live.get("/api/v1/status")
    assert code == 200 and snap["state"] == "idle"
    assert all(z["duty"] == 0 for z in snap["zones"])


def test_smoke_fails_and_says_why_with_a_bad_token(live: LiveServer) -> None:
    run = tvemicro("smoke", "--url", live.url, "--token", "tvm_wrong")
    assert run.returncode == 1
    assert "PASS" in run.stdout  # /health is anonymous
    assert "401" in run.stdout and "smoke: 2/6 passed" in run.stdout  # health, metrics: anonymous


def test_request_ids_are_echoed_and_logged_as_json(live: LiveServer) -> None:
    code, _ = live.request("GET", "/api/v1/status", **{"X-Request-Id": "integration-77"})
    assert code == 200
    lines = live.wait_for_log("integration-77")
    assert lines and lines[0]["event"] == "http" and lines[0]["status"] == 200
    assert lines[0]["logger"] == "tvemicro.access" and lines[0]["level"] == "debug"
    assert lines[0]["who"] == "ci"


def test_a_token_made_after_start_works_at_once(live: LiveServer, tmp_path: Path) -> None:
    made = tvemicro("token", "create", "--role", "viewer", "--data-dir", str(live.data_dir))
    viewer = made.stdout.strip()
    code, _ = live.request("GET", "/api/v1/status", Authorization=f"Bearer {viewer}")
    assert code == 200
    code, _ = live.request("POST", "/api/v1/machine/stop", Authorization=f"Bearer {viewer}")
    assert code == 403


def test_history_export_from_the_cli_reads_the_running_historian(
    live: LiveServer, tmp_path: Path
) -> None:
    out = tmp_path / "h.csv"
    _, snap = live.get("/api/v1/status")
    now = int(snap["wall_s"]) - 30  # the writer commits every 0.5 wall s = 25 machine s at 50x
    span = [f"--since={now - 30}", f"--until={now}", "--series", "barrel.temperature_c"]
    run = tvemicro("history", "export", *span, "--csv", str(out), "--data-dir", str(live.data_dir))
    assert run.returncode == 0, run.stderr
    rows = out.read_text().splitlines()
    assert rows[0] == "timestamp,barrel.temperature_c" and len(rows) == 31
    assert sum(1 for r in rows[1:] if r.split(",")[1]) >= 25
