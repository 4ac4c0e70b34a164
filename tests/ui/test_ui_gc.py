"""While the kiosk runs, cyclic garbage (dead widgets among it) is freed on the Kivy thread."""

from __future__ import annotations

import gc
import threading
import weakref
from typing import Any

import pytest

pytestmark = pytest.mark.ui


def test_dead_widgets_are_collected_on_the_kivy_thread(kiosk: Any, fresh: None) -> None:
    from app.ui.widgets import PanelButton

    assert not gc.isenabled()  # automatic collection is off while the kiosk runs
    freed_in: list[str] = []
    button = PanelButton(caption="gone soon")  # its kv rules bind it to app.role and app.t
    button.me = button  # a reference cycle: only the cyclic collector can free it
    probe = weakref.ref(button, lambda _ref: freed_in.append(threading.current_thread().name))
    del button
    before = sum(kiosk.app.collector.collections)

    held: list[list[int]] = []

    def allocate() -> None:  # what the REST or storage thread does all day
        held.extend([] for _ in range(gc.get_threshold()[0] * 3))  # past the collection threshold

    worker = threading.Thread(target=allocate, name="allocating worker")
    worker.start()
    worker.join()
    assert probe() is not None  # the worker thread did not collect it
    kiosk.until(lambda: probe() is None, what="the dead button collected")
    assert freed_in == [threading.main_thread().name]
    assert sum(kiosk.app.collector.collections) > before
    held.clear()
    kiosk.app.role = "engineer"  # the dead button's rules are unbound: this dispatch is safe
    kiosk.app.role = "viewer"
