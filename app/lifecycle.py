"""Start and stop in one place: store → engine → coach → UI, stopped in reverse in `finally`.

`Services` owns every long-lived part the window uses: the io task runner, the StoreWriter and
the library's read connection, and two services that own their own state: `phone`
(`app.engine_service.EngineService`: the softphone engine process, its commands worker, start,
restart and reconfiguration) and `coach` (`app.coach_service.CoachService`: the speech model and
the semantic layer, its coach-tasks worker). Slow parts start in the background so the dialer
is usable at once; `stop()` ends them in reverse order and afterwards no non-daemon thread or
child process is left (`leftovers()` checks it). The few things every page reads (the engine,
whether it is ready, its commands worker, the model, the layer, retraining it) Services
passes through.
"""

from __future__ import annotations

import concurrent.futures
import logging
import multiprocessing
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.coach_service import CoachService
from app.engine_service import EngineService, EngineUnavailable
from app.settings import Settings
from app.tasks import TaskRunner, sentence_for

log = logging.getLogger(__name__)


class Services:
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
        self.bridge, self.settings, self.db_path = bridge, settings, db_path
        self.use_engine, self.use_model = use_engine, use_model
        self.use_semantic = use_model if use_semantic is None else use_semantic
        self.io = TaskRunner(bridge, "ui-io")
        self.phone = EngineService(bridge, settings, engine_config)
        self.coach = CoachService(
            bridge, model_path=model_path, db_path=db_path, read_library=self.read_now
        )
        # the same objects as the parts': set while the engine takes commands, the worker
        # engine commands run on, the layer for the next coach, the Review screen's Teach
        self.engine_ready: threading.Event = self.phone.engine_ready
        self.commands: TaskRunner = self.phone.commands
        self.semantic_layer: Callable[[], Any] = self.coach.semantic_layer
        self.retrain = self.coach.retrain
        self.store: Any = None
        self._read_db: Any = None
        self._store_ready = threading.Event()

    # -- what every page reads: the parts' own (engine and model change; the rest are fixed) --
    @property
    def engine(self) -> Any:
        """The phone engine's client (None until it starts, and after stop)."""
        return self.phone.engine

    @property
    def model(self) -> Any:
        """The loaded speech model, or None."""
        return self.coach.model

    # -- start -----------------------------------------------------------------------------
    def start(self) -> None:
        """Kick off store, engine and model in that order; returns at once."""
        self.io.submit(self._start_store)
        if self.use_engine:
            self.phone.start()
        else:
            self.bridge.post(EngineUnavailable("No phone engine in this session."))
        self.coach.start(self.use_model, self.use_semantic)

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

    def read_now(self, fn: Callable[[Any], Any], timeout: float = 30.0) -> Any:
        """fn(read_db) run on the io worker (the read connection belongs to its thread), waited
        for: from another worker only (the coach's retrain), never from the GUI thread."""
        self._store_ready.wait(10)
        if self._read_db is None:
            raise RuntimeError("The call library is not available")
        fut: concurrent.futures.Future = concurrent.futures.Future()

        def job() -> None:
            try:
                fut.set_result(fn(self._read_db))
            except Exception as e:  # noqa: BLE001 - re-raised in the caller's thread
                fut.set_exception(e)

        self.io.submit(job)
        return fut.result(timeout)

    # -- stop ------------------------------------------------------------------------------
    def stop(self) -> None:
        """Reverse order: coach (model, layer, retrain) → engine → store → io. Never raises."""
        self.coach.stop()
        self.phone.stop()  # its queued commands (a last hang-up) run first
        self._store_ready.wait(10)
        if self.store is not None:
            try:
                self.store.stop()
            except Exception:
                log.exception("stopping the store writer failed")
        self.io.stop()
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
