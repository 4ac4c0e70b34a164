"""A page-corrupted history database is set aside and replaced with an alarm; /history: 200."""

from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path

from app.storage import db
from app.storage.historian import CORRUPT_CLEAR_S, Historian
from tests.api.conftest import MakeApi, V

PAGE = 4096
SERIES = "barrel.temperature_c"
T0 = float(int(time.time()) - 50_000)  # within retention, or the historian deletes them
QUERY = f"{V}/history?series={SERIES}&since={T0:.0f}&until={T0 + 40_000:.0f}"


def write_history(path: Path, n: int = 40_000) -> None:
    """A healthy database with `n` samples of one series from T0 on, all in the main file."""
    conn = db.connect(path)
    sid = db.series_ids(conn, [SERIES], create=True)[SERIES]
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO samples (series, t, v) VALUES (?, ?, ?)",
        [(sid, T0 + k, 20.0 + k % 7) for k in range(n)],
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def corrupt_pages(path: Path, first: float, last: float, seed: int = 11) -> None:
    """Overwrite whole pages between fractions `first` and `last` of the file with random bytes."""
    pages = path.stat().st_size // PAGE
    rng = random.Random(seed)
    with open(path, "r+b") as fh:
        for page in range(max(1, int(pages * first)), int(pages * last)):
            fh.seek(page * PAGE)
            fh.write(rng.randbytes(PAGE))


def _alarms(api: object) -> dict[str, object]:
    snap = api.machine.core.snapshot  # type: ignore[attr-defined]
    return {a.code: a for a in snap.alarms}


async def test_damage_found_at_start_sets_the_file_aside_with_an_alarm(
    make_api: MakeApi, tmp_path: Path
) -> None:
    path = tmp_path / "data0" / db.DB_FILE
    path.parent.mkdir()
    write_history(path)
    corrupt_pages(path, 0.4, 0.6)
    api = await make_api()
    code, body = await api.call("GET", QUERY, "viewer")
    assert code == 200, body
    assert body["series"][SERIES] == []  # the damaged history is not in the new database
    aside = list(path.parent.glob(f"{db.DB_FILE}.corrupt-*"))
    assert len(aside) == 1 and aside[0].stat().st_size > 100 * PAGE  # kept, not deleted
    api.run_for(0.2)
    alarm = _alarms(api)["historian_corrupt"]
    assert alarm.severity == "warning" and aside[0].name in alarm.message  # type: ignore[attr-defined]
    code, health = await api.call("GET", "/health", None)
    assert code == 200 and health["checks"]["storage"]["status"] == "degraded"
    api.run_for(3)
    code, body = await api.call("GET", f"{V}/history?series={SERIES}&since=-2s", "viewer")
    assert code == 200 and len(body["series"][SERIES]) == 2  # the new database records


async def test_damage_found_by_a_query_mid_run_is_replaced_and_the_query_answers_200(
    make_api: MakeApi, tmp_path: Path
) -> None:
    path = tmp_path / "data0" / db.DB_FILE
    path.parent.mkdir()
    write_history(path)
    api = await make_api()  # the start-up check passes: the file is sound
    api.run_for(2)
    code, body = await api.call("GET", QUERY, "viewer")
    assert code == 200 and len(body["series"][SERIES]) == 40_000
    corrupt_pages(path, 0.3, 0.7)  # the card goes bad under the running process
    code, body = await api.call("GET", QUERY, "viewer")
    assert code == 200, body
    assert list(path.parent.glob(f"{db.DB_FILE}.corrupt-*"))
    api.run_for(0.2)
    assert "historian_corrupt" in _alarms(api)
    code, _ = await api.call("GET", f"{V}/history.csv?series={SERIES}&since=-5s", "viewer")
    assert code == 200
    code, _ = await api.call("GET", f"{V}/audit", "engineer")
    assert code == 200


def test_damage_found_by_a_write_mid_run_moves_writing_to_a_new_file(tmp_path: Path) -> None:
    path = tmp_path / db.DB_FILE
    write_history(path)
    now = [0.0]
    reports: list[tuple[str, bool, str]] = []
    historian = Historian(path, 100, 86400.0, lambda: now[0], check_at_start=False)
    historian.attach(None, lambda code, present, msg: reports.append((code, present, msg)))
    corrupt_pages(path, 0.0, 1.0)  # every page after the header: the first write reads one
    historian.start()
    try:
        historian.record("audit", T0 + 50_000, {"action": "x"})
        assert historian.flush()
        assert [(c, p) for c, p, _ in reports] == [("historian_corrupt", True)]
        assert "database disk image is malformed" in reports[0][2]
        now[0] = CORRUPT_CLEAR_S + 1  # a minute of writes that work
        historian.record("audit", T0 + 50_001, {"action": "y"})
        assert historian.flush()
        assert reports[-1][:2] == ("historian_corrupt", False)
    finally:
        historian.close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT COUNT(*) FROM events").fetchone() == (2,)  # none lost
    finally:
        conn.close()
    assert len(list(tmp_path.glob(f"{db.DB_FILE}.corrupt-*"))) == 1
