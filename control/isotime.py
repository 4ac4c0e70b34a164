"""Unix seconds as the ISO 8601 UTC text every snapshot, alarm and event carries."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(wall_s: float) -> str:
    """Unix seconds → ISO 8601 UTC with milliseconds ("2024-05-01T12:00:00.123Z")."""
    return datetime.fromtimestamp(wall_s, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"
