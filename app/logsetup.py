"""Structured logging: one JSON object per line on stderr (journald keeps it as-is)."""

from __future__ import annotations

import json
import sys
import time
from typing import Any


def log(event: str, level: str = "info", **fields: Any) -> None:
    """Write one JSON log line. Callers never pass secrets (tokens, PINs, hashes)."""
    record = {"ts": round(time.time(), 3), "level": level, "event": event, **fields}
    sys.stderr.write(json.dumps(record, default=str) + "\n")
    sys.stderr.flush()
