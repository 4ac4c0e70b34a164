"""Structured logging: one JSON object per line on the process's own stderr (journald keeps it).

Everything goes through stdlib `logging`: our lines under the `tvemicro` logger (per-request lines
under `tvemicro.access`, at debug), third-party lines (Kivy, drivers) at warning and above. A
bounded queue decouples callers from the write, so the control thread never waits on a slow or
full journal pipe; the writer thread writes to a duplicate of file descriptor 2 taken at set-up,
so Kivy replacing `sys.stderr` cannot swallow the log.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import threading
import traceback
from logging.handlers import QueueHandler, QueueListener
from typing import Any, Literal

Level = Literal["debug", "info", "warning", "error", "critical"]
LEVELS: tuple[Level, ...] = ("debug", "info", "warning", "error", "critical")
ROOT = "tvemicro"
CORE_LOGGERS = ("control", "hw")  # the core's modules log under their own names, at our level
ACCESS = "tvemicro.access"
QUEUE_MAX = 10_000  # lines waiting for the writer; beyond this they are dropped and counted
_BASE = ("ts", "level", "logger", "event")
SYSLOG_PRIORITIES = (
    (logging.CRITICAL, 2),
    (logging.ERROR, 3),
    (logging.WARNING, 4),
    (logging.INFO, 6),
)


class JsonFormatter(logging.Formatter):
    """ts, level, logger, event, then the record's fields; one line whatever the content."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in getattr(record, "fields", {}).items():
            out["field_" + key if key in _BASE else key] = value
        if record.exc_info:
            out["trace"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


class FdHandler(logging.Handler):
    """Writes each formatted line with one `os.write` to a file descriptor (no buffer to lose).

    With `journal` set, each line starts with its syslog priority (`<3>` for error), which
    journald takes as the entry's PRIORITY and strips: `journalctl -p err` then finds trips.
    """

    def __init__(self, fd: int, journal: bool = False) -> None:
        super().__init__()
        self.fd = fd
        self.journal = journal

    def emit(self, record: logging.LogRecord) -> None:
        prefix = f"<{syslog_priority(record.levelno)}>" if self.journal else ""
        data = (prefix + self.format(record) + "\n").encode("utf-8", "backslashreplace")
        try:
            while data:
                data = data[os.write(self.fd, data) :]
        except OSError:
            self.handleError(record)


def syslog_priority(levelno: int) -> int:
    """The syslog priority of a logging level: error 3, warning 4, info 6, debug 7."""
    for threshold, priority in SYSLOG_PRIORITIES:
        if levelno >= threshold:
            return priority
    return 7


def is_journal(fd: int) -> bool:
    """Whether `fd` is the journald stream systemd connected (JOURNAL_STREAM="dev:inode")."""
    device, _, inode = os.environ.get("JOURNAL_STREAM", "").partition(":")
    try:
        st = os.fstat(fd)
        return (st.st_dev, st.st_ino) == (int(device), int(inode))
    except (OSError, ValueError):
        return False


class DroppingQueueHandler(QueueHandler):
    """Formats in the caller's thread, never blocks it: a full queue drops the line and counts."""

    def __init__(self, q: queue.Queue[logging.LogRecord]) -> None:
        super().__init__(q)
        self.dropped = 0
        self._reported = 0

    def enqueue(self, record: logging.LogRecord) -> None:
        try:
            if self.dropped > self._reported:
                self.queue.put_nowait(self._drop_record())
                self._reported = self.dropped
            self.queue.put_nowait(record)
        except queue.Full:
            self.dropped += 1

    def _drop_record(self) -> logging.LogRecord:
        record = logging.LogRecord(ROOT, logging.WARNING, "", 0, "log_lines_dropped", (), None)
        record.fields = {"dropped_total": self.dropped}
        prepared: logging.LogRecord = self.prepare(record)
        return prepared


class _State:
    listener: QueueListener | None = None
    handler: DroppingQueueHandler | None = None
    previous_hook: Any = threading.excepthook


def parse_level(text: str) -> int:
    """The logging level for one of LEVELS (case-insensitive); ValueError names the choices."""
    name = text.strip().lower()
    if name not in LEVELS:
        raise ValueError(f"unknown log level {text!r}; use one of {', '.join(LEVELS)}")
    return logging.getLevelName(name.upper())  # type: ignore[no-any-return]


def setup(level: str = "info", fd: int = 2) -> None:
    """Send `tvemicro` lines at `level` and above, and others at warning and above, to `fd`.

    Call once at start-up, before Kivy is imported; calling again replaces the previous set-up.
    """
    threshold = parse_level(level)
    shutdown()
    target = _dup(fd)
    q: queue.Queue[logging.LogRecord] = queue.Queue(QUEUE_MAX)
    handler = DroppingQueueHandler(q)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(_ours_or_warning)
    _State.handler = handler
    _State.listener = QueueListener(q, FdHandler(target, journal=is_journal(target)))
    _State.listener.start()
    ours = logging.getLogger(ROOT)
    ours.setLevel(threshold)
    ours.propagate = False  # Kivy's root handlers never see (or duplicate) our lines
    ours.addHandler(handler)
    for name in CORE_LOGGERS:  # they propagate to the root logger's handler below
        logging.getLogger(name).setLevel(threshold)
    others = logging.getLogger()
    others.setLevel(logging.WARNING)
    others.addHandler(handler)
    _State.previous_hook = threading.excepthook
    threading.excepthook = log_thread_crash


def _ours_or_warning(record: logging.LogRecord) -> bool:
    """Our lines (tvemicro, control, hw) at the configured level; other libraries' (Kivy keeps its
    own) from warning."""
    top = record.name.split(".", 1)[0]
    return record.levelno >= logging.WARNING or top == ROOT or top in CORE_LOGGERS


def _dup(fd: int) -> int:
    """Our own copy of `fd`, so a later swap of sys.stderr (or of fd 2 itself) cannot divert us."""
    try:
        return os.dup(fd)
    except OSError:
        return fd


def shutdown() -> None:
    """Write out what is queued and detach; a no-op when `setup` was not called."""
    handler, listener = _State.handler, _State.listener
    _State.handler = _State.listener = None
    if threading.excepthook is log_thread_crash:
        threading.excepthook = _State.previous_hook
    if handler is not None:
        ours = logging.getLogger(ROOT)
        ours.removeHandler(handler)
        ours.setLevel(logging.NOTSET)
        ours.propagate = True
        for name in CORE_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)
        logging.getLogger().removeHandler(handler)
    if listener is not None:
        listener.stop()
        for target in listener.handlers:
            if isinstance(target, FdHandler) and target.fd > 2:
                with contextlib.suppress(OSError):
                    os.close(target.fd)


