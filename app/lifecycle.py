"""Start and stop in one place: store → engine → coach → UI, stopped in reverse in `finally`.

`Services` owns every long-lived part the window uses: the three task runners (engine commands,
io, coach training), the StoreWriter, the softphone engine process, the speech model and the
coach's semantic layer. Slow parts start in the background so the dialer is usable at once; `stop()` ends them in reverse order and
afterwards no non-daemon thread or child process is left (`leftovers()` checks it).
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.settings import Settings
from app.tasks import TaskRunner, sentence_for

log = logging.getLogger(__name__)

MAX_RESTARTS = 3


class Services:
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
        from app.db import StoreWriter, open_database

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

    def _start_engine(self) -> None:
        try:
            from softphone.client import EngineClient

            engine = EngineClient(self.engine_config or self.default_engine_config())
            engine.add_listener(self._on_engine_event)
            self.engine = engine
            engine.start()
            for acct in self.account_configs():
                try:
                    engine.add_account(acct)
                except Exception as e:  # noqa: BLE001 - one bad account must not stop the rest
                    self.bridge.problem(sentence_for(e))
            self.engine_ready.set()
            for fn in self.on_engine_ready:
                self.bridge.call_soon(fn)
        except Exception as e:
            log.exception("the phone engine did not start")
            self.bridge.post(
                EngineUnavailable(f"The phone engine did not start: {sentence_for(e)}")
            )

    def engine_config_changed(self) -> bool:
        """Would the settings give the engine a different configuration? (Never when the
        configuration was given from outside, as tests and benchmarks do.)"""
        if self.engine is None or self.engine_config is not None:
            return False
        return self.default_engine_config() != self.engine.config

    def apply_engine_config(self) -> None:
        """Restart the engine with the configuration from the settings and the accounts from
        the settings (engine-commands worker; only between calls)."""
        engine = self.engine
        if engine is None:
            return
        self.engine_ready.clear()
        try:
            engine.stop()
            engine.config = self.default_engine_config()
            engine.start()
            for acct in self.account_configs():
                engine.add_account(acct)
        finally:
            if engine.running:
                self.engine_ready.set()
                for fn in self.on_engine_ready:
                    self.bridge.call_soon(fn)

    def restart_engine(self) -> None:
        """After a crash: start the engine process again (it gets its accounts back). Runs on
        the engine-commands worker; the window, coach and database never stopped."""
        engine = self.engine
        if engine is None or self._stopping:
            return
        if self.restarts >= MAX_RESTARTS:  # a crash loop: stop trying, say so once
            self.bridge.post(
                EngineUnavailable("The phone engine keeps stopping; restart Call Coach.")
            )
            return
        self.engine_ready.clear()
        try:
            engine.stop()  # reap what is left of the old process
            engine.start()
        except Exception as e:
            log.exception("the phone engine could not be restarted")
            self.bridge.post(
                EngineUnavailable(f"The phone engine could not restart: {sentence_for(e)}")
            )
            return
        self.engine_ready.set()
        self.restarts += 1

    def _on_engine_event(self, event: Any) -> None:
        if type(event).__name__ == "EngineStarted":
            self.engine_started = event
        self.bridge.post(event)

    def default_engine_config(self) -> Any:
        from softphone.protocol import EngineConfig

        s = self.settings
        acct = s.account()
        transports = ("udp", "tcp", "tls") if acct and acct.transport == "tls" else ("udp", "tcp")
        return EngineConfig(
            transports=transports,
            srtp=(acct.srtp if acct else "optional"),
            audio="headset",
            input_device=s.input_device or None,
            output_device=s.output_device or None,
        )

    def account_configs(self) -> list:
        from softphone.accounts import AccountConfig

        out = []
        for a in self.settings.accounts:
            if a.enabled and a.server and a.username:
                out.append(
                    AccountConfig(
                        id=a.id,
                        registrar=a.server,
                        user=a.username,
                        display_name=a.display_name,
                        transport=a.transport,  # type: ignore[arg-type]
                    )
                )
        return out

    def reload_model(self, path: str) -> None:
        """Load a newly installed model in the background (used from the next call)."""
        self.model_path = path
        self.bridge.model_state("loading", "Speech model: loading…")
        self._start_model()

    def model_location(self) -> str:
        try:
            from models.lookup import resolve_model_path

            return str(resolve_model_path(self.model_path))  # flag, env, settings, installed
        except Exception:  # noqa: BLE001 - no model: nothing to show
            return ""

    def _start_model(self) -> None:
        def done(fut: Any) -> None:
            if self._stopping:
                return
            try:
                self.model = fut.result()
                self.model_state = "ready"
                self.bridge.model_state("ready", "Speech model ready")
            except Exception as e:  # noqa: BLE001
                self.model_state = "missing"
                self.bridge.model_state("missing", sentence_for(e))

        try:
            from coach.transcribe import load_model_async

            load_model_async(self.model_path, done)  # lookup reads settings itself
        except Exception as e:  # noqa: BLE001
            self.model_state = "missing"
            self.bridge.model_state("missing", sentence_for(e))

    # -- the coach's semantic layer -----------------------------------------------------------
    def semantic_dir(self) -> Path:
        """Where the retrained layer lives: beside the library."""
        if self.db_path is not None:
            return Path(self.db_path).parent
        from app.db import data_dir

        return data_dir()

    def load_semantic(self) -> None:
        """(Re)load the layer on its own thread (BLAS pinned to one thread there); until it is
        ready `semantic_layer()` is None and calls are coached by the phrase rules alone.
        Even the import (numpy, the coach) happens off the GUI thread."""
        self._semantic_changed(
            "The semantic layer is loading; the coach uses phrase rules until it is ready."
        )

        def load() -> str:
            from coach.semantic.service import BackgroundLayer

            layer = BackgroundLayer(self.semantic_dir()).start()
            self.semantic = layer  # get() stays None until it has loaded
            layer.wait()
            return layer.message

        self.coach_tasks.submit(load, self._semantic_loaded, self._semantic_changed)

    def _semantic_loaded(self, message: str) -> None:
        if not self._stopping:
            self._semantic_changed(message)

    def _semantic_changed(self, message: str) -> None:
        self.semantic_message = message
        for fn in self.on_semantic_changed:
            try:
                fn(message)
            except Exception:
                log.exception("a listener of the semantic layer's state raised")

    def semantic_layer(self) -> Any:
        """The loaded layer for the next coach, or None (loading, off or no encoder)."""
        return self.semantic.get() if self.semantic is not None else None

    def retrain(
        self,
        on_done: Callable[[Any], None],
        on_error: Callable[[str], None],
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """Refit the layer from the shipped examples plus the library's taught ones on the
        coach-tasks worker; on_done(TrainResult) on the GUI thread, then the layer reloads so
        the next call uses it. `progress(done, total)` is delivered on the GUI thread too."""
        from coach.library.examples import taught_examples
        from coach.semantic.service import retrain

        def report(done: int, total: int) -> None:
            if progress is not None:
                self.bridge.call_soon(progress, done, total)

        def job() -> Any:
            self._store_ready.wait(10)
            if self._read_db is None:
                raise RuntimeError("The call library is not available")
            taught = _on(self.io, lambda: taught_examples(self._read_db))
            return retrain(self.semantic_dir(), taught, progress=report)

        def done(result: Any) -> None:
            if not self._stopping:
                self.load_semantic()  # the next call uses what was just taught
            on_done(result)

        self.coach_tasks.submit(job, done, on_error)

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


def _on(runner: TaskRunner, fn: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Run fn on `runner`'s thread and wait for its result (the read connection belongs to
    the io thread)."""
    import concurrent.futures

    fut: concurrent.futures.Future = concurrent.futures.Future()

    def job() -> None:
        try:
            fut.set_result(fn())
        except Exception as e:  # noqa: BLE001 - re-raised in the caller's thread
            fut.set_exception(e)

    runner.submit(job)
    return fut.result(timeout)


class EngineUnavailable:
    """The engine is not running (never started, or gave up restarting); carries a sentence
    for the status bar. The bridge shows it like an engine crash."""

    def __init__(self, sentence: str) -> None:
        self.reason = sentence
