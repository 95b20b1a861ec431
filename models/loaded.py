"""Models held in memory: each folder is loaded once per process and shared (the speech model
by every recognizer, the sentence encoder by the coach and training), and a loader that runs
on a named background thread so start-up never waits for the weights."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")


class LoadedOnce(Generic[T]):
    """A per-process cache of loaded models by resolved folder. The lock is held while loading,
    so two threads asking for the same folder load it once."""

    def __init__(self, load: Callable[[Path], T]) -> None:
        self._load = load
        self._items: dict[str, T] = {}
        self._lock = threading.Lock()

    def get(self, folder: Path) -> T:
        key = str(Path(folder).resolve())
        with self._lock:
            item = self._items.get(key)
            if item is None:
                item = self._items[key] = self._load(Path(key))
            return item


def load_async(
    load: Callable[[], T], name: str, on_done: Callable[[Future], None] | None = None
) -> Future:
    """Run `load` on a named daemon thread; the Future holds its result or its exception."""
    fut: Future = Future()
    if on_done:
        fut.add_done_callback(on_done)

    def run() -> None:
        try:
            fut.set_result(load())
        except Exception as e:  # noqa: BLE001 - handed to the caller through the Future
            fut.set_exception(e)

    threading.Thread(target=run, name=name, daemon=True).start()
    return fut
