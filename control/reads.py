"""Hardware reads that fail safe: a read that raises gives the value that stops the machine."""

from __future__ import annotations

from collections.abc import Callable


def safe_read(read: Callable[[], bool], failsafe: bool) -> bool:
    """A hardware read that fails returns the fail-safe value (an alarm, or a stopped chain)."""
    try:
        return bool(read())
    except Exception:
        return failsafe
