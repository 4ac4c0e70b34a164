"""Cyclic garbage collection on the Kivy thread only, while the kiosk runs.

Python's collector runs in whichever thread happens to allocate past its threshold: the control
thread, the REST thread, the storage worker. When it frees a dead Kivy widget there, it clears the
widget's weak proxy first and only then runs Kivy's destructor that unbinds the widget's kv rules;
the Kivy thread can run in between and dispatch a property (a logout changes `app.role`) into a
rule whose widget is gone: ReferenceError, and the rest of that handler is skipped. Collecting on
the Kivy thread makes the destructors run before that thread dispatches anything else. It also
takes the collector's pauses out of the control tick (a full collection of the kiosk's heap took
176 ms here), and freezing what start-up built keeps later full collections short."""

from __future__ import annotations

import gc

from kivy.clock import Clock, ClockEvent

PERIOD_S = 0.1  # how often the Kivy clock looks whether a generation is due


class MainThreadCollector:
    """Automatic collection off; the Kivy clock collects by the interpreter's own thresholds."""

    def __init__(self) -> None:
        self._event: ClockEvent | None = None
        self._was_enabled = False
        self.collections = [0, 0, 0]  # per generation, since start()

    def start(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()
        gc.freeze()  # what start-up built (modules, kv rules, screens) is never scanned again
        self._event = Clock.schedule_interval(self.collect_due, PERIOD_S)

    def stop(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None
        gc.unfreeze()
        if self._was_enabled:
            gc.enable()

    def collect_due(self, _dt: float = 0.0) -> None:
        """Collect the oldest generation whose count passed its threshold, as CPython would."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        if counts[0] < thresholds[0]:
            return
        generation = 0
        if counts[1] >= thresholds[1]:
            generation = 2 if counts[2] >= thresholds[2] else 1
        gc.collect(generation)
        self.collections[generation] += 1
