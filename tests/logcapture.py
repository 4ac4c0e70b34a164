"""Capture the app's JSON log lines in-process (synchronously, no writer thread) for assertions."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from app.services.logsetup import ROOT, JsonFormatter, parse_level


class LogCapture(logging.Handler):
    """Every `tvemicro` line at or above the capture level, formatted exactly as in production."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.raw: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.raw.append(self.format(record))

    @property
    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.raw]

    def events(self, event: str) -> list[dict[str, Any]]:
        return [line for line in self.lines if line["event"] == event]

    def text(self) -> str:
        return "\n".join(self.raw)


@contextmanager
def capture_log(level: str = "info") -> Iterator[LogCapture]:
    """Attach a capture to the `tvemicro` logger at `level`; restore the logger afterwards."""
    logger = logging.getLogger(ROOT)
    saved = (logger.level, logger.propagate)
    capture = LogCapture()
    logger.setLevel(parse_level(level))
    logger.propagate = False
    logger.addHandler(capture)
    try:
        yield capture
    finally:
        logger.removeHandler(capture)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
