"""A long-lived worker: one named thread fed by a queue and stopped by a sentinel, running
submitted callables one at a time, in order, plus an idle callback between them.

Whoever owns state that several threads touch (the dialing queue: the UI's keys, the engine's
events, its own timers) funnels every change through one of these, so the state needs no
locks and the threads that submit never wait on each other.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

log = logging.getLogger(__name__)
_STOP = object()


class SerialWorker:
    def __init__(
        self, name: str, idle: Callable[[], None] | None = None, idle_s: float = 0.1
    ) -> None:
        self._q: queue.Queue = queue.Queue()
        self._idle, self._idle_s = idle, idle_s
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        if self._thread.is_alive():
            self._q.put(_STOP)
            self._thread.join(timeout)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Run fn(*args) on the worker; its result or exception lands in the Future."""
        if not self._thread.is_alive():
            raise RuntimeError(f"The {self._thread.name} worker is not running.")
        fut: Future = Future()
        self._q.put((fn, args, fut))
        return fut

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run fn(*args) on the worker without waiting; an exception is logged."""
        self._q.put((fn, args, None))

    def _run(self) -> None:
        while True:
            try:
                item = self._q.get(timeout=self._idle_s)
            except queue.Empty:
                self._call_idle()
                continue
            if item is _STOP:
                break
            fn, args, fut = item
            try:
                result = fn(*args)
            except BaseException as e:  # one bad job must not stop the worker
                if fut is None:
                    log.exception("%s: %s failed", self._thread.name, getattr(fn, "__name__", fn))
                else:
                    fut.set_exception(e)
            else:
                if fut is not None:
                    fut.set_result(result)
            self._call_idle()

    def _call_idle(self) -> None:
        if self._idle is None:
            return
        try:
            self._idle()
        except Exception:
            log.exception("%s: idle work failed", self._thread.name)
