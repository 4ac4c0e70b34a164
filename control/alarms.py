"""ISA-18.2 alarm lifecycle: one alarm per cause, ack, clear, latched trips, first-out, shelving."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from control.errors import InvalidField, NotFound, StateConflict
from control.isotime import iso as iso  # re-exported: older callers import it from here
from control.snapshot import AlarmView

TRIP = "trip"
WARNING = "warning"
INFO = "info"
CLEAR_DELAY_S = 2.0  # ISA-18.2 off-delay: a warning clears once its cause stayed away this long


class Cause(Protocol):
    """A present condition as the safety pass reports it (control.safety.Condition)."""

    @property
    def code(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def message(self) -> str: ...


@dataclass(slots=True)
class Alarm:
    """One alarm instance. `active` is whether its condition is present now."""

    id: int
    code: str
    source: str
    severity: str
    message: str
    raised_at: float
    acked_at: float | None = None
    cleared_at: float | None = None
    first_out: bool = False
    active: bool = True
    shelved_until: float | None = None

    @property
    def latched(self) -> bool:
        return self.severity == TRIP

    def view(self) -> AlarmView:
        return AlarmView(
            id=self.id,
            code=self.code,
            source=self.source,
            severity=self.severity,
            message=self.message,
            raised_at=iso(self.raised_at),
            acked_at=iso(self.acked_at) if self.acked_at is not None else None,
            cleared_at=iso(self.cleared_at) if self.cleared_at is not None else None,
            latched=self.latched,
            first_out=self.first_out,
            shelved_until=iso(self.shelved_until) if self.shelved_until is not None else None,
        )

    def to_record(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


class AlarmBook:
    """The live alarm list plus a bounded in-memory history. Owned by the control thread."""

    def __init__(
        self, next_id: int = 1, history_max: int = 500, clear_delay_s: float = CLEAR_DELAY_S
    ) -> None:
        self._live: dict[int, Alarm] = {}
        self._clear_delay_s = clear_delay_s
        self._absent_since: dict[int, float] = {}  # warnings whose cause is away, not yet cleared
        self._history: deque[Alarm] = deque(maxlen=history_max)
        self._next_id = next_id
        self.changes: list[tuple[str, Alarm]] = []
        self._views: tuple[AlarmView, ...] | None = ()  # None: stale, rebuilt on next views()

    # -- conditions ---------------------------------------------------------------------------
    def raise_(self, code: str, source: str, severity: str, message: str, wall_s: float) -> Alarm:
        """Report a present condition. Returns the existing alarm if one is live for this cause.

        A live alarm whose condition had gone (a latched trip, or a warning not yet acknowledged)
        is re-activated, not duplicated (ISA-18.2): a flapping cause stays one alarm."""
        existing = self.find(code, source)
        if existing is not None:
            self._absent_since.pop(existing.id, None)
            if not existing.active:
                self._reactivate(existing, message)
            return existing
        first_out = severity == TRIP and not any(a.latched for a in self._live.values())
        alarm = Alarm(self._next_id, code, source, severity, message, wall_s, first_out=first_out)
        self._next_id += 1
        self._live[alarm.id] = alarm
        self._note("raised", alarm)
        return alarm

    def condition_gone(self, code: str, source: str, wall_s: float) -> None:
        """The cause has gone. Trips stay latched until reset. Warnings clear once the cause has
        stayed away for the off-delay (called every tick while it is away), so a chattering cause
        makes neither a clear and a return every tick nor a log line and a history row for each."""
        alarm = self.find(code, source)
        if alarm is None or not alarm.active:
            return
        if not alarm.latched and not self._off_delay_passed(alarm.id, wall_s):
            return
        alarm.active = False
        if not alarm.latched:
            alarm.cleared_at = wall_s
            self._note("cleared", alarm)
            self._retire_if_done(alarm)

    def _off_delay_passed(self, alarm_id: int, wall_s: float) -> bool:
        since = self._absent_since.setdefault(alarm_id, wall_s)
        if wall_s < since:  # the wall clock stepped back: count from now
            self._absent_since[alarm_id] = since = wall_s
        if wall_s - since < self._clear_delay_s:
            return False
        del self._absent_since[alarm_id]
        return True

    def _reactivate(self, alarm: Alarm, message: str) -> None:
        alarm.active = True
        if alarm.cleared_at is None:  # a latched trip: it never showed as cleared
            self._views = None
            return
        alarm.cleared_at = None  # a warning that had cleared: its return is a change to record
        alarm.message = message
        self._note("returned", alarm)

    def sync(self, found: Sequence[Cause], wall_s: float) -> None:
        """Raise an alarm for every condition found this tick; every active alarm whose
        condition was not found has gone."""
        for cond in found:
            self.raise_(cond.code, cond.source, cond.severity, cond.message, wall_s)
        if self._live:
            present = {(c.code, c.source) for c in found}
            for alarm in self.live():
                if alarm.active and (alarm.code, alarm.source) not in present:
                    self.condition_gone(alarm.code, alarm.source, wall_s)
        self.unshelve_expired(wall_s)

    # -- operator actions ---------------------------------------------------------------------
    def ack(self, alarm_id: int, wall_s: float) -> Alarm:
        alarm = self._live.get(alarm_id)
        if alarm is None:
            raise NotFound(f"no active alarm {alarm_id}", alarm_id=alarm_id)
        if alarm.acked_at is None:
            alarm.acked_at = wall_s
            self._note("acked", alarm)
            self._retire_if_done(alarm)
        return alarm

    def ack_all(self, wall_s: float) -> int:
        pending = [a for a in self._live.values() if a.acked_at is None]
        for alarm in pending:
            self.ack(alarm.id, wall_s)
        return len(pending)

    def shelve(self, alarm_id: int, until_wall_s: float, max_s: float, wall_s: float) -> Alarm:
        alarm = self._live.get(alarm_id)
        if alarm is None:
            raise NotFound(f"no active alarm {alarm_id}", alarm_id=alarm_id)
        if not 0 < until_wall_s - wall_s <= max_s:
            raise InvalidField("duration_s", "shelve duration out of range", 1, max_s)
        if alarm.severity == TRIP:
            raise StateConflict("trips cannot be shelved", alarm_id=alarm_id)
        alarm.shelved_until = until_wall_s
        self._note("shelved", alarm)
        return alarm

    def unshelve_expired(self, wall_s: float) -> None:
        for alarm in self._live.values():
            if alarm.shelved_until is not None and alarm.shelved_until <= wall_s:
                alarm.shelved_until = None
                self._note("unshelved", alarm)

    def reset_latched(self, wall_s: float) -> int:
        """Release every latched trip whose condition is gone and that was acknowledged."""
        released = [a for a in self._live.values() if a.latched and not a.active and a.acked_at]
        for alarm in released:
            alarm.cleared_at = wall_s
            self._note("reset", alarm)
            self._retire(alarm)
        return len(released)

    # -- queries ------------------------------------------------------------------------------
    def find(self, code: str, source: str) -> Alarm | None:
        return next((a for a in self._live.values() if a.code == code and a.source == source), None)

    def live(self) -> list[Alarm]:
        return sorted(self._live.values(), key=lambda a: a.id)

    def has_live(self, code: str) -> bool:
        """Whether a live alarm (any source) has this code."""
        return bool(self._live) and any(a.code == code for a in self._live.values())

    def latched_trips(self) -> list[Alarm]:
        return [a for a in self.live() if a.latched]

    def history(self) -> list[Alarm]:
        return list(self._history)

    def views(self) -> tuple[AlarmView, ...]:
        """The live alarms as immutable views, rebuilt only after an alarm changed."""
        if self._views is None:
            self._views = tuple(a.view() for a in self.live())
        return self._views

    def take_changes(self) -> list[tuple[str, Alarm]]:
        """Changes since the last call, as (action, copy of the alarm)."""
        out, self.changes = self.changes, []
        return out

    # -- persistence --------------------------------------------------------------------------
    def to_records(self) -> dict[str, Any]:
        return {"next_id": self._next_id, "latched": [a.to_record() for a in self.latched_trips()]}

    def restore(self, records: dict[str, Any]) -> None:
        """Bring back latched trips after a restart; their causes count as present until checked."""
        self._next_id = max(self._next_id, int(records.get("next_id", 1)))
        for rec in records.get("latched", []):
            alarm = Alarm(**{k: rec[k] for k in Alarm.__slots__ if k in rec})
            alarm.active = True
            self._live[alarm.id] = alarm
            self._next_id = max(self._next_id, alarm.id + 1)
        self._views = None

    # -- internals ----------------------------------------------------------------------------
    def _note(self, action: str, alarm: Alarm) -> None:
        self.changes.append((action, replace(alarm)))
        self._views = None

    def _retire_if_done(self, alarm: Alarm) -> None:
        if not alarm.latched and not alarm.active and alarm.acked_at is not None:
            self._retire(alarm)

    def _retire(self, alarm: Alarm) -> None:
        self._live.pop(alarm.id, None)
        self._absent_since.pop(alarm.id, None)
        self._history.append(alarm)
        self._views = None
