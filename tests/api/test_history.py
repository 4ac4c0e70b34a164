"""History (JSON, CSV, CLI export) and the audit log, read back from the historian."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from app.cli import main as cli_main
from tests.api.conftest import Api, V


async def test_history_has_one_point_per_second_and_buckets_by_step(api: Api) -> None:
    api.run_for(30)
    now = api.machine.clock.wall()
    query = f"series=barrel.temperature_c,screw.rpm&since={now - 20:.0f}&until={now:.0f}"
    code, body = await api.call("GET", f"{V}/history?{query}", "viewer")
    assert code == 200
    points = body["series"]["barrel.temperature_c"]
    assert len(points) == 20
    assert all(isinstance(t, float) and 15 < v < 40 for t, v in points)
    assert [v for _, v in body["series"]["screw.rpm"]] == [0.0] * 20
    code, body = await api.call("GET", f"{V}/history?{query}&step_s=10", "viewer")
    buckets = [t for t, _ in body["series"]["barrel.temperature_c"]]
    assert len(buckets) == 3 and all(t % 10 == 0 for t in buckets)  # aligned to the step


async def test_history_without_series_returns_every_series(api: Api) -> None:
    api.run_for(3)
    code, body = await api.call("GET", f"{V}/history?since=-10s", "viewer")
    assert code == 200
    assert {"barrel.setpoint_c", "nozzle.duty", "feed_throat.temperature_c", "feeder.rpm",
            "water_pump.on"} <= set(body["series"])  # fmt: skip


async def test_a_setpoint_change_shows_in_the_history(api: Api) -> None:
    api.run_for(3)
    await api.call("PUT", f"{V}/zones/barrel", "operator", json={"setpoint_c": 180})
    api.run_for(3)
    _, body = await api.call("GET", f"{V}/history?series=barrel.setpoint_c&since=-6s", "viewer")
    values = [v for _, v in body["series"]["barrel.setpoint_c"]]
    assert values[0] == 200 and values[-1] == 180


async def test_history_csv_has_a_header_and_a_row_per_step(api: Api) -> None:
    api.run_for(10)
    now = int(api.machine.clock.wall())
    code, text = await api.call(
        "GET", f"{V}/history.csv?series=nozzle.temperature_c&since={now - 8}&until={now}", "viewer"
    )
    assert code == 200
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["timestamp", "nozzle.temperature_c"]
    assert len(rows) == 9
    assert rows[1][0].endswith("Z") and float(rows[1][1]) > 15


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("series=barrel.nonsense", "series"),
        ("since=yesterday", "since"),
        ("since=-1h&until=-2h", "since"),
        ("step_s=0", "step_s"),
        ("step_s=nan", "step_s"),
        ("since=0&step_s=0.001", "step_s"),
    ],
)
async def test_bad_history_queries_are_422(api: Api, query: str, field: str) -> None:
    code, body = await api.call("GET", f"{V}/history?{query}", "viewer")
    assert code == 422 and body["error"]["field"] == field


async def test_audit_needs_an_engineer_and_lists_newest_first(api: Api) -> None:
    for sp in (190, 195):
        await api.call("PUT", f"{V}/zones/barrel", "operator", json={"setpoint_c": sp})
    assert (await api.call("GET", f"{V}/audit", "operator"))[0] == 403
    code, body = await api.call("GET", f"{V}/audit?limit=2", "engineer")
    assert code == 200 and len(body["events"]) == 2
    news = [e.get("new") for e in body["events"] if e["kind"] == "audit"]
    assert news[0] == 195.0
    assert body["events"][0]["timestamp"].endswith("Z")


async def test_cli_export_writes_the_same_csv(api: Api, tmp_path: Path) -> None:
    api.run_for(5)
    assert api.storage.historian is not None
    api.storage.historian.flush()
    out = tmp_path / "h.csv"
    now = int(api.machine.clock.wall())
    span = [f"--since={now - 4}", f"--until={now}", "--series", "barrel.temperature_c"]
    args = ["history", "export", *span, "--csv", str(out), "--data-dir", str(api.storage.data_dir)]
    assert cli_main(args) == 0
    _, text = await api.call(
        "GET", f"{V}/history.csv?series=barrel.temperature_c&since={now - 4}&until={now}", "viewer"
    )
    assert out.read_text() == text
    assert len(text.splitlines()) == 5
