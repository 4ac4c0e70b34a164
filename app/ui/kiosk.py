"""CLI entry points: `display_available()`, `open_window()` and the blocking `run_kiosk()`."""

from __future__ import annotations

import glob
import importlib.util
import os
import sys
from typing import TYPE_CHECKING, Any

from app.ui.env import WindowSpec, prepare

if TYPE_CHECKING:
    from app.services.machine import Machine
    from machine_config.config import Config


def display_available() -> bool:
    """True when Kivy is installed and there is a screen to open a window on (X11, Wayland, KMS)."""
    if importlib.util.find_spec("kivy") is None:
        return False
    display = os.environ.get("DISPLAY", "")
    if display:
        if display.startswith(":"):  # a local X server has a socket
            number = display[1:].split(".")[0]
            return os.path.exists(f"/tmp/.X11-unix/X{number}")
        return True
    if os.environ.get("WAYLAND_DISPLAY"):
        return True
    kms = os.environ.get("SDL_VIDEODRIVER") == "kmsdrm"
    return kms and bool(glob.glob("/dev/dri/card*"))


def window_spec(cfg: Config, size: tuple[int, int] | None = None) -> WindowSpec:
    """The window from `ui:` config; TVEMICRO_UI_SIZE=WxH (or `size`) opens a fixed window of the
    panel's own pixels, turned by `ui.rotation` like the full screen."""
    env = os.environ.get("TVEMICRO_UI_SIZE", "")
    if size is None and "x" in env:
        w, h = env.lower().split("x", 1)
        size = (int(w), int(h))
    return WindowSpec(cfg.ui.fullscreen, cfg.ui.show_cursor, cfg.ui.max_fps, size, cfg.ui.rotation)


def open_window(cfg: Config, size: tuple[int, int] | None = None) -> None:
    """Prepare Kivy and open its window now (once per process; later calls do nothing).

    Creating the window (SDL video, GL context) runs in C holding the GIL for 0.05–0.3 s, which
    would make control ticks late: `tvemicro run` calls this before the control loop starts."""
    if "kivy.core.window" in sys.modules:
        return
    prepare(window_spec(cfg, size))
    import kivy.core.window  # noqa: F401  # creates the window as it is imported


def build_app(machine: Machine, cfg: Config, **services: Any) -> Any:
    """Create (not run) the kiosk App; Kivy's Config must already be prepared."""
    from app.ui.app import KioskApp
    from app.ui.services import default_services

    return KioskApp(machine, cfg, default_services(machine, cfg, **services))


def run_kiosk(
    machine: Machine, cfg: Config, *, size: tuple[int, int] | None = None, **services: Any
) -> None:
    """Open the kiosk and block in the Kivy main loop until the window closes.

    `machine.runner` must already be started; open the window first (`open_window`) so that
    opening it does not stall the loop. The caller still owns `machine.close()`; on exit
    the UI only stops its own timers and worker thread. Optional `services`: `history`
    (HistorySource), `users` (UserStore), `sessions` (SessionLog), `rest_url` (str),
    `backlight` (IdleDimmer: dims the panel while blanked; restored when this returns)."""
    open_window(cfg, size)
    from app.ui.guard import install

    app = build_app(machine, cfg, **services)
    install(app)
    try:
        app.run()
    finally:
        app.shutdown()
