"""GET /status on the hot path: the snapshot is turned into a dict once per tick at most."""

from __future__ import annotations

import json
import threading
from typing import Any

from control.snapshot import Snapshot


class StatusCache:
    """Serialises each snapshot once; only the loop's `last_tick_age_s` is filled in per call."""

    def __init__(self, gateway: Any) -> None:
        self.gateway = gateway
        self._lock = threading.Lock()
        self._snap: Snapshot | None = None
        self._head = b""
        self._tail = b""

    def body(self) -> bytes:
        snap = self.gateway.snapshot()
        if snap is not self._snap:
            self._render(snap)
        age = round(self.gateway.last_tick_age_s(), 4)
        return self._head + json.dumps(age).encode() + self._tail

    def _render(self, snap: Snapshot) -> None:
        data = snap.to_dict()
        data["loop"]["last_tick_age_s"] = _MARK
        text = json.dumps(data, separators=(",", ":")).encode()
        head, _, tail = text.partition(json.dumps(_MARK).encode())
        with self._lock:
            self._snap, self._head, self._tail = snap, head, tail


_MARK = "\x00last_tick_age_s\x00"
