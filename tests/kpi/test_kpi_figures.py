"""`tvemicro kpi` over synthetic events in a real SQLite historian, every figure hand-computed."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.storage.historian import Historian

T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC
H, D = 3600.0, 86400.0


def alarm(
    aid: int, code: str, severity: str, raised: float, **times: float | None
) -> dict[str, Any]:
    return {
        "id": aid,
        "code": code,
        "source": "machine",
        "severity": severity,
        "message": code,
        "raised_at": raised,
        "acked_at": times.get("acked"),
        "cleared_at": times.get("cleared"),
    }


def audit(source: str, result: str, code: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "who": "ana",
        "role": "operator",
        "source": source,
        "action": "SetSetpoint",
        "result": result,
    }
    if code:
        data["error"] = {"code": code, "message": code}
    return data


def touch(who: str, result: str = "ok", **more: Any) -> dict[str, Any]:
    return {"result": result, "who": who, "role": "operator", "source": "touch", **more}


EVENTS: list[tuple[float, str, dict[str, Any]]] = [
    # panel logins: week 1 ana (early), ben (late), ana (night); week 2 ana (early), cem (late)
    (T0 + 7 * H, "login", touch("ana")),
    (T0 + 8 * H, "login", touch("ana", "logout", session_s=3600.0, reason="manual")),
    (T0 + 15 * H, "login", touch("ben")),
    (T0 + 15.5 * H, "login", touch("ben", "logout", session_s=1800.0, reason="idle")),
    (T0 + D + 23 * H, "login", touch("ana")),
    (T0 + 8 * D + 7 * H, "login", touch("ana")),
    (T0 + 9 * D + 15 * H, "login", touch("cem")),
    (T0 + 9 * D + 16 * H, "login", touch("eve", "failed")),  # a failed PIN
    (T0 + 9 * D + 17 * H, "login", {"result": "ok", "who": "line-smoke", "source": "rest"}),
    # commands: 4 from the panel (1 refused), 2 over REST (1 refused)
    (T0 + 1.1 * H, "audit", audit("touch", "applied")),
    (T0 + 1.2 * H, "audit", audit("touch", "applied")),
    (T0 + 1.3 * H, "audit", audit("touch", "applied")),
    (T0 + 1.4 * H, "audit", audit("touch", "refused", "interlock")),
    (T0 + 1.5 * H, "audit", audit("rest", "applied")),
    (T0 + 1.6 * H, "audit", audit("rest", "refused", "gate_not_passed")),
    # states: idle → heating 1 h → running 3 h → fault 1 h → idle
    (T0 + 1 * H, "state", {"from": "idle", "to": "heating", "reason": "start"}),
    (T0 + 2 * H, "state", {"from": "heating", "to": "running", "reason": "gate"}),
    (T0 + 5 * H, "state", {"from": "running", "to": "fault", "reason": "tc_open"}),
    (T0 + 6 * H, "state", {"from": "fault", "to": "idle", "reason": "reset"}),
]
A1 = alarm(1, "disk_full", "warning", T0 + 1 * H)
A2 = alarm(2, "estop", "trip", T0 + 2 * H)
A3 = alarm(3, "sensor_stale", "warning", T0 + 3 * H)
A4 = alarm(4, "tc_open", "trip", T0 + 4 * H)
EVENTS += [
    (T0 + 1 * H, "alarm", {"action": "raised", "alarm": A1}),
    (T0 + 1 * H + 60, "alarm", {"action": "acked", "alarm": {**A1, "acked_at": T0 + H + 60}}),
    (
        T0 + 1 * H + 120,
        "alarm",
        {"action": "cleared", "alarm": {**A1, "acked_at": T0 + H + 60, "cleared_at": T0 + H + 120}},
    ),
    (T0 + 2 * H, "alarm", {"action": "raised", "alarm": A2}),
    (T0 + 2 * H + 30, "alarm", {"action": "acked", "alarm": {**A2, "acked_at": T0 + 2 * H + 30}}),
    (T0 + 2 * H + 40, "alarm", {"action": "reset", "alarm": {**A2, "acked_at": T0 + 2 * H + 30}}),
    (T0 + 3 * H, "alarm", {"action": "raised", "alarm": A3}),
    (T0 + 3 * H + 300, "alarm", {"action": "acked", "alarm": {**A3, "acked_at": T0 + 3 * H + 300}}),
    (T0 + 4 * H, "alarm", {"action": "raised", "alarm": A4}),
]


def historian_with(data_dir: Path, events: list[tuple[float, str, dict[str, Any]]]) -> Path:
    """Events written by the product's own historian writer (its thread, its schema)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    historian = Historian(data_dir / "history.sqlite3", 1000, 365 * D)
    historian.start()
    for t, kind, data in events:
        historian.record(kind, t, data)
    assert historian.flush()
    historian.close()
    roster = {"users": [{"name": n, "role": "operator"} for n in ("ana", "ben", "cem", "dora")]}
    (data_dir / "users.json").write_text(json.dumps(roster))
    return data_dir


