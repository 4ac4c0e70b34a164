"""The loop watchdog: a stalled loop means cold heaters quickly and a latched trip later."""

from __future__ import annotations

from control.commands import Preheat, Reset
from control.runner import Watchdog
from tests.scenario.helpers import ENGINEER, energised, heaters_on, reach, trips


def test_stall_turns_heaters_off_then_everything_and_trips(make_machine) -> None:
    m = make_machine()
    m.virtual.call(Preheat(actor=ENGINEER))
    m.virtual.run_until(lambda: bool(heaters_on(m)), 5)
    assert heaters_on(m)
    dog = Watchdog(m.core)
    last_tick = 100.0
    assert dog.check(100.3, last_tick) is None  # within max_on_s: a normal tick gap
    assert dog.check(100.6, last_tick) == "heaters_off"
    assert heaters_on(m) == []
    assert dog.check(102.1, last_tick) == "all_off"
    assert energised(m) == []
    assert dog.check(102.5, last_tick) == "heaters_off"  # trips once per stall
    m.virtual.step()  # the loop comes back: the stall is latched as a trip
    assert ("loop_stall", "machine") in trips(m) and m.core.snapshot.state == "fault"
    m.virtual.call(Reset(ack=True, actor=ENGINEER))
    reach(m, "idle", 1)


def test_speed_scales_the_stall_to_machine_time(make_machine) -> None:
    m = make_machine()
    dog = Watchdog(m.core, speed=10.0)
    assert dog.check(0.06, 0.0) == "heaters_off"  # 0.6 machine-s
    assert dog.check(0.25, 0.0) == "all_off"  # 2.5 machine-s
