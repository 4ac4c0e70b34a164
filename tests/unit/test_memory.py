"""`tvemicro run` caps glibc's malloc arenas, so ten threads do not keep ten heaps each."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# A fresh interpreter: optionally cap the arenas, let 8 threads each hold 64 KiB blocks (malloc,
# below the mmap threshold) at the same time, then count the heaps glibc's malloc_info reports.
HEAPS = textwrap.dedent(
    """
    import ctypes, sys, tempfile, threading
    from app.services.memory import limit_malloc_arenas
    changed = limit_malloc_arenas() if sys.argv[1] == "cap" else None
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.fopen.restype = ctypes.c_void_p
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    hold = threading.Barrier(9)
    def work():
        blocks = [libc.malloc(65536) for _ in range(8)]
        hold.wait()
        hold.wait()
    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    hold.wait()
    with tempfile.NamedTemporaryFile("r") as out:
        fp = libc.fopen(out.name.encode(), b"w")
        libc.malloc_info(0, fp)
        libc.fclose(fp)
        print(changed, out.read().count("<heap nr="))
    hold.wait()
    """
)


def heaps(mode: str, **env: str) -> tuple[str, int]:
    environ = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"} | env
    environ["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-c", HEAPS, mode], env=environ, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    changed, count = done.stdout.split()
    return changed, int(count)


def _glibc() -> bool:
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError, AttributeError):
        return False


pytestmark = pytest.mark.skipif(not _glibc(), reason="malloc arenas are glibc's")


def test_threads_share_two_heaps_once_capped() -> None:
    assert heaps("cap") == ("True", 2)


def test_without_the_cap_each_thread_gets_its_own_heap() -> None:
    """The control for the test above: the cap is what makes the difference."""
    assert heaps("plain")[1] > 2


def test_a_limit_set_by_the_environment_is_left_alone() -> None:
    changed, count = heaps("cap", MALLOC_ARENA_MAX="3")
    assert changed == "False" and count == 3
