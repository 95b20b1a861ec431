"""EventLog: a listener that keeps the engine's events and lets a thread wait for one.

Used by the command line (`main.py call` / `answer`), the tests and the benchmarks; the
window uses its own Qt bridge instead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from softphone import protocol as p


class EventLog:
    """A listener that keeps every event and lets a thread wait for one (CLI, tests)."""

    def __init__(self) -> None:
        self.events: list[p.Event] = []
        self._cond = threading.Condition()

    def __call__(self, event: p.Event) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def wait_for(self, pred: Callable[[p.Event], bool], timeout: float = 10.0) -> p.Event:
        """The first event (past or future) matching pred; raises TimeoutError."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for e in self.events:
                    if pred(e):
                        return e
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no matching event within {timeout} s")
                self._cond.wait(left)

    def of(self, kind: type) -> list:
        with self._cond:
            return [e for e in self.events if isinstance(e, kind)]
