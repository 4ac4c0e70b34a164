"""Latency and freshness without a Prometheus server: the process's own histograms, sample gaps."""

from __future__ import annotations

import math
import re
import urllib.request
from collections import defaultdict
from itertools import pairwise
from pathlib import Path
from typing import Any

HISTOGRAMS = {
    "rest_request_s": "tvemicro_http_request_duration_seconds",
    "tick_lateness_s": "tvemicro_loop_tick_lateness_seconds",
    "hmi_roundtrip_s": "tvemicro_hmi_command_roundtrip_seconds",
    "ui_frame_interval_s": "tvemicro_ui_frame_interval_seconds",
}
_BUCKET = re.compile(r"^(\w+)_bucket\{(.*)\} (\S+)$")
_LE = re.compile(r'le="([^"]+)"')


def read_metrics(where: str) -> str:
    """A /metrics scrape: from a URL (the live process) or a file saved earlier."""
    if where.startswith(("http://", "https://")):
        with urllib.request.urlopen(where, timeout=10) as resp:
            return str(resp.read().decode())
    return Path(where).read_text(encoding="utf-8")


def cumulative_buckets(text: str, name: str) -> list[tuple[float, float]]:
    """(le, count) summed over every label set of one histogram (all routes, all commands)."""
    sums: dict[float, float] = defaultdict(float)
    for line in text.splitlines():
        m = _BUCKET.match(line)
        if m and m.group(1) == name:
            le = _LE.search(m.group(2))
            if le:
                sums[float(le.group(1))] += float(m.group(3))
    return sorted(sums.items())


def histogram_quantile(q: float, buckets: list[tuple[float, float]]) -> float | None:
    """Prometheus's estimate: linear inside the bucket holding rank q·n."""
    if not buckets or buckets[-1][1] == 0:
        return None
    rank = q * buckets[-1][1]
    lower_le, lower_n = 0.0, 0.0
    for le, n in buckets:
        if n >= rank:
            if math.isinf(le):
                return lower_le
            return lower_le + (le - lower_le) * (rank - lower_n) / (n - lower_n)
        lower_le, lower_n = le, n
    return None


def process_latency(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, name in HISTOGRAMS.items():
        buckets = cumulative_buckets(text, name)
        out[key] = {
            "count": int(buckets[-1][1]) if buckets else 0,
            **{f"p{int(q * 100)}": histogram_quantile(q, buckets) for q in (0.5, 0.95, 0.99)},
        }
    return out


def freshness(samples: list[float], off_gap_s: float) -> dict[str, Any]:
    """History gaps while the process ran: between 2× the usual sample period and an off-time."""
    if len(samples) < 2:
        return {"samples": len(samples), "period_s": None, "gaps": 0, "missing_s": 0.0}
    steps = sorted(b - a for a, b in pairwise(samples))
    period = steps[len(steps) // 2]
    gaps = [d for d in steps if 2 * period < d <= off_gap_s]
    return {
        "samples": len(samples),
        "period_s": period,
        "gaps": len(gaps),
        "missing_s": sum(d - period for d in gaps),
        "longest_gap_s": max(gaps, default=None),
    }