def kpi(capsys: pytest.CaptureFixture[str], data_dir: Path, until: float, *more: str) -> str:
    code = main(
        ["kpi", "--data-dir", str(data_dir), "--since", str(T0), "--until", str(until), *more]
    )
    out = capsys.readouterr().out
    assert code == 0
    return out


@pytest.fixture
def report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    data_dir = historian_with(tmp_path / "data", EVENTS)
    result: dict[str, Any] = json.loads(kpi(capsys, data_dir, T0 + 14 * D, "--json"))
    return result


def test_adoption(report: dict[str, Any]) -> None:
    a = report["adoption"]
    assert a["activation"] == {
        "roster": 4,
        "active": 3,
        "ratio": 0.75,
        "never_logged_in": ["dora"],
        "not_in_roster": [],
    }
    weeks = a["retention"]
    assert [(w["users"], w["retained"], w["ratio"]) for w in weeks] == [
        (2, None, None),
        (2, 1, 0.5),
    ]
    assert a["command_sources"] == {
        "total": 6,
        "by_source": {"rest": 2, "touch": 4},
        "panel_share": 4 / 6,
        "rest_share": 2 / 6,
    }
    shifts = a["logins_per_shift"]
    assert shifts["early"] == {"logins": 2, "shifts": 14, "per_shift": 2 / 14}
    assert shifts["late"] == {"logins": 2, "shifts": 14, "per_shift": 2 / 14}
    assert shifts["night"] == {"logins": 1, "shifts": 14, "per_shift": 1 / 14}
    assert a["failed_panel_logins"] == 1


def test_quality(report: dict[str, Any]) -> None:
    q = report["quality"]
    assert q["commands"] == {
        "by_result": {"applied": 4, "refused": 2},
        "not_applied_by_reason": {"refused:interlock": 1, "refused:gate_not_passed": 1},
    }
    al = q["alarms"]
    assert al["raised"] == 4 and al["by_severity"] == {"trip": 2, "warning": 2}
    assert al["trips_by_cause"] == {"estop": 1, "tc_open": 1}
    assert al["operator_hours"] == 1.5 and al["per_operator_hour"] == pytest.approx(4 / 1.5)
    assert al["per_hour"] == pytest.approx(4 / (14 * 24))  # no samples: never seen off
    assert al["standing_at_end"] == 2
    assert al["standing"] == ["sensor_stale@machine", "tc_open@machine"]
    assert al["ack_times_s"] == [30.0, 60.0, 300.0]
    assert al["ack_median_s"] == 60.0 and al["ack_p90_s"] == 300.0
    st = q["states"]
    assert st["seconds"] == {
        "fault": 1 * H,
        "heating": 1 * H,
        "idle": 14 * D - 5 * H,
        "running": 3 * H,
    }
    assert st["availability"] == pytest.approx(3 / 5)


