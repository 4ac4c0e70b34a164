"""The kiosk feeds /metrics: every frame's interval, and each tap's round trip to the core."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from app.services.observability import UI

pytestmark = pytest.mark.ui


def _value(name: str, labels: dict[str, str] | None = None) -> float:
    registry = CollectorRegistry()
    registry.register(UI)
    value = registry.get_sample_value(name, labels or {})
    return 0.0 if value is None else value


def test_frames_and_a_tapped_stop_land_in_the_histograms(kiosk: Any, fresh: None) -> None:
    frames_before = _value("tvemicro_ui_frame_interval_seconds_count")
    kiosk.frames(5)
    assert _value("tvemicro_ui_frame_interval_seconds_count") >= frames_before + 5

    labels = {"action": "Stop", "result": "applied"}
    stops_before = _value("tvemicro_hmi_command_roundtrip_seconds_count", labels)
    kiosk.show("overview")
    kiosk.tap(kiosk.app.root.ids.stop)  # STOP lives in the header, on every screen
    kiosk.until(
        lambda: _value("tvemicro_hmi_command_roundtrip_seconds_count", labels) == stops_before + 1,
        what="the STOP tap's round trip recorded",
    )
    registry = CollectorRegistry()
    registry.register(UI)
    assert (
        b'tvemicro_hmi_command_roundtrip_seconds_bucket{action="Stop",le="3.0",result="applied"}'
        in (generate_latest(registry))
    )