def dropped() -> int:
    """Lines dropped because the writer could not keep up (0 before set-up)."""
    return _State.handler.dropped if _State.handler is not None else 0


def log_fields(
    event: str, level: Level, fields: dict[str, Any], logger: str = ROOT, exc: bool = False
) -> None:
    """One log line; `fields` go into the JSON object as they are (no secrets: tokens, PINs)."""
    target = logging.getLogger(logger)
    number = logging.getLevelName(level.upper())
    if target.isEnabledFor(number):
        target.log(number, event, extra={"fields": fields}, exc_info=exc)


def log(event: str, level: Level = "info", **fields: Any) -> None:
    """Write one JSON log line. Callers never pass secrets (tokens, PINs, hashes)."""
    log_fields(event, level, fields)


def access_log(**fields: Any) -> None:
    """One per-request line on the access logger, at debug (silent at the default level)."""
    log_fields("http", "debug", fields, ACCESS)


def log_thread_crash(args: threading.ExceptHookArgs) -> None:
    """`threading.excepthook`: a thread that dies (the control loop, say) is an error line."""
    if args.exc_type is SystemExit:
        return
    trace = "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
    name = args.thread.name if args.thread is not None else None
    log("thread_died", "error", thread=name, error=repr(args.exc_value), trace=trace[-4000:])