def test_off_times_and_history_gaps_come_from_the_samples(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = [
        (T0 + 100, "state", {"from": "idle", "to": "heating", "reason": "start"}),
        (T0 + 3000, "state", {"from": "heating", "to": "running", "reason": "gate"}),
    ]
    data_dir = historian_with(tmp_path / "data", events)
    times = [T0 + s for s in range(600)]
    times += [T0 + s for s in range(3600, 4000) if not 3800 <= s < 3810]  # 10 s lost
    conn = sqlite3.connect(data_dir / "history.sqlite3")
    conn.execute("INSERT INTO series (id, name) VALUES (1, 'barrel.temperature_c')")
    conn.executemany("INSERT INTO samples VALUES (1, ?, 20.0)", [(t,) for t in times])
    conn.commit()
    conn.close()
    r = json.loads(kpi(capsys, data_dir, T0 + 2 * H, "--json"))
    states = r["quality"]["states"]
    # idle [0,100) heating [100,599) off [599,3600) idle [3600,3999) off [3999,7200); the
    # state event at 3000 falls inside an off-time and is ignored
    assert states["seconds"] == {"heating": 499.0, "idle": 499.0, "off": 3001.0 + 3201.0}
    assert states["availability"] == 0.0
    assert r["latency"]["historian"] == {
        "samples": 990,
        "period_s": 1.0,
        "gaps": 1,
        "missing_s": 10.0,
        "longest_gap_s": 11.0,
    }


def test_text_and_csv_say_the_same(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = historian_with(tmp_path / "data", EVENTS)
    text = kpi(capsys, data_dir, T0 + 14 * D)
    assert "3/4 operators logged in on the panel (75 %); never: dora" in text
    assert "median 60.0 s, p90 300.0 s over 3 acks" in text
    assert "availability        60 %" in text
    csv_text = kpi(capsys, data_dir, T0 + 14 * D, "--csv", "-")
    assert "adoption.activation.ratio,0.75\n" in csv_text
    assert "quality.alarms.trips_by_cause.tc_open,1\n" in csv_text
    assert "adoption.retention.1.ratio,0.5\n" in csv_text


def test_process_histograms_from_a_saved_scrape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scrape = tmp_path / "metrics.txt"
    scrape.write_text(
        'tvemicro_http_request_duration_seconds_bucket{le="0.25",route="a"} 0.0\n'
        'tvemicro_http_request_duration_seconds_bucket{le="0.5",route="a"} 50.0\n'
        'tvemicro_http_request_duration_seconds_bucket{le="+Inf",route="a"} 50.0\n'
        'tvemicro_http_request_duration_seconds_bucket{le="0.25",route="b"} 50.0\n'
        'tvemicro_http_request_duration_seconds_bucket{le="0.5",route="b"} 50.0\n'
        'tvemicro_http_request_duration_seconds_bucket{le="+Inf",route="b"} 50.0\n'
    )
    data_dir = historian_with(tmp_path / "data", EVENTS)
    r = json.loads(kpi(capsys, data_dir, T0 + D, "--json", "--metrics", str(scrape)))
    rest = r["latency"]["process"]["rest_request_s"]
    # 100 requests, 50 in (0, 0.25], 50 in (0.25, 0.5]: p50 = 0.25, p95 = 0.25 + 0.25·45/50
    assert rest["count"] == 100 and rest["p50"] == 0.25
    assert rest["p95"] == pytest.approx(0.475)
    assert r["latency"]["process"]["tick_lateness_s"] == {
        "count": 0,
        "p50": None,
        "p95": None,
        "p99": None,
    }


def test_bad_arguments_are_refused_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = historian_with(tmp_path / "data", EVENTS)
    args = ["kpi", "--data-dir", str(data_dir), "--since", str(T0)]
    assert main([*args, "--until", str(T0 - 1)]) == 2
    assert "must be after" in capsys.readouterr().err
    assert main([*args, "--shifts", "early=6-x"]) == 2
    assert "NAME=START-END" in capsys.readouterr().err
    assert main(["kpi", "--data-dir", str(tmp_path / "nowhere")]) == 2
    assert "no historian database" in capsys.readouterr().err


def test_html_is_one_self_contained_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")  # the optional 'kpi' extra (.venv-observe has it)
    data_dir = historian_with(tmp_path / "data", EVENTS)
    page = tmp_path / "kpi.html"
    kpi(capsys, data_dir, T0 + 14 * D, "--html", str(page))
    html = page.read_text()
    assert html.count("<svg") == 4  # state timeline, alarms per hour, time to ack, adoption
    assert "3/4 operators logged in on the panel" in html
    assert "<script" not in html and "<link" not in html  # nothing to run, nothing to fetch
    assert not re.search(r'(src|href)="(https?:)?//', html)
