"""UI tests: one real Kivy window per test process (under Xvfb), driven by simulated touches."""

from __future__ import annotations

import importlib.util
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ui.xvfb import ensure_display

USERS = {"olga": ("operator", "1234"), "erik": ("engineer", "2468"), "ada": ("admin", "0135")}
_SKIP = None


def _prepare() -> str | None:
    if importlib.util.find_spec("kivy") is None:
        return "kivy is not installed (pip install .[ui])"
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ["KIVY_NO_CONSOLELOG"] = "1"
    os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="kivy-home-")
    return ensure_display()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    global _SKIP
    ui_items = [i for i in items if i.get_closest_marker("ui")]
    if not ui_items:
        return
    # The kiosk lives for the rest of the session and collects garbage on its own clock
    # (app/ui/main_gc.py), so its tests run last: every other test keeps Python's own collector.
    items[:] = [i for i in items if not i.get_closest_marker("ui")] + ui_items
    _SKIP = _prepare()
    if _SKIP:
        for item in ui_items:
            item.add_marker(pytest.mark.skip(reason=_SKIP))


@pytest.fixture(scope="session")
def kiosk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The kiosk on a virtual-clock simulator, 800×480 at first; shared by every UI test."""
    from app.ui.env import WindowSpec, prepare

    prepare(WindowSpec(fullscreen=False, show_cursor=True, max_fps=60, size=(800, 480)))
    from app.services.machine import build_machine
    from app.storage.wiring import build_storage
    from app.ui.kiosk import build_app
    from app.ui.users import add_user
    from machine_config.config import parse_config
    from tests.support import raw_config
    from tests.ui.driver import Kiosk

    data_dir: Path = tmp_path_factory.mktemp("kiosk-data")
    for name, (role, pin) in USERS.items():
        add_user(data_dir, name, role, pin)
    cfg = parse_config(raw_config(), "config.yaml")
    storage = build_storage(cfg, data_dir)  # the SQLite historian, wired as `tvemicro run` does
    machine = build_machine(cfg, "sim", virtual=True, data_dir=data_dir, sinks=storage.sinks())
    storage.attach(machine)
    app = build_app(machine, cfg)
    app._run_prepare()
    driver = Kiosk(app, machine, storage)
    driver.frames(5)
    yield driver
    app.stop()
    machine.close()
    storage.close()


@pytest.fixture
def fresh(kiosk: Any) -> Any:
    """Start each UI test idle, logged out, with no faults, alarms or keypad left over."""
    from control import commands as c
    from tests.ui.driver import close_popups

    app, machine = kiosk.app, kiosk.machine
    close_popups()
    app.session.logout("manual")
    machine.sim.faults.clear_all()
    machine.sim.set_estop_chain(True)
    virtual = machine.virtual
    virtual.call(c.Stop())
    virtual.run_until(lambda: machine.core.snapshot.state in ("idle", "fault"), 300)
    if machine.core.snapshot.state == "fault":
        virtual.call(c.Reset(ack=True))
    virtual.call(c.AckAll())
    if machine.core.snapshot.mode != "auto":
        virtual.call(c.SetMode("auto"))
    if not machine.core.snapshot.hmi_enabled:
        virtual.call(c.SetHmiEnabled(True))
    app.session.ui = machine.cfg.ui
    # a test that shortened the idle timers may have been blanked by the session's 1 s check
    # after it ended: every test starts on a lit screen whose first tap acts
    if app.session.blanked:
        app.session.wake()
    app.session.touch()
    if app.t.language != "en":
        app.set_language("en")
    for zid, zone in machine.cfg.zones.items():
        virtual.call(c.SetSetpoint(zid, zone.setpoint_c))
        virtual.call(c.SetPid(zid, zone.pid.kp, zone.pid.ki, zone.pid.kd))
    app.go("overview")
    kiosk.refresh()
    return None
