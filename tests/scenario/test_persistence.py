"""Saving settings and alarms off the control tick: a stalled SD card never stalls the loop,
latched trips are on disk before the command is answered, shutdown flushes, and a data dir
that cannot be written is an alarm (and degraded health) until saving works again."""

from __future__ import annotations

import errno
import threading
from pathlib import Path
from typing import Any

from app.services.health import config_check
from app.services.machine import build_machine
from control import persist
from control.alarms import CLEAR_DELAY_S
from control.commands import EStop, Preheat, Reset, SetSetpoint
from control.settings import RETRY_S
from control.writer import PersistWriter
from machine_config.config import parse_config
from tests.scenario.helpers import ENGINEER, heaters_on
from tests.support import FakeDisk, raw_config


def _setpoint(data: Any) -> float:
    return float(data["zones"]["barrel"]["setpoint_c"])


def _latched(data_dir: Path) -> list[str]:
    data, _ = persist.load(data_dir / "alarms.json")
    return [rec["code"] for rec in data["latched"]]


def test_saves_run_off_the_control_thread(tmp_path: Path, monkeypatch: Any) -> None:
    """The real-time machine: a setpoint change and a trip are saved by another thread."""
    threads: list[str] = []
    real = persist.write_atomic

    def recording(path: Path, data: Any) -> None:
        threads.append(threading.current_thread().name)
        real(path, data)

    monkeypatch.setattr(persist, "write_atomic", recording)
    m = build_machine(parse_config(raw_config(), "config.yaml"), "sim", data_dir=tmp_path)
    assert m.runner is not None
    m.runner.start()
    try:
        m.core.submit(SetSetpoint(zone="barrel", setpoint_c=200.0, actor=ENGINEER)).result(10)
        m.core.submit(EStop(actor=ENGINEER)).result(10)
    finally:
        m.close()
    assert threads and "control" not in threads
    assert _setpoint(persist.load(tmp_path / "settings.json")[0]) == 200.0
    assert "estop" in _latched(tmp_path)


def test_a_stalled_disk_does_not_stall_the_tick(make_machine: Any) -> None:
    disk = FakeDisk(stalled=True)
    m = make_machine(writer=PersistWriter(disk))
    m.virtual.call(Preheat(actor=ENGINEER))
    first = m.core.submit(SetSetpoint(zone="barrel", setpoint_c=200.0, actor=ENGINEER))
    m.virtual.step()
    second = m.core.submit(SetSetpoint(zone="barrel", setpoint_c=210.0, actor=ENGINEER))
    ticks = m.core.snapshot.loop.ticks
    m.virtual.run_for(5.0)  # longer than watchdog_s: a save on the tick would have tripped
    snap = m.core.snapshot
    assert snap.loop.ticks == ticks + 100
    assert snap.state == "heating" and heaters_on(m)  # still regulating
    assert snap.zone("barrel").setpoint_c == 210.0  # applied at once ...
    assert not first.done() and not second.done()  # ... answered once on disk
    disk.gate.set()
    disk.wait_for(2)
    m.virtual.step()
    assert first.result(0)["setpoint_c"] == 200.0 and second.result(0)["setpoint_c"] == 210.0
    assert [_setpoint(d) for _, name, d in disk.log if name == "settings.json"] == [200.0, 210.0]
    assert {thread for thread, _, _ in disk.log} == {"persist"}


def test_a_latched_trip_is_on_disk_before_the_command_is_answered(make_machine: Any) -> None:
    disk = FakeDisk(stalled=True)
    m = make_machine(writer=PersistWriter(disk))
    estop = m.core.submit(EStop(actor=ENGINEER))
    m.virtual.step(3)
    assert m.core.snapshot.state == "fault" and not estop.done()
    disk.gate.set()
    disk.wait_for(1)
    m.virtual.step()
    assert estop.result(0)["state"] == "fault"
    assert _latched(m.data_dir) == ["estop"]
    disk.gate.clear()
    reset = m.core.submit(Reset(ack=True, actor=ENGINEER))
    m.virtual.step(3)
    assert m.core.snapshot.state == "idle" and not reset.done()
    disk.gate.set()
    disk.wait_for(2)
    m.virtual.step()
    assert reset.result(0)["state"] == "idle"
    assert _latched(m.data_dir) == []


def test_shutdown_writes_everything_still_queued(make_machine: Any) -> None:
    disk = FakeDisk(stalled=True)
    m = make_machine(writer=PersistWriter(disk))
    for setpoint_c in (200.0, 201.0, 202.0):
        m.core.submit(SetSetpoint(zone="barrel", setpoint_c=setpoint_c, actor=ENGINEER))
        m.virtual.step()
    disk.gate.set()
    m.core.shutdown()
    assert _setpoint(persist.load(m.data_dir / "settings.json")[0]) == 202.0
    assert (m.data_dir / "alarms.json").exists()  # the final alarms save too


def _storage_alarm(m: Any) -> Any:
    return next((a for a in m.core.snapshot.alarms if a.code == "storage_write_failed"), None)


def test_disk_full_is_an_alarm_and_degraded_health_until_saving_works(make_machine: Any) -> None:
    disk = FakeDisk()
    disk.fail = OSError(errno.ENOSPC, "No space left on device")
    m = make_machine(writer=PersistWriter(disk))
    fut = m.core.submit(SetSetpoint(zone="barrel", setpoint_c=200.0, actor=ENGINEER))
    m.virtual.step()
    disk.wait_for(1)
    m.virtual.step()
    assert fut.result(0)["setpoint_c"] == 200.0  # applied, and said so ...
    alarm = _storage_alarm(m)  # ... with an alarm that data is not being saved
    assert alarm is not None and alarm.severity == "warning" and alarm.source == "machine"
    assert "settings.json" in alarm.message and "ENOSPC" in alarm.message
    assert m.core.snapshot.zone("barrel").setpoint_c == 200.0
    assert config_check(m.core.snapshot, m.cfg)["status"] == "degraded"
    m.virtual.run_for(2 * RETRY_S)  # retries keep failing; the loop keeps running
    assert _storage_alarm(m).cleared_at is None and m.core.snapshot.state == "idle"
    disk.fail = None  # space freed
    calls = disk.calls
    m.virtual.run_for(RETRY_S)
    disk.wait_for(calls + 1)
    m.virtual.run_for(CLEAR_DELAY_S + 0.1)  # the warning's off-delay
    assert _storage_alarm(m).cleared_at is not None
    assert _setpoint(persist.load(m.data_dir / "settings.json")[0]) == 200.0
    assert config_check(m.core.snapshot, m.cfg)["status"] == "ok"


def test_a_data_dir_that_became_a_file_is_reported_then_recovers(
    make_machine: Any, tmp_path: Path
) -> None:
    """Real OS errors, no fake: the data dir is removed and something else sits at its path."""
    data_dir = tmp_path / "data"
    m = make_machine(data_dir=data_dir)  # the virtual machine writes inline on the tick thread
    for child in data_dir.iterdir():
        child.unlink()
    data_dir.rmdir()
    data_dir.write_text("not a directory")
    m.virtual.call(SetSetpoint(zone="barrel", setpoint_c=205.0, actor=ENGINEER))
    alarm = _storage_alarm(m)
    assert alarm is not None and "settings.json" in alarm.message
    data_dir.unlink()
    m.virtual.run_for(RETRY_S + 1.0)
    assert _storage_alarm(m).cleared_at is not None
    assert _setpoint(persist.load(data_dir / "settings.json")[0]) == 205.0
