"""The coach's heavy parts as the window's services hold them: the speech model (loaded in the
background, reloaded after an install) and the semantic layer (loaded on the `coach-tasks`
worker, retrained from the library's taught examples).

`CoachService` owns this state itself; what it needs of the rest is handed in: the bridge,
where the library lives and `read_library`, which runs a function on the library's read
connection (on the io worker) and returns its result. `app.lifecycle.Services` holds one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.tasks import TaskRunner, sentence_for

log = logging.getLogger(__name__)


class CoachService:
    """The speech model (`model`, `model_state`: loading, ready, missing or off) and the
    semantic layer (`semantic_layer()`, `semantic_message`, `on_semantic_changed` run on the
    GUI thread with each new message)."""

    def __init__(
        self,
        bridge: Any,
        *,
        model_path: str | None,
        db_path: str | Path | None,
        read_library: Callable[[Callable[[Any], Any]], Any],
    ) -> None:
        self.bridge, self.model_path, self.db_path = bridge, model_path, db_path
        self._read_library = read_library
        # waits for the semantic layer and runs retrains (tens of seconds): never blocks io
        self.tasks = TaskRunner(bridge, "coach-tasks")
        self.model: Any = None
        self.model_state = "loading"
        self.semantic: Any = None  # coach.semantic.service.BackgroundLayer
        self.semantic_message = (
            "The coach runs on phrase rules alone (the semantic layer is off in this session)."
        )
        self.on_semantic_changed: list[Callable[[str], None]] = []  # run on the GUI thread
        self._stopping = False

    def start(self, use_model: bool, use_semantic: bool) -> None:
        """Load the speech model and the semantic layer in the background; returns at once."""
        if use_model:
            self._start_model()
        else:
            self.model_state = "off"
            self.bridge.model_state("off", "Speech model off")
        if use_semantic:
            self.load_semantic()

    def stop(self) -> None:
        """Drop the model, let a retrain under way end, wait for a layer load. Never raises."""
        self._stopping = True
        self.model = None
        self.tasks.stop(timeout=2)
        if self.semantic is not None:
            self.semantic.wait(5)  # a load under way ends (daemon thread, reads files only)

    def reload_model(self, path: str) -> None:
        """Load a newly installed model in the background (used from the next call)."""
        self.model_path = path
        self.bridge.model_state("loading", "Speech model: loading…")
        self._start_model()

    def model_location(self) -> str:
        """Where the speech model the coach uses is ("" when there is none)."""
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

        self.tasks.submit(load, self._semantic_loaded, self._semantic_changed)

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
            taught = self._read_library(taught_examples)
            return retrain(self.semantic_dir(), taught, progress=report)

        def done(result: Any) -> None:
            if not self._stopping:
                self.load_semantic()  # the next call uses what was just taught
            on_done(result)

        self.tasks.submit(job, done, on_error)
