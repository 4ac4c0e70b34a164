"""The one bridge between the core and the widgets: snapshot polling and command Futures."""

from __future__ import annotations

import concurrent.futures as cf
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from kivy.clock import Clock

from app.services.observability import UI, UiTimings
from control.commands import Command
from control.errors import CoreUnavailable, HmiError
from control.snapshot import AlarmView, Snapshot

ANSWER_TIMEOUT_S = 3.0


class CoreLike(Protocol):
    @property
    def snapshot(self) -> Snapshot: ...

    def submit(self, cmd: Command) -> cf.Future[Any]: ...

    def alarm_history(self) -> tuple[AlarmView, ...]: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the core answered: a result, or the refusal as an HmiError (shown in words)."""

    ok: bool
    result: Any = None
    error: HmiError | None = None
    words: str = ""  # the refusal as the operator reads it (app/ui/words.py), when known

    @property
    def message(self) -> str:
        if self.words:
            return self.words
        return "" if self.error is None else self.error.message


def outcome_of(fut: cf.Future[Any]) -> Outcome:
    err = fut.exception()
    if err is None:
        return Outcome(True, fut.result())
    if isinstance(err, HmiError):
        return Outcome(False, error=err)
    return Outcome(False, error=HmiError(f"internal error: {err!r}"))


class Bridge:
    """Reads `core.snapshot` on a Clock interval; submits commands; never blocks the UI thread.

    Callbacks (snapshot listener, command results, background work) always run on the Kivy
    main thread, scheduled with `Clock.schedule_once`.
    """

    def __init__(
        self, core: CoreLike, refresh_s: float, on_snapshot: Callable[[Snapshot], None]
    ) -> None:
        self.core = core
        self.refresh_s = refresh_s
        self.on_snapshot = on_snapshot
        self.last: Snapshot | None = None
        self.on_stale: Callable[[float], None] | None = None
        self.stale_after_s = max(2.0, 4 * refresh_s)
        self._changed_at = time.monotonic()
        self._event: Any = None
        self._pool = cf.ThreadPoolExecutor(max_workers=2, thread_name_prefix="ui-worker")
        self.timings: UiTimings = UI
        self._frames: Any = None

    def start(self) -> None:
        self._event = Clock.schedule_interval(self.poll, self.refresh_s)
        self._frames = Clock.schedule_interval(self.timings.frame, 0)  # every frame: its interval
        self.poll()

    def stop(self) -> None:
        if self._event is not None:
            self._event.cancel()
        if self._frames is not None:
            self._frames.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def poll(self, *_: Any) -> None:
        """Hand a new snapshot to the UI (nothing happens when the core has not ticked)."""
        snap = self.core.snapshot
        now = time.monotonic()
        if snap is self.last:
            quiet_s = now - self._changed_at
            if quiet_s > self.stale_after_s and self.on_stale is not None:
                self.on_stale(quiet_s)
            return
        self._changed_at = now
        self.last = snap
        self.on_snapshot(snap)

    def alarm_history(self) -> tuple[AlarmView, ...]:
        """Ended alarms, newest last (immutable; safe from this thread)."""
        return self.core.alarm_history()

    def submit(self, cmd: Command, done: Callable[[Outcome], None]) -> cf.Future[Any]:
        """Queue `cmd` on the core; `done` gets the core's answer (or a timeout) on this thread."""
        tapped = time.monotonic()
        fut = self.core.submit(cmd)
        answered = [False]

        def deliver(outcome: Outcome) -> None:
            if not answered[0]:
                answered[0] = True
                self._timed(cmd, outcome, time.monotonic() - tapped)
                done(outcome)

        def timeout(_: float) -> None:
            if not fut.done():
                msg = "the control loop did not answer; nothing was assumed"
                deliver(Outcome(False, error=CoreUnavailable(msg)))

        fut.add_done_callback(lambda f: Clock.schedule_once(lambda _: deliver(outcome_of(f))))
        Clock.schedule_once(timeout, ANSWER_TIMEOUT_S)
        return fut

    def _timed(self, cmd: Command, outcome: Outcome, roundtrip_s: float) -> None:
        """Tap → answer on the panel, by command and outcome (for the HMI latency objective)."""
        if outcome.ok:
            result = "applied"
        elif isinstance(outcome.error, CoreUnavailable):
            result = "timeout"
        else:
            result = "refused"
        self.timings.command(type(cmd).__name__, result, roundtrip_s)

    def background(
        self, work: Callable[[], Any], done: Callable[[Any, BaseException | None], None]
    ) -> None:
        """Run blocking work (storage, PIN hashing, network checks) off the UI thread."""
        try:
            fut = self._pool.submit(work)
        except RuntimeError as err:  # pool shut down while the app closes
            done(None, err)
            return

        def finish(f: cf.Future[Any]) -> None:
            err = f.exception()
            value = None if err is not None else f.result()
            Clock.schedule_once(lambda _: done(value, err))

        fut.add_done_callback(finish)
