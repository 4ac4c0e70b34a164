"""A real `tvemicro run --sim --headless` process: a trip injected over REST reaches stderr as a
JSON line at error, and at the default level no per-request lines are written."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.live import LiveServer

pytestmark = pytest.mark.timeout(300)
V = "/api/v1"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path_factory.mktemp("logs"), speed=20)
    yield server
    server.stop()


def test_a_trip_reaches_stderr_at_error_with_code_and_source(live: LiveServer) -> None:
    code, _ = live.request("POST", f"{V}/sim/faults", {"kind": "estop", "target": None})
    assert code == 200
    trips = [ln for ln in live.wait_for_log('"alarm_raised"') if ln["code"] == "estop_chain"]
    assert trips and trips[0]["level"] == "error" and trips[0]["source"] == "machine"
    states = live.wait_for_log('"to": "fault"')
    assert states and states[0]["event"] == "state" and states[0]["level"] == "info"
    audits = live.wait_for_log('"InjectFault"')
    assert audits and audits[0]["level"] == "info" and audits[0]["who"] == "ci"


def test_no_request_lines_at_the_default_level(live: LiveServer) -> None:
    for _ in range(20):
        assert live.get(f"{V}/status")[0] == 200
    assert live.wait_for_log('"event": "login"')  # the server did log meanwhile
    assert '"event": "http"' not in live.stderr_text()
