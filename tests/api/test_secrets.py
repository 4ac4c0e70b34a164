"""No secret (token, token hash) in any response or log line, over every GET route."""

from __future__ import annotations

import hashlib

import pytest

from app.api.routes import ROUTES
from tests.api.conftest import Api, V
from tests.logcapture import capture_log

GETS = [r.path.replace("{id}", "barrel") for r in ROUTES if r.method == "GET"]


def _secrets(api: Api) -> list[str]:
    tokens = list(api.tokens.values())
    hashes = [hashlib.sha256(t.encode()).hexdigest() for t in tokens]
    return tokens + hashes + [t.removeprefix("tvm_")[:16] for t in tokens]


async def test_no_secret_in_any_get_response_or_log_line(
    api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    api.run_for(2)
    with capture_log("debug") as log:
        await api.call("GET", f"{V}/status", "nope")  # a failed login is logged too
        await api.call("PUT", f"{V}/zones/barrel", "operator", json={"setpoint_c": 190})
        seen = []
        for path in GETS:
            for role in ("admin", None):
                auth = {"Authorization": f"Bearer {api.tokens['admin']}"} if role else {}
                resp = await api.client.get(path, headers=auth)
                seen.append(await resp.text())
                seen.append(repr(dict(resp.headers)))
    logs = log.text() + capsys.readouterr().err
    assert '"event": "http"' in logs and '"event": "login_failed"' in logs
    blob = "\n".join(seen) + logs
    for secret in _secrets(api):
        assert secret not in blob
    assert "sha256" not in blob


async def test_every_log_line_of_a_request_carries_its_request_id(api: Api) -> None:
    with capture_log("debug") as log:
        resp = await api.client.get(f"{V}/status", headers={"X-Request-Id": "trace-42"})
    assert resp.status == 401 and resp.headers["X-Request-Id"] == "trace-42"
    lines = [line for line in log.raw if "trace-42" in line]
    assert lines and '"status": 401' in lines[0] and '"route": "/api/v1/status"' in lines[0]
