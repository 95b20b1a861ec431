"""The speech model in memory: loaded once per process (cached by folder) and shared by all
recognizers; `load_model_async` loads it on a named background thread so the app is usable
at once. Which folder is used follows models.lookup (flag, env, settings, installed)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

import vosk

from models.errors import ModelError
from models.loaded import LoadedOnce, load_async
from models.lookup import resolve_model_path
from models.program import command

MODEL_RATE = 16000  # what the recognizers are fed; other rates are resampled first

def _load_folder(folder: Path) -> vosk.Model:
    vosk.SetLogLevel(-1)
    try:
        model = vosk.Model(str(folder))
        vosk.KaldiRecognizer(model, MODEL_RATE)  # a corrupt graph fails only here
    except Exception as e:  # vosk raises a bare Exception
        raise ModelError(
            f"The speech model at {folder} could not be loaded: run "
            f"{command(f'models verify {folder}')} and reinstall it if it fails."
        ) from e
    return model


_models: LoadedOnce[vosk.Model] = LoadedOnce(_load_folder)


def load_model(path: str | Path | None = None) -> vosk.Model:
    """The Vosk model (lookup order of models.lookup), loaded once per process."""
    return _models.get(resolve_model_path(str(path) if path else None))


def load_model_async(
    path: str | Path | None = None,
    on_done: Callable[[Future], None] | None = None,
) -> Future:
    """Load the model on a named background thread; the Future holds the model or ModelError."""
    return load_async(lambda: load_model(path), "asr-model-loader", on_done)
