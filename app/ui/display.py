"""Start a private Xvfb when no display is set (UI tests, `kiosk-layout`); stop it at exit."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess

SCREEN = "1280x800x24"


def ensure_display() -> str | None:
    """Return None when a display is usable, else the reason the UI tests must skip."""
    if os.environ.get("DISPLAY"):
        return None
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        return "no DISPLAY and no Xvfb installed (apt-get install xvfb) — UI tests need a screen"
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [xvfb, "-displayfd", str(write_fd), "-screen", "0", SCREEN, "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()  # Xvfb writes the display number when it is ready
    if not number:
        proc.kill()
        return "Xvfb did not start"
    os.environ["DISPLAY"] = f":{number}"
    atexit.register(_stop, proc)
    return None


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
