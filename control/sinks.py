"""Where the core hands events and samples: copy-on-write sink lists, isolated callbacks."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from control.snapshot import Snapshot

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Event:
    """Something for the historian: a state change, an alarm change or an audit record."""

    kind: str
    wall_s: float
    data: dict[str, Any]


class SinkList(Generic[T]):
    """Callbacks that other threads add or remove while the control thread calls them.

    Changes replace an immutable tuple under a lock, so the control thread iterates a stable
    tuple without locking: a sink added or removed mid-call neither skips nor repeats another."""

    def __init__(self, sinks: Iterable[Callable[[T], None]] = ()) -> None:
        self._lock = threading.Lock()
        self._sinks: tuple[Callable[[T], None], ...] = tuple(sinks)

    def append(self, sink: Callable[[T], None]) -> None:
        with self._lock:
            self._sinks = (*self._sinks, sink)

    def remove(self, sink: Callable[[T], None]) -> None:
        """Remove one registration of `sink`; ValueError when it is not registered (as list)."""
        with self._lock:
            sinks = list(self._sinks)
            sinks.remove(sink)
            self._sinks = tuple(sinks)

    def discard(self, sink: Callable[[T], None]) -> bool:
        """Remove `sink` if registered; returns whether it was."""
        try:
            self.remove(sink)
        except ValueError:
            return False
        return True

    def __iter__(self) -> Iterator[Callable[[T], None]]:
        return iter(self._sinks)

    def __len__(self) -> int:
        return len(self._sinks)


class CoreSinks:
    """Where the core hands data each tick. Callbacks must not block (put on a queue)."""

    def __init__(
        self,
        on_event: Iterable[Callable[[Event], None]] = (),
        on_sample: Iterable[Callable[[Snapshot], None]] = (),
    ) -> None:
        self.on_event: SinkList[Event] = SinkList(on_event)
        self.on_sample: SinkList[Snapshot] = SinkList(on_sample)


def deliver(sinks: SinkList[T], item: T) -> list[str]:
    """Hand `item` to every sink. A sink that raises is dropped and logged, never fatal to the
    caller (the control tick); returns the names of the sinks dropped."""
    dropped: list[str] = []
    for sink in sinks:
        try:
            sink(item)
        except Exception as err:
            sinks.discard(sink)
            name = sink_name(sink)
            log.warning("sink %s raised %s and was dropped", name, type(err).__name__, exc_info=err)
            dropped.append(f"{name} ({type(err).__name__}: {err})")
    return dropped


def sink_name(sink: Callable[..., Any]) -> str:
    return str(getattr(sink, "__qualname__", None) or repr(sink))
