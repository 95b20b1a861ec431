"""The one way the window runs background work: named worker threads fed by a queue.

`TaskRunner.submit(fn, on_done, on_error)` runs `fn` on the worker and delivers the result (or
the exception turned into a sentence) back on the GUI thread through the bridge. Engine
commands, database reads, model loading and device scans all go through here, so the window
never waits on SIP, audio, Vosk or SQLite. `stop()` sends the sentinel and joins.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

_STOP = object()


def sentence_for(exc: BaseException) -> str:
    """An exception as one sentence a rep can read (never a traceback)."""
    text = str(exc).strip()
    if text and not text.startswith("Traceback") and len(text) < 300:
        return text if text.endswith((".", "!", "?")) else text + "."
    return f"Something went wrong ({type(exc).__name__}); the details are in the log."


class TaskRunner:
    def __init__(self, bridge: Any, name: str = "ui-tasks", workers: int = 1) -> None:
        self.bridge = bridge
        self._queue: queue.Queue = queue.Queue()
        self._threads = [
            threading.Thread(target=self._loop, name=f"{name}-{i}", daemon=True)
            for i in range(workers)
        ]
        for t in self._threads:
            t.start()

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self._queue.put((fn, on_done, on_error))

    def stop(self, timeout: float = 5.0) -> None:
        for _ in self._threads:
            self._queue.put(_STOP)
        for t in self._threads:
            t.join(timeout)

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            fn, on_done, on_error = item
            try:
                result = fn()
            except Exception as e:
                # handled: the sentence reaches the rep; the details stay in the log
                log.info("background task failed: %s", e, exc_info=True)
                msg = sentence_for(e)
                if on_error is not None:
                    self.bridge.call_soon(on_error, msg)
                else:
                    self.bridge.problem(msg)
                continue
            if on_done is not None:
                self.bridge.call_soon(on_done, result)
