"""Process memory settings: cap glibc's malloc arenas before the process starts its threads."""

from __future__ import annotations

import ctypes
import os

M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)
ARENAS = 2  # the kiosk has ~10 threads; glibc would give each its own heap (up to 8 per core)


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Same as MALLOC_ARENA_MAX=`arenas` (set by the systemd unit; this covers `tvemicro run`
    started by hand or by `./dev run`). glibc reads that variable only when the process starts,
    and applies mallopt's value to every arena made later, so call this before threads start.
    Returns False where it changed nothing: the variable is already set, or not glibc."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        libc = ctypes.CDLL(None)
        return bool(libc.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):  # no mallopt in this C library
        return False
