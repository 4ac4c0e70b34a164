"""The persistence writer: one thread, writes in submission order, errors handed back, and
close() flushes what is queued."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from control.persist import load
from control.writer import PersistWriter
from tests.support import FakeDisk


def test_writes_happen_on_the_writer_thread_in_submission_order(tmp_path: Path) -> None:
    fake = FakeDisk(stalled=True)
    writer = PersistWriter(fake)
    tickets = [writer.submit(tmp_path / f"f{i % 2}.json", {"n": i}) for i in range(6)]
    assert not any(t.future.done() for t in tickets)  # the gate holds the first write
    fake.gate.set()
    assert writer.close()
    assert [data["n"] for _, _, data in fake.log] == list(range(6))
    assert {thread for thread, _, _ in fake.log} == {"persist"}
    assert all(t.future.exception() is None for t in tickets)


def test_a_failed_write_is_handed_back_and_the_writer_keeps_going(tmp_path: Path) -> None:
    fake = FakeDisk()
    fake.fail = OSError(errno.ENOSPC, "No space left on device")
    writer = PersistWriter(fake)
    first = writer.submit(tmp_path / "a.json", 1)
    with pytest.raises(OSError) as err:
        first.future.result(timeout=10)
    assert err.value.errno == errno.ENOSPC
    fake.fail = None
    assert writer.submit(tmp_path / "a.json", 2).future.result(timeout=10) is None
    writer.close()


def test_close_writes_everything_still_queued(tmp_path: Path) -> None:
    writer = PersistWriter()  # the real atomic write
    for i in range(20):
        writer.submit(tmp_path / "settings.json", {"n": i})
    assert writer.close()
    assert load(tmp_path / "settings.json") == ({"n": 19}, None)


def test_inline_writer_writes_before_submit_returns(tmp_path: Path) -> None:
    ticket = PersistWriter(threaded=False).submit(tmp_path / "x.json", [1])
    assert ticket.future.done() and load(tmp_path / "x.json") == ([1], None)
