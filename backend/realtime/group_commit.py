"""Group commit: many socket events share one transaction, and each is answered only after it committed.

A thousand phones sending a fix every few seconds made a thousand small transactions a second, each
paying for its own session, queries and commit. Here the first event of a round waits one tick
(`interval_s`), then hands everything that arrived meanwhile to `flush(items)` in one go; every event
of the round returns when that flush has finished — so an acknowledgement sent after `submit()`
returns is durable (ack after flush), and a flush that fails answers none of them (the phone keeps
its fix and uploads it later). Flushes run one at a time, in arrival order.

No background thread: the round's first event does the work (as PostgreSQL's commit_delay does), so
nothing runs while no one sends, and it works the same under eventlet (green threads, where
`threading` is patched) and in plain threads.
"""
from __future__ import annotations

import threading
import time
from typing import Callable, Generic, TypeVar

Item = TypeVar("Item")


class FlushFailed(RuntimeError):
    """The batch this item was in could not be stored (or not in time): it must not be acknowledged."""


class _Round(Generic[Item]):
    __slots__ = ("items", "done", "failed")

    def __init__(self):
        self.items: list[Item] = []
        self.done = threading.Event()
        self.failed: BaseException | None = None


class GroupCommit(Generic[Item]):
    def __init__(self, flush: Callable[[list[Item]], None], interval_s: float, *,
                 sleep: Callable[[float], None] = time.sleep, timeout_s: float = 30.0):
        self._flush = flush
        self.interval_s = interval_s
        self._sleep = sleep
        self._timeout_s = timeout_s
        self._guard = threading.Lock()      # the open round
        self._flushing = threading.Lock()   # one flush at a time, rounds in order
        self._open: _Round[Item] | None = None

    def submit(self, item: Item) -> Item:
        """Hand in `item` and return it once the flush that included it has finished (raise FlushFailed if
        that flush failed or did not finish within the timeout)."""
        with self._guard:
            current = self._open
            leading = current is None
            if leading:
                current = self._open = _Round()
            current.items.append(item)
        if leading:
            self._lead(current)
        if not current.done.wait(self._timeout_s):
            raise FlushFailed("the batch was not stored in time")
        if current.failed is not None:
            raise FlushFailed("the batch could not be stored") from current.failed
        return item

    def _lead(self, current: _Round[Item]) -> None:
        try:
            self._sleep(self.interval_s)  # let the round fill
            with self._flushing:
                self._close(current)  # later items open the next round
                self._flush(current.items)
        except BaseException as failure:  # every waiter of the round learns it; none is acknowledged
            current.failed = failure
            if not isinstance(failure, Exception):
                raise
        finally:
            self._close(current)  # even if the leader was killed while sleeping: never a round no one flushes
            current.done.set()

    def _close(self, current: _Round[Item]) -> None:
        with self._guard:
            if self._open is current:
                self._open = None
