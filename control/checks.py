"""The value checks every command and every stored file passes: finite numbers in range, flags."""

from __future__ import annotations

import math
from typing import Any

from control.errors import InvalidField


def number(field: str, value: Any, lo: float, hi: float) -> float:
    """A finite number within [lo, hi] (bools are not numbers), else InvalidField naming it.
    -0.0 comes back as 0.0 (adding +0.0 changes no other value)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not _finite(value):
        raise InvalidField(field, f"{field} must be a finite number", lo, hi)
    if not lo <= value <= hi:
        raise InvalidField(field, f"{field} must be between {lo:g} and {hi:g}", lo, hi)
    return float(value) + 0.0


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def flag(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidField(field, f"{field} must be true or false")
    return value
