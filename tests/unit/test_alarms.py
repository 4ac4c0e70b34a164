"""ISA-18.2 alarm lifecycle: one per cause, ack, clear, latch, first-out, shelve, persistence."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from control.alarms import CLEAR_DELAY_S, TRIP, WARNING, AlarmBook, iso
from control.errors import NotFound, StateConflict


def test_one_alarm_per_cause_while_active() -> None:
    book = AlarmBook()
    a = book.raise_("sensor_stale", "barrel", TRIP, "stale", 1.0)
    b = book.raise_("sensor_stale", "barrel", TRIP, "stale", 2.0)
    assert a is b and len(book.live()) == 1


def test_warning_lifecycle_unacked_acked_cleared() -> None:
    book = AlarmBook(clear_delay_s=0.0)  # the lifecycle itself, without the off-delay
    alarm = book.raise_("disk_full", "machine", WARNING, "disk", 1.0)
    assert alarm.view().state == "unacked"
    book.ack(alarm.id, 2.0)
    assert alarm.view().state == "acked" and alarm in book.live()
    book.condition_gone("disk_full", "machine", 3.0)
    assert alarm not in book.live() and book.history()[-1].cleared_at == 3.0


def test_cleared_but_unacked_warning_stays_until_acked() -> None:
    book = AlarmBook(clear_delay_s=0.0)  # the lifecycle itself, without the off-delay
    alarm = book.raise_("gate_lost", "machine", WARNING, "gate", 1.0)
    book.condition_gone("gate_lost", "machine", 2.0)
    assert alarm in book.live()
    book.ack(alarm.id, 3.0)
    assert alarm not in book.live()


def test_trip_latches_until_acked_and_reset() -> None:
    book = AlarmBook()
    trip = book.raise_("estop_chain", "machine", TRIP, "chain", 1.0)
    book.condition_gone("estop_chain", "machine", 2.0)
    assert trip in book.live() and trip.latched
    assert book.reset_latched(3.0) == 0  # not acknowledged yet
    book.ack(trip.id, 4.0)
    assert book.reset_latched(5.0) == 1 and not book.live()


def test_reset_keeps_trips_whose_cause_is_present() -> None:
    book = AlarmBook()
    trip = book.raise_("over_temperature", "barrel", TRIP, "hot", 1.0)
    book.ack(trip.id, 2.0)
    assert book.reset_latched(3.0) == 0 and trip in book.live()


def test_first_out_marks_only_the_first_trip_of_a_cascade() -> None:
    book = AlarmBook()
    first = book.raise_("sensor_fault", "barrel", TRIP, "tc", 1.0)
    second = book.raise_("heater_not_heating", "barrel", TRIP, "heat", 1.1)
    assert first.first_out and not second.first_out


def test_trips_cannot_be_shelved_warnings_can() -> None:
    book = AlarmBook()
    trip = book.raise_("estop", "machine", TRIP, "e", 1.0)
    warn = book.raise_("disk_full", "machine", WARNING, "d", 1.0)
    with pytest.raises(StateConflict):
        book.shelve(trip.id, 100.0, 3600.0, 1.0)
    book.shelve(warn.id, 100.0, 3600.0, 1.0)
    assert warn.shelved_until == 100.0
    book.unshelve_expired(101.0)
    assert warn.shelved_until is None


def test_unknown_alarm_is_not_found() -> None:
    with pytest.raises(NotFound):
        AlarmBook().ack(42, 1.0)


def test_latched_trips_survive_a_restart() -> None:
    book = AlarmBook()
    trip = book.raise_("sensor_fault", "nozzle", TRIP, "tc", 1.0)
    book.raise_("disk_full", "machine", WARNING, "d", 1.0)
    restored = AlarmBook()
    restored.restore(book.to_records())
    (again,) = restored.live()
    assert (again.code, again.source, again.id, again.first_out) == (
        "sensor_fault",
        "nozzle",
        trip.id,
        True,
    )
    assert restored.raise_("x", "machine", WARNING, "m", 2.0).id > trip.id


@pytest.mark.parametrize(
    "wall_s",
    [
        1_767_225_600.0,
        1_767_225_600.05,
        1_767_225_600.9994999,
        1_767_225_600.9995,
        1_767_225_600.9999995,  # rounds up to the next whole second
        1_767_225_659.9999999,  # ... and into the next minute
        0.0000005,  # exactly half a microsecond away: rounds to even
        0.0000015,
        -0.5,
        -1e-7,
        951_782_400.123456,  # a leap day
    ],
)
def test_iso_timestamps_read_exactly_as_datetime_writes_them(wall_s: float) -> None:
    expected = datetime.fromtimestamp(wall_s, UTC).isoformat(timespec="milliseconds")
    assert iso(wall_s) == expected.replace("+00:00", "Z")


def test_iso_timestamps_of_every_tick_over_an_hour_match_datetime() -> None:
    for tick in range(72_000):
        wall_s = 1_767_225_600.0 + tick * 0.05
        expected = datetime.fromtimestamp(wall_s, UTC).isoformat(timespec="milliseconds")
        assert iso(wall_s) == expected.replace("+00:00", "Z")


def test_alarm_views_show_every_change_of_the_book() -> None:
    book = AlarmBook(clear_delay_s=0.0)  # the lifecycle itself, without the off-delay
    assert book.views() == ()
    warn = book.raise_("disk_full", "machine", WARNING, "disk", 1.0)
    trip = book.raise_("estop", "machine", TRIP, "e", 2.0)
    assert [v.id for v in book.views()] == [warn.id, trip.id]
    book.shelve(warn.id, 100.0, 3600.0, 3.0)
    assert book.views()[0].shelved_until == iso(100.0)
    book.unshelve_expired(101.0)
    assert book.views()[0].shelved_until is None
    book.ack(trip.id, 4.0)
    assert book.views()[1].acked_at == iso(4.0) and book.views()[1].state == "acked"
    book.condition_gone("disk_full", "machine", 5.0)
    assert book.views()[0].cleared_at == iso(5.0)
    book.ack(warn.id, 6.0)
    assert [v.code for v in book.views()] == ["estop"]
    book.condition_gone("estop", "machine", 7.0)
    book.reset_latched(8.0)
    assert book.views() == ()


def test_a_restored_trip_that_comes_back_shows_as_not_cleared() -> None:
    book = AlarmBook()
    record = {"id": 7, "code": "estop", "source": "machine", "severity": TRIP, "message": "e"}
    book.restore({"next_id": 8, "latched": [{**record, "raised_at": 1.0, "cleared_at": 2.0}]})
    assert book.views()[0].cleared_at == iso(2.0)
    book.condition_gone("estop", "machine", 3.0)
    book.raise_("estop", "machine", TRIP, "e", 4.0)
    assert book.views()[0].cleared_at is None


def test_a_flapping_warning_is_one_alarm_that_returns() -> None:
    """DESIGN §7: a condition that returns before its alarm is acknowledged re-activates that
    same alarm; toggling every tick for N ticks leaves exactly one alarm for the cause."""
    book = AlarmBook(clear_delay_s=0.0)  # the lifecycle itself, without the off-delay
    first = book.raise_("gate_lost", "machine", WARNING, "gate", 0.0)
    for i in range(1, 1001):  # ends on a return
        if i % 2:
            book.condition_gone("gate_lost", "machine", i * 0.05)
        else:
            assert book.raise_("gate_lost", "machine", WARNING, "gate", i * 0.05) is first
    assert [a.id for a in book.live()] == [first.id]
    assert first.active and first.cleared_at is None and first.view().state == "unacked"
    actions = [action for action, _ in book.take_changes()]
    assert actions[:3] == ["raised", "cleared", "returned"] and actions.count("raised") == 1
    book.ack(first.id, 60.0)
    book.condition_gone("gate_lost", "machine", 61.0)
    assert not book.live()  # acknowledged and gone: retired
    again = book.raise_("gate_lost", "machine", WARNING, "gate", 62.0)
    assert again.id != first.id  # a new occurrence after the old one ended is a new alarm


def test_a_chattering_warning_makes_no_change_until_its_cause_stays_away() -> None:
    """ISA-18.2 off-delay: a cause toggling every tick neither clears nor returns the alarm, so
    the historian and the log see one raise, not two rows a tick; it clears once it stays away."""
    book = AlarmBook()
    alarm = book.raise_("gate_lost", "machine", WARNING, "gate", 0.0)
    for i in range(1, 1001):
        if i % 2:
            book.condition_gone("gate_lost", "machine", i * 0.05)
        else:
            book.raise_("gate_lost", "machine", WARNING, "gate", i * 0.05)
    assert [action for action, _ in book.take_changes()] == ["raised"]
    t = 1001 * 0.05
    while t < 51.0 + CLEAR_DELAY_S:  # away for good: condition_gone every tick
        book.condition_gone("gate_lost", "machine", t)
        t += 0.05
    assert [action for action, _ in book.take_changes()] == ["cleared"]
    assert not alarm.active and alarm.cleared_at is not None


def test_a_wall_clock_step_back_does_not_hold_a_warning_for_the_size_of_the_step() -> None:
    book = AlarmBook()
    alarm = book.raise_("gate_lost", "machine", WARNING, "gate", 3600.0)
    book.condition_gone("gate_lost", "machine", 3600.05)
    book.condition_gone("gate_lost", "machine", 0.0)  # NTP stepped the clock back an hour
    book.condition_gone("gate_lost", "machine", CLEAR_DELAY_S)
    assert not alarm.active


def test_trips_are_not_delayed_their_cause_goes_at_once_for_reset() -> None:
    book = AlarmBook()
    trip = book.raise_("estop", "machine", TRIP, "e", 0.0)
    book.condition_gone("estop", "machine", 0.05)
    assert not trip.active
