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


def test_speed_does_not_shrink_the_stall_limits(make_machine) -> None:
    """Under --speed 20 the loop ticks every 2.5 ms, but a 100 ms pause is not a stall."""
    m = make_machine()
    dog = Watchdog(m.core)
    assert dog.check(0.1, 0.0) is None
    assert dog.check(0.6, 0.0) == "heaters_off"
    assert dog.check(2.1, 0.0) == "all_off"
