"""Unix seconds as the ISO 8601 UTC text every snapshot, alarm and event carries."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from functools import lru_cache


def iso(wall_s: float) -> str:
    """Unix seconds → ISO 8601 UTC with milliseconds, exactly as datetime formats it.

    datetime.fromtimestamp splits off the fraction with modf and rounds it to whole microseconds
    half-to-even (what round() does), carrying into the seconds; isoformat then truncates to ms.
    Doing that here and formatting each whole second only once keeps the per-tick cost small."""
    frac, whole = math.modf(wall_s)
    micros = round(frac * 1e6)
    if micros >= 1_000_000:
        micros -= 1_000_000
        whole += 1.0
    elif micros < 0:
        micros += 1_000_000
        whole -= 1.0
    return f"{_iso_second(whole)}.{micros // 1000:03d}Z"


@lru_cache(maxsize=256)
def _iso_second(whole_s: float) -> str:
    """A whole Unix second as "YYYY-MM-DDTHH:MM:SS" (UTC)."""
    return datetime.fromtimestamp(whole_s, UTC).isoformat(timespec="seconds").removesuffix("+00:00")
