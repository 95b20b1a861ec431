"""Start and stop in one place: store → engine → coach → UI, stopped in reverse in `finally`.

`Services` owns every long-lived part the window uses: the three task runners (engine commands,
io, coach training), the StoreWriter, the softphone engine process, the speech model and the
coach's semantic layer. Slow parts start in the background so the dialer is usable at once;
`stop()` ends them in reverse order and afterwards no non-daemon thread or child process is
left (`leftovers()` checks it). This module holds the order and the store; the engine's start,
restart and reconfiguration are `app.engine_service`'s, the speech model and the semantic
layer `app.coach_service`'s (both mixed into `Services`).
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.coach_service import CoachParts
from app.engine_service import EngineParts, EngineUnavailable
from app.settings import Settings
from app.tasks import TaskRunner, sentence_for

log = logging.getLogger(__name__)


class Services(EngineParts, CoachParts):
    """The window's long-lived parts, started and stopped in one place."""

    def __init__(
        self,
        bridge: Any,
        settings: Settings,
        *,
        engine_config: Any = None,
        db_path: str | Path | None = None,
        model_path: str | None = None,
        use_engine: bool = True,
        use_model: bool = True,
        use_semantic: bool | None = None,
    ) -> None:
        self.bridge, self.settings = bridge, settings
        self.engine_config, self.db_path, self.model_path = engine_config, db_path, model_path
        self.use_engine, self.use_model = use_engine, use_model
        self.use_semantic = use_model if use_semantic is None else use_semantic
        self.commands = TaskRunner(bridge, "engine-commands")
        self.io = TaskRunner(bridge, "ui-io")
        # waits for the semantic layer and runs retrains (tens of seconds): never blocks io
        self.coach_tasks = TaskRunner(bridge, "coach-tasks")
        self.semantic: Any = None  # coach.semantic.service.BackgroundLayer
        self.semantic_message = (
            "The coach runs on phrase rules alone (the semantic layer is off in this session)."
        )
        self.on_semantic_changed: list[Callable[[str], None]] = []  # run on the GUI thread
        self.store: Any = None
        self.engine: Any = None
        self.engine_ready = threading.Event()
        self.engine_started: Any = None  # the EngineStarted event
        self.restarts = 0
        self.model: Any = None
        self.model_state = "loading"
        self._read_db: Any = None
        self._store_ready = threading.Event()
        self._stopping = False
        self.on_engine_ready: list[Callable[[], None]] = []  # run on the GUI thread

    # -- start -----------------------------------------------------------------------------
    def start(self) -> None:
        """Kick off store, engine and model in that order; returns at once."""
        self.io.submit(self._start_store)
        if self.use_engine:
            self.commands.submit(self._start_engine)
        else:
            self.bridge.post(EngineUnavailable("No phone engine in this session."))
        if self.use_model:
            self._start_model()
        else:
            self.model_state = "off"
            self.bridge.model_state("off", "Speech model off")
        if self.use_semantic:
            self.load_semantic()

    def _start_store(self) -> None:
        from app.db import open_database
        from app.store_writer import StoreWriter

        try:
            # open_database migrates and recovers a crash (once, beside the database file)
            open_database(self.db_path).close()
            self.store = StoreWriter(self.db_path, on_error=self._store_failed).start()
            self._read_db = self.store.reader()
        except Exception as e:
            log.exception("the call history could not be opened")
            self.bridge.problem(f"Call history is unavailable: {sentence_for(e)}")
        finally:
            self._store_ready.set()

    def _store_failed(self, sentence: str) -> None:
        """A write job failed (on the writer thread): the status bar gets its sentence."""
        self.bridge.problem(sentence)

    @staticmethod
    def save_call_review(db: Any, call_id: int, notes: str, disposition: str | None) -> None:
        """The writer job behind the Review screen's Save: the call's notes and disposition
        are the call history's columns, so the history writes them (coach/ only asks)."""
        from calling import history

        history.set_disposition(db, call_id, disposition or None)  # a bad one: ValueError
        history.set_notes(db, call_id, notes or None)

    @property
    def calls_table(self) -> Any:
        """The call history's functions for the calls and contacts tables, in the shape the
        call library asks for (bundle import, teaching, the review screen; coach/ never
        imports calling/)."""
        from app.calls_table import CALLS_TABLE

        return CALLS_TABLE

    def read(
        self,
        fn: Callable[[Any], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        """Run fn(read_db) on the io worker; on_done(result) on the GUI thread, or
        on_error(sentence) there if it raised (else the failure is only logged)."""

        def job() -> Any:
            self._store_ready.wait(10)
            if self._read_db is None:
                raise RuntimeError("The call history is not available")
            return fn(self._read_db)

        self.io.submit(
            job, on_done, on_error or (lambda msg: log.info("history read failed: %s", msg))
        )

    # -- stop ------------------------------------------------------------------------------
    def stop(self) -> None:
        """Reverse order: coach/model → engine → store → workers. Never raises."""
        self._stopping = True
        self.model = None
        # queued commands (a last hang-up) run first; an engine still starting finishes starting
        self.commands.stop(timeout=20)
        engine, self.engine = self.engine, None
        if engine is not None:
            try:
                engine.stop()
            except Exception:
                log.exception("stopping the phone engine failed")
        self._store_ready.wait(10)
        if self.store is not None:
            try:
                self.store.stop()
            except Exception:
                log.exception("stopping the store writer failed")
        self.io.stop()
        self.coach_tasks.stop(timeout=2)
        if self.semantic is not None:
            self.semantic.wait(5)  # a load under way ends (daemon thread, reads files only)
        if self._read_db is not None:
            # opened on the io thread; by now that thread has ended
            self._read_db = None


def leftovers(grace: float = 2.0) -> list[str]:
    """Threads (daemon or not) and child processes still alive after stop, once a short grace
    period for threads that are finishing has passed. Empty after a clean shutdown."""
    import time

    deadline = time.monotonic() + grace
    while True:
        threads = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
        children = [f"process {p.pid}" for p in multiprocessing.active_children()]
        if not (threads or children) or time.monotonic() > deadline:
            return threads + children
        time.sleep(0.05)
