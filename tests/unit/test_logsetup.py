"""The JSON log: levels, the access logger, one object per line, a queue that never blocks, and
lines that reach file descriptor 2 even after Kivy replaces sys.stderr."""

from __future__ import annotations

import json
import logging
import os
import queue
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.services import logsetup
from tests.support import ROOT


@pytest.fixture
def piped_log() -> Iterator[Callable[[str], Callable[[], list[dict[str, Any]]]]]:
    """piped_log(level) sets the real log up on a pipe; the returned call stops it and reads it."""
    pipes: list[tuple[int, int]] = []

    def start(level: str) -> Callable[[], list[dict[str, Any]]]:
        read_fd, write_fd = os.pipe()
        pipes.append((read_fd, write_fd))
        logsetup.setup(level, fd=write_fd)

        def finish() -> list[dict[str, Any]]:
            logsetup.shutdown()
            os.close(write_fd)
            with os.fdopen(read_fd, encoding="utf-8") as stream:
                return [json.loads(line) for line in stream]

        return finish

    yield start
    logsetup.shutdown()
    logging.getLogger().setLevel(logging.WARNING)


def _request_line() -> None:
    logsetup.access_log(request_id="r-1", method="GET", path="/api/v1/status", status=200)


def test_access_lines_are_silent_at_the_default_level(piped_log: Any) -> None:
    finish = piped_log("info")
    _request_line()
    logsetup.log("state", **{"from": "idle", "to": "heating"})
    lines = finish()
    assert [line["event"] for line in lines] == ["state"]


def test_access_lines_appear_at_debug_on_their_own_logger(piped_log: Any) -> None:
    finish = piped_log("debug")
    _request_line()
    (line,) = finish()
    assert line["logger"] == "tvemicro.access" and line["level"] == "debug"
    assert line["event"] == "http" and line["request_id"] == "r-1" and line["status"] == 200


def test_other_libraries_log_only_from_warning_up(piped_log: Any) -> None:
    finish = piped_log("debug")
    logging.getLogger("kivy").info("Window: chatter")
    logging.getLogger("kivy").warning("Window: something is off")
    lines = finish()
    assert [(ln["logger"], ln["level"], ln["event"]) for ln in lines] == [
        ("kivy", "warning", "Window: something is off")
    ]


def test_the_core_modules_info_lines_reach_the_log(piped_log: Any) -> None:
    """control/ and hw/ log under their module names; their info lines (the control thread's
    scheduling, saving working again) used to stop at the root logger's warning level."""
    finish = piped_log("info")
    logging.getLogger("control.core").info("saving works again: every data file written")
    logging.getLogger("hw.registry").debug("below the level")
    lines = finish()
    assert [(ln["logger"], ln["level"]) for ln in lines] == [("control.core", "info")]


def test_a_field_cannot_break_the_line_or_fake_the_level(piped_log: Any) -> None:
    finish = piped_log("info")
    logsetup.log_fields("audit", "info", {"level": "error", "args": {"name": "a\nb"}})
    (line,) = finish()
    assert line["level"] == "info" and line["field_level"] == "error"
    assert line["args"] == {"name": "a\nb"}


def test_a_crashed_thread_is_an_error_line(piped_log: Any) -> None:
    import threading

    finish = piped_log("info")

    def die() -> None:
        raise RuntimeError("boom")

    worker = threading.Thread(target=die, name="control")
    worker.start()
    worker.join()
    (line,) = finish()
    assert line["event"] == "thread_died" and line["level"] == "error"
    assert line["thread"] == "control" and "boom" in line["trace"]


def test_unknown_levels_are_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="debug, info, warning, error"):
        logsetup.parse_level("verbose")


def _record(name: str) -> logging.LogRecord:
    record = logging.LogRecord("tvemicro", logging.INFO, "", 0, name, (), None)
    record.fields = {}
    return record


