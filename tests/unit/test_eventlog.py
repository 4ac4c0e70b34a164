"""The level table of DESIGN §9 for alarm transitions and panel logins."""

from __future__ import annotations

import pytest

from app.services import eventlog
from tests.logcapture import capture_log


@pytest.mark.parametrize(
    ("action", "severity", "level"),
    [
        ("raised", "trip", "error"),
        ("restored", "trip", "error"),
        ("raised", "warning", "warning"),
        ("returned", "warning", "warning"),
        ("raised", "info", "info"),
        ("cleared", "warning", "info"),
        ("acked", "trip", "info"),
        ("reset", "trip", "info"),
        ("shelved", "warning", "info"),
        ("unshelved", "warning", "info"),
    ],
)
def test_alarm_levels(action: str, severity: str, level: str) -> None:
    assert eventlog.alarm_level(action, severity) == level


def test_panel_logins_are_info_and_a_wrong_pin_a_warning() -> None:
    with capture_log("info") as log:
        eventlog.log_login({"result": "ok", "who": "ana", "role": "operator", "source": "touch"})
        eventlog.log_login({"result": "failed", "who": "ana", "source": "touch"})
        eventlog.log_login({"result": "logout", "who": "ana", "reason": "timeout"})
    assert [(ln["event"], ln["level"]) for ln in log.lines] == [
        ("login", "info"),
        ("login_failed", "warning"),
        ("login", "info"),
    ]
