"""History and metrics sinks on the control thread: one that raises is dropped, never fatal;
sinks added or removed while the core calls them neither skip nor break the others."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from control.commands import SetSetpoint
from control.core import Event


def test_a_sink_that_raises_is_dropped_logged_and_the_loop_keeps_ticking(
    make_machine: Any, caplog: pytest.LogCaptureFixture
) -> None:
    m = make_machine()
    got: list[str] = []

    def broken(event: Event) -> None:
        raise RuntimeError("historian queue closed")

    m.core.sinks.on_event.append(broken)
    m.core.sinks.on_event.append(lambda e: got.append(e.kind))
    with caplog.at_level(logging.WARNING, logger="control.sinks"):
        m.virtual.call(SetSetpoint(zone="barrel", setpoint_c=200.0))  # emits an audit event
    assert got == ["audit"]  # the next sink still got it
    assert broken not in list(m.core.sinks.on_event)
    assert any("broken" in r.getMessage() for r in caplog.records)
    ticks = m.core.snapshot.loop.ticks
    m.virtual.run_for(1.0)
    assert m.core.snapshot.loop.ticks > ticks
    alarm = next(a for a in m.core.snapshot.alarms if a.code == "sink_dropped")
    assert alarm.severity == "warning" and "historian queue closed" in alarm.message


def test_a_failing_sample_sink_does_not_stop_the_tick(make_machine: Any) -> None:
    m = make_machine()
    samples: list[float] = []

    def broken(snap: Any) -> None:
        raise OSError(28, "No space left on device")

    m.core.sinks.on_sample.append(broken)
    m.core.sinks.on_sample.append(lambda snap: samples.append(snap.uptime_s))
    m.virtual.run_for(3.0)
    assert len(samples) >= 2
    assert any(a.code == "sink_dropped" for a in m.core.snapshot.alarms)


def test_a_sink_removed_during_delivery_does_not_make_another_miss_the_event(
    make_machine: Any,
) -> None:
    """Another thread detaching (observability, UI ring) while the core iterates the list."""
    m = make_machine()
    got: list[str] = []
    sinks = m.core.sinks.on_event

    def detaching(event: Event) -> None:
        sinks.remove(detaching)

    sinks.append(detaching)
    sinks.append(lambda e: got.append(e.kind))
    m.virtual.call(SetSetpoint(zone="barrel", setpoint_c=200.0))
    assert got == ["audit"]


def test_a_sink_added_during_delivery_starts_with_the_next_event(make_machine: Any) -> None:
    m = make_machine()
    got: list[str] = []
    sinks = m.core.sinks.on_event

    def attaching(event: Event) -> None:
        sinks.append(lambda e: got.append(e.kind))
        sinks.remove(attaching)

    sinks.append(attaching)
    m.virtual.call(SetSetpoint(zone="barrel", setpoint_c=200.0))
    assert got == []
    m.virtual.call(SetSetpoint(zone="barrel", setpoint_c=201.0))
    assert got == ["audit"]