def test_a_full_queue_drops_lines_counts_them_and_says_so_later() -> None:
    q: queue.Queue[logging.LogRecord] = queue.Queue(2)
    handler = logsetup.DroppingQueueHandler(q)
    handler.setFormatter(logsetup.JsonFormatter())
    for n in range(5):
        handler.handle(_record(f"line{n}"))  # returns at once although nobody reads the queue
    assert handler.dropped == 3 and q.qsize() == 2
    q.get_nowait(), q.get_nowait()
    handler.handle(_record("line5"))
    notice, after = (json.loads(q.get_nowait().getMessage()) for _ in range(2))
    assert notice["event"] == "log_lines_dropped" and notice["level"] == "warning"
    assert notice["dropped_total"] == 3 and after["event"] == "line5"


def _child(script: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIVY_", "TVEMICRO_KIVY"))}
    env.update(KIVY_HOME=str(tmp_path), PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_lines_reach_fd_2_after_kivy_replaces_sys_stderr(tmp_path: Path) -> None:
    """Kivy's default log mode swaps sys.stderr for a stream that feeds its own logger."""
    out = _child(
        """
        import os, sys
        from app.services import logsetup
        logsetup.setup("info")
        os.environ.update(KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1", KIVY_NO_CONSOLELOG="1")
        import kivy.logger
        assert sys.stderr is not sys.__stderr__, "Kivy did not replace sys.stderr"
        logsetup.log("alarm_raised", "error", code="estop_chain", source="machine")
        logsetup.shutdown()
        """,
        tmp_path,
    )
    assert out.returncode == 0, out.stderr
    lines = [ln for ln in _json_lines(out.stderr) if ln["event"] == "alarm_raised"]
    assert lines == [lines[0]] and lines[0]["level"] == "error"
    assert lines[0]["code"] == "estop_chain"


def test_the_kiosk_leaves_stderr_alone_and_logs_kivy_warnings_as_json(tmp_path: Path) -> None:
    out = _child(
        """
        import sys
        from app.services import logsetup
        from app.ui.env import WindowSpec, prepare
        logsetup.setup("info")
        prepare(WindowSpec(fullscreen=False, size=(64, 48)))
        from kivy.logger import Logger
        print("a stray line", file=sys.stderr, flush=True)
        Logger.info("Probe: kivy info")
        Logger.warning("Probe: kivy warning")
        logsetup.log("stopped")
        logsetup.shutdown()
        """,
        tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert "a stray line" in out.stderr.splitlines()
    lines = _json_lines(out.stderr)
    kivy = [(ln["level"], ln["event"]) for ln in lines if ln["logger"] == "kivy"]
    assert kivy == [("warning", "Probe: kivy warning")]
    assert [ln["event"] for ln in lines if ln["logger"] == "tvemicro"] == ["stopped"]


def test_under_journald_each_line_carries_its_syslog_priority(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """journald files a stderr line at info unless it starts with <N>: trips must be `-p err`."""
    read_fd, write_fd = os.pipe()
    st = os.fstat(write_fd)
    monkeypatch.setenv("JOURNAL_STREAM", f"{st.st_dev}:{st.st_ino}")
    logsetup.setup("debug", fd=write_fd)
    try:
        logsetup.log("alarm_raised", "error", code="estop_chain", source="machine")
        logsetup.log("audit", "warning", result="refused")
        logsetup.log("state")
        logsetup.access_log(status=200)
    finally:
        logsetup.shutdown()
        os.close(write_fd)
    with os.fdopen(read_fd, encoding="utf-8") as stream:
        raw = stream.read().splitlines()
    assert [line[:4] for line in raw] == ["<3>{", "<4>{", "<6>{", "<7>{"]
    assert json.loads(raw[0][3:])["code"] == "estop_chain"


def test_without_journald_lines_are_plain_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOURNAL_STREAM", "1:2")  # some other stream: the journal is not ours
    read_fd, write_fd = os.pipe()
    logsetup.setup("info", fd=write_fd)
    logsetup.log("alarm_raised", "error")
    logsetup.shutdown()
    os.close(write_fd)
    with os.fdopen(read_fd, encoding="utf-8") as stream:
        assert stream.read().startswith('{"ts"')
