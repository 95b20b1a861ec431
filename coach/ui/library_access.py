"""How the review and coaching screens reach the call library without blocking the GUI.

Reads run on the app's io worker against its read connection and come back on the GUI
thread; writes go through the app's single StoreWriter and their callback runs on the GUI
thread once the write is committed. The screens get the app's `Services` (duck-typed:
`read(fn, on_done)`, `store.submit`, `bridge.call_soon`, `settings`), so coach/ui never
imports app/.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class LibraryAccess:
    def __init__(self, services: Any) -> None:
        self.services = services
        # read(fn, on_done, on_error=None): fn(db) on the io worker; on_done(result) on the
        # GUI thread (on_error(sentence) there if it raised; without it only logged)
        self.read: Callable[..., None] = services.read

    def write(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        **kwargs: Any,
    ) -> None:
        """fn(db, *args, **kwargs) on the store writer; on_done(result) on the GUI thread
        once committed, on_error(sentence) if it failed."""

        def submit(_: Any = None) -> None:
            store = self.services.store
            if store is None:
                self._fail(on_error, "The call library is not available.")
                return
            fut = store.submit(fn, *args, **kwargs)
            fut.add_done_callback(lambda f: self._deliver(f, on_done, on_error))

        if self.services.store is None:
            self.read(lambda db: None, submit)  # read() waits until the store has started
        else:
            submit()

    def _deliver(self, fut: Any, on_done: Callable | None, on_error: Callable | None) -> None:
        exc = fut.exception()
        if exc is not None:
            log.warning("library write failed: %s", exc)
            self._fail(on_error, str(exc) or type(exc).__name__)
        elif on_done is not None:
            self.services.bridge.call_soon(on_done, fut.result())

    def _fail(self, on_error: Callable | None, sentence: str) -> None:
        if on_error is not None:
            self.services.bridge.call_soon(on_error, sentence)
        else:
            self.services.bridge.problem(sentence)

    @property
    def rep_name(self) -> str:
        settings = getattr(self.services, "settings", None)
        return str(getattr(settings, "rep_name", "") or "")

    @property
    def output_device(self) -> str | None:
        """The headset the rep picked in Settings (None: the system default)."""
        settings = getattr(self.services, "settings", None)
        return getattr(settings, "output_device", "") or None
