"""Kivy process settings that must be set before Kivy is imported (argv, logs, window, fps)."""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
import tempfile
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class WindowSpec:
    """How the kiosk window opens: full screen on the panel, or a fixed size for tests/bench."""

    fullscreen: bool = True
    show_cursor: bool = False
    max_fps: int = 30
    size: tuple[int, int] | None = None  # the panel's own pixels (before rotation)
    rotation: int = 0  # 0, 90, 180 or 270: Kivy turns the picture and the touches together


def prepare(spec: WindowSpec) -> None:
    """Set Kivy's environment and Config. Call before anything imports `kivy.core.window`."""
    _environment()
    from kivy.config import Config

    Config.set("kivy", "log_level", os.environ.get("TVEMICRO_KIVY_LOG", "warning"))
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "keyboard_mode", "systemanddock")
    Config.set("graphics", "maxfps", str(spec.max_fps))
    Config.set("graphics", "show_cursor", "1" if spec.show_cursor else "0")
    Config.set("graphics", "resizable", "1")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    # Kivy draws turned and maps every touch back through the same turn, so touch calibration
    # stays the panel's own (udev rule); Window.width/height are then the turned content's.
    Config.set("graphics", "rotation", str(spec.rotation))
    _geometry(Config, spec)


def _environment() -> None:
    """Kivy's environment variables: no argv, no file log, no user config, few loaders."""
    os.environ["KIVY_NO_ARGS"] = "1"  # our CLI owns sys.argv
    os.environ.setdefault("KIVY_NO_FILELOG", "1")  # the app logs JSON to stderr/journald
    os.environ.setdefault("KIVY_NO_CONFIG", "1")  # no ~/.kivy/config.ini to drift from ours
    if not os.environ.get("TVEMICRO_KIVY_LOG"):
        os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
        # PYTHON mode: Kivy neither replaces sys.stderr (which would turn every stray stderr line
        # into a Kivy warning kept only in its in-memory history) nor adds root handlers; its own
        # warnings reach the JSON log through the root logger (app/services/logsetup.py).
        os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    os.environ.setdefault("KIVY_HOME", os.path.join(tempfile.gettempdir(), "tvemicro-kivy"))
    # Only the SDL2 image loader (PNG for screenshots; the UI draws no images): Kivy would
    # otherwise import every loader it finds, Pillow (~2 MiB) and ffpyplayer included.
    os.environ.setdefault("KIVY_IMAGE", "sdl2,tex,dds")


def _geometry(config: Any, spec: WindowSpec) -> None:
    """A window of spec.size, or the whole display, borderless, when fullscreen."""
    if spec.size is not None:
        config.set("graphics", "fullscreen", "0")
        config.set("graphics", "width", str(spec.size[0]))
        config.set("graphics", "height", str(spec.size[1]))
    elif spec.fullscreen:
        # 'auto' asks the window manager for full screen; the explicit geometry covers kiosks
        # that run X without a window manager (there 'auto' leaves a small centred window).
        config.set("graphics", "fullscreen", "auto")
        config.set("graphics", "borderless", "1")
        desktop = desktop_size()
        if desktop is not None:
            config.set("graphics", "width", str(desktop[0]))
            config.set("graphics", "height", str(desktop[1]))
            config.set("graphics", "position", "custom")
            config.set("graphics", "left", "0")
            config.set("graphics", "top", "0")


class _DisplayMode(ctypes.Structure):
    _fields_ = [
        ("format", ctypes.c_uint32),
        ("w", ctypes.c_int),
        ("h", ctypes.c_int),
        ("refresh_rate", ctypes.c_int),
        ("driverdata", ctypes.c_void_p),
    ]


def desktop_size() -> tuple[int, int] | None:
    """The panel's resolution from SDL2 (the copy Kivy bundles), or None when unknown."""
    import importlib.util

    spec = importlib.util.find_spec("kivy")
    if spec is None or spec.origin is None:
        return None
    libs = sorted(
        glob.glob(os.path.join(os.path.dirname(spec.origin), "..", "Kivy.libs", "libSDL2-*"))
    )
    path = libs[0] if libs else ctypes.util.find_library("SDL2")
    if path is None:
        return None
    try:
        sdl = ctypes.CDLL(path)
        if sdl.SDL_Init(0x20) != 0:  # SDL_INIT_VIDEO; Kivy's own init reuses it
            return None
        mode = _DisplayMode()
        if sdl.SDL_GetDesktopDisplayMode(0, ctypes.byref(mode)) != 0:
            return None
    except (OSError, AttributeError):
        return None
    return (mode.w, mode.h) if mode.w > 0 and mode.h > 0 else None
