"""A warning that flaps every tick stays one alarm: small status, no pile of duplicates."""

from __future__ import annotations

from control.alarms import WARNING
from control.safety import WARN, Condition

DISK = Condition("disk_full", "machine", WARNING, WARN, "Disk full: history is not being saved")


def test_a_condition_toggling_every_tick_leaves_one_alarm(make_machine) -> None:
    m = make_machine()
    m.core.report_condition(DISK, present=True)
    m.virtual.step()  # the report is applied; the next tick's safety pass raises the alarm
    for i in range(400):  # 20 s of a condition that comes and goes every tick
        m.core.report_condition(DISK, present=i % 2 == 1)
        m.virtual.step()
        causes = [(a.code, a.source) for a in m.core.snapshot.alarms]
        assert causes == [("disk_full", "machine")], f"tick {i}: {len(causes)} alarms"
    (alarm,) = m.core.snapshot.alarms
    assert alarm.state == "unacked"
    assert len(m.core.snapshot.to_dict()["alarms"]) == 1
