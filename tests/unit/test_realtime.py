"""The control thread asks for SCHED_FIFO: only that thread changes, and a refusal is a warning."""

from __future__ import annotations

import errno
import logging
import os
import threading
from typing import Any

import pytest

from control import realtime


def _in_thread(priority: int) -> tuple[bool, int]:
    """raise_priority in a fresh thread: its result and the thread's policy afterwards."""
    out: list[tuple[bool, int]] = []

    def body() -> None:
        ok = realtime.raise_priority(priority)
        out.append((ok, os.sched_getscheduler(0)))

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    return out[0]


def test_the_calling_thread_alone_gets_sched_fifo(caplog: pytest.LogCaptureFixture) -> None:
    before = os.sched_getscheduler(0)
    with caplog.at_level(logging.INFO, logger="control.core"):
        ok, policy = _in_thread(5)
    assert os.sched_getscheduler(0) == before  # the test's own thread is untouched
    if ok:
        assert policy == os.SCHED_FIFO
        assert "SCHED_FIFO priority 5" in caplog.text
    else:  # an unprivileged run (QA on a Pi without LimitRTPRIO): it must say so
        assert policy != os.SCHED_FIFO
        assert any(r.levelno == logging.WARNING and "LimitRTPRIO=5" in r.getMessage()
                   for r in caplog.records)  # fmt: skip


def test_priority_zero_leaves_scheduling_alone() -> None:
    assert _in_thread(0) == (False, os.sched_getscheduler(0))


def test_a_refusal_is_a_warning_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(*_: Any) -> None:  # what the kernel answers without CAP_SYS_NICE or RLIMIT_RTPRIO
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "sched_setscheduler", refuse)
    with caplog.at_level(logging.INFO, logger="control.core"):
        ok, policy = _in_thread(10)
    assert not ok and policy != os.SCHED_FIFO
    (line,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "normal priority" in line.getMessage() and "LimitRTPRIO=10" in line.getMessage()


def test_the_running_machine_ticks_in_a_sched_fifo_thread(tmp_path: Any) -> None:
    """`tvemicro run` builds this: the control thread asks for machine.rt_priority (config.yaml)."""
    from app.services.machine import build_machine
    from tests.support import config_with

    cfg = config_with(**{"machine.rt_priority": 7})
    machine = build_machine(cfg, "sim", virtual=False, data_dir=tmp_path)
    runner = machine.runner
    assert runner is not None
    ticked = threading.Event()
    runner.on_tick = ticked.set  # the priority is set before the first tick
    runner.start()
    try:
        assert ticked.wait(10), "the control thread never ticked"
        tid = runner._thread.native_id
        assert tid is not None
        policy = os.sched_getscheduler(tid)
        allowed = os.geteuid() == 0 or _rtprio_limit() >= 7
        assert policy == (os.SCHED_FIFO if allowed else os.SCHED_OTHER)
        if allowed:
            assert os.sched_getparam(tid).sched_priority == 7
        assert os.sched_getscheduler(0) != os.SCHED_FIFO  # the caller (REST, kiosk) is not
    finally:
        machine.close()


def _rtprio_limit() -> int:
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_RTPRIO)
    return soft if soft != resource.RLIM_INFINITY else 99
