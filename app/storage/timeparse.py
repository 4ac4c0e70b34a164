"""Parse time arguments: Unix seconds, ISO 8601, or relative ('-15m', '-2h', '-1d', 'now')."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

_RELATIVE = re.compile(r"^-(\d+(?:\.\d+)?)([smhd])$")
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


class BadTime(ValueError):
    """The text is not a time this parser understands."""


def parse_time(text: str, now_s: float) -> float:
    """Unix seconds for `text`; relative forms count back from `now_s` (the machine's wall)."""
    text = text.strip()
    if text == "now":
        return now_s
    rel = _RELATIVE.match(text)
    if rel:
        return now_s - float(rel.group(1)) * _UNITS[rel.group(2)]
    try:
        value = float(text)
    except ValueError:
        return _parse_iso(text)
    if not math.isfinite(value) or not 0 <= value < 1e11:
        raise BadTime(f"{text!r} is not a valid Unix time")
    return value


def _parse_iso(text: str) -> float:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadTime(
            f"{text!r} is not a time: use Unix seconds, ISO 8601 or '-15m'/'-2h'/'-1d'"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def iso(wall_s: float) -> str:
    """Unix seconds → ISO 8601 UTC (seconds precision unless fractional)."""
    stamp = datetime.fromtimestamp(wall_s, UTC)
    spec = "seconds" if wall_s == int(wall_s) else "milliseconds"
    return stamp.isoformat(timespec=spec).replace("+00:00", "Z")
