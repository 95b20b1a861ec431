"""The speech model in memory: loaded once per process (cached by folder) and shared by all
recognizers; `load_model_async` loads it on a named background thread so the app is usable
at once. Which folder is used follows models.lookup (flag, env, settings, installed)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

import vosk

from models.errors import ModelError
from models.lookup import resolve_model_path

MODEL_RATE = 16000  # what the recognizers are fed; other rates are resampled first

_models: dict[str, vosk.Model] = {}
_models_lock = threading.Lock()


def load_model(path: str | Path | None = None) -> vosk.Model:
    """The Vosk model (lookup order of models.lookup), loaded once per process."""
    folder = resolve_model_path(str(path) if path else None).resolve()
    key = str(folder)
    with _models_lock:
        model = _models.get(key)
        if model is None:
            vosk.SetLogLevel(-1)
            try:
                model = vosk.Model(key)
                vosk.KaldiRecognizer(model, MODEL_RATE)  # a corrupt graph fails only here
            except Exception as e:  # vosk raises a bare Exception
                raise ModelError(
                    f"The speech model at {key} could not be loaded: run "
                    f"`python main.py models verify {key}` and reinstall it if it fails."
                ) from e
            _models[key] = model
    return model


def load_model_async(
    path: str | Path | None = None,
    on_done: Callable[[Future], None] | None = None,
) -> Future:
    """Load the model on a named background thread; the Future holds the model or ModelError."""
    fut: Future = Future()
    if on_done:
        fut.add_done_callback(on_done)

    def run() -> None:
        try:
            fut.set_result(load_model(path))
        except Exception as e:  # noqa: BLE001 - handed to the caller through the Future
            fut.set_exception(e)

    threading.Thread(target=run, name="asr-model-loader", daemon=True).start()
    return fut
