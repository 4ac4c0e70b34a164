"""Entry points for the CLI: `display_available()` and the blocking `run_kiosk(machine, cfg)`."""

from __future__ import annotations

import glob
import importlib.util
import os
from typing import TYPE_CHECKING, Any

from app.ui.env import WindowSpec, prepare

if TYPE_CHECKING:
    from app.machine import Machine
    from control.config import Config


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
    """The window from `ui:` config; TVEMICRO_UI_SIZE=WxH (or `size`) opens a fixed window."""
    env = os.environ.get("TVEMICRO_UI_SIZE", "")
    if size is None and "x" in env:
        w, h = env.lower().split("x", 1)
        size = (int(w), int(h))
    return WindowSpec(cfg.ui.fullscreen, cfg.ui.show_cursor, cfg.ui.max_fps, size)


def build_app(machine: Machine, cfg: Config, **services: Any) -> Any:
    """Create (not run) the kiosk App; Kivy's Config must already be prepared."""
    from app.ui.app import KioskApp
    from app.ui.services import default_services

    return KioskApp(machine, cfg, default_services(machine, cfg, **services))


def run_kiosk(
    machine: Machine, cfg: Config, *, size: tuple[int, int] | None = None, **services: Any
) -> None:
    """Open the kiosk and block in the Kivy main loop until the window closes.

    `machine.runner` must already be started. The caller still owns `machine.close()`; on exit
    the UI only stops its own timers and worker thread. Optional `services`: `history`
    (HistorySource), `users` (UserStore), `sessions` (SessionLog), `rest_url` (str).
    """
    prepare(window_spec(cfg, size))
    from app.ui.guard import install

    app = build_app(machine, cfg, **services)
    install(app)
    try:
        app.run()
    finally:
        app.shutdown()
