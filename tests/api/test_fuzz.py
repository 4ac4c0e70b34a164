"""Schemathesis over the published OpenAPI document against a live process: no 5xx, responses
match their schemas, and no rejected request changes any state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from app.api.openapi import build_openapi
from tests.api.live import LiveServer
from tests.support import config_with

pytestmark = pytest.mark.timeout(900)
RESTING = ("idle", "fault", "disabled")  # states nothing leaves without a command


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path_factory.mktemp("fuzz"), speed=20)
    yield server
    code = server.stop()
    errors = [line for line in server.stderr_text().splitlines() if "internal_error" in line]
    assert not errors, "\n".join(errors)[:5000]
    assert code == 0, server.stderr_text()[-3000:]


# The very document the server publishes (tests/api/test_openapi.py checks they are the same).
schema = schemathesis.openapi.from_dict(build_openapi(config_with()))


def commanded_state(live: LiveServer) -> dict[str, Any]:
    """Everything only a command may change. The sequencer state counts only while it rests."""
    snap = live.get("/api/v1/status")[1]
    faults = live.get("/api/v1/sim/faults")[1]["faults"]
    state = {
        "mode": snap["mode"],
        "hmi_enabled": snap["hmi_enabled"],
        "zones": [(z["id"], z["setpoint_c"], z["pid"], z["manual_duty"]) for z in snap["zones"]],
        "run_rpm": [(m["id"], m["run_rpm"]) for m in snap["motors"]],
        "faults": [f["id"] for f in faults],
        "acked": {a["id"]: (a["acked_at"], a["shelved_until"]) for a in snap["alarms"]},
    }
    if snap["state"] in RESTING and not faults:
        state["state"] = snap["state"]
    return state


def _same(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Alarms may come and go by themselves; an alarm seen in both must keep its ack/shelve."""
    common = before["acked"].keys() & after["acked"].keys()
    acks_kept = all(before["acked"][k] == after["acked"][k] for k in common)
    strip = [{k: v for k, v in d.items() if k != "acked"} for d in (before, after)]
    if "state" not in strip[0] or "state" not in strip[1]:
        for d in strip:
            d.pop("state", None)
    return acks_kept and strip[0] == strip[1]


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_rejections_change_nothing(case: Any, live: LiveServer) -> None:
    assert live.get("/api/v1/openapi.json")[1] == schema.raw_schema
    before = commanded_state(live)
    response = case.call(base_url=live.url, headers={"Authorization": f"Bearer {live.token}"})
    case.validate_response(
        response,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
    if response.status_code >= 400:
        after = commanded_state(live)
        assert _same(before, after), f"{case.method} {case.formatted_path} → "\
            f"{response.status_code} changed state:\n{before}\n{after}"  # fmt: skip
