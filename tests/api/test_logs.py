"""REST log lines: logins at info, failed tokens and lockouts at warning, per-request lines only
on the access logger at debug, refused commands at warning."""

from __future__ import annotations

import pytest

from app.services import eventlog
from tests.api.conftest import MakeApi, V
from tests.logcapture import capture_log


async def test_request_lines_are_silent_at_the_default_level(
    make_api: MakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    api = await make_api()
    with capture_log("info") as log:
        for _ in range(5):
            code, _ = await api.call("GET", f"{V}/status", "viewer")
            assert code == 200
    assert log.events("http") == []
    assert '"http"' not in capsys.readouterr().err  # nor written around the logger


async def test_request_lines_at_debug_go_to_the_access_logger(make_api: MakeApi) -> None:
    api = await make_api()
    with capture_log("debug") as log:
        await api.call("GET", f"{V}/status", "viewer", headers={"X-Request-Id": "acc-1"})
    (line,) = log.events("http")
    assert line["logger"] == "tvemicro.access" and line["level"] == "debug"
    assert (line["request_id"], line["method"], line["status"]) == ("acc-1", "GET", 200)
    assert line["path"] == f"{V}/status" and line["duration_ms"] >= 0


async def test_a_login_is_info_and_a_bad_token_a_warning(make_api: MakeApi) -> None:
    api = await make_api()
    with capture_log("info") as log:
        await api.call("GET", f"{V}/status", "operator")
        await api.call("GET", f"{V}/status", "tvm_not-a-token")
    (login,) = log.events("login")
    assert login["level"] == "info" and login["role"] == "operator"
    assert login["source"] == "rest"
    (failed,) = log.events("login_failed")
    assert failed["level"] == "warning" and failed["locked_out"] is False
    assert "tvm_not-a-token" not in log.text()


async def test_the_lockout_is_a_warning_that_says_so(make_api: MakeApi) -> None:
    api = await make_api(**{"api.auth_max_failures": 2})
    with capture_log("info") as log:
        for _ in range(3):
            await api.call("GET", f"{V}/status", "wrong")
    failed = log.events("login_failed")
    assert [ln["locked_out"] for ln in failed] == [False, True]  # the third is a 429, no login
    assert all(ln["level"] == "warning" for ln in failed)


async def test_a_refused_rest_command_is_a_warning_line(make_api: MakeApi) -> None:
    api = await make_api()
    eventlog.attach(api.machine.core)
    with capture_log("info") as log:
        code, _ = await api.call("PUT", f"{V}/zones/barrel", "operator", json={"setpoint_c": 9999})
        api.run_for(0.1)
    assert code == 422
    (line,) = [ln for ln in log.events("audit") if ln["result"] == "refused"]
    assert line["level"] == "warning" and line["source"] == "rest" and line["who"]
    assert line["error_code"] == "invalid_field"


async def test_a_command_refused_for_its_role_is_a_warning_line(make_api: MakeApi) -> None:
    api = await make_api()
    with capture_log("info") as log:
        code, _ = await api.call("POST", f"{V}/machine/stop", "viewer")
    assert code == 403
    (line,) = log.events("forbidden")
    assert line["level"] == "warning" and (line["role"], line["needed"]) == ("viewer", "operator")
