"""Finding, loading and retraining the semantic layer for the app and the command line.

The layer in use is the data folder's (retrained from what the team taught) when there is
one, else the shipped default beside the rule pack. Without a sentence encoder the coach runs
on phrase rules alone: `load_layer` then returns None and one sentence saying what to run.
Loading takes about a second (the encoder's weights); the app does it in the background.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from coach.semantic.embeddings import EmbeddingStore
from coach.semantic.examples import Example, shipped_examples
from coach.semantic.layer import SHIPPED_LAYER, LayerError, SemanticLayer
from coach.semantic.train import TrainResult, calibration_calls, train

log = logging.getLogger(__name__)

LAYER_FILE = "semantic_layer.npz"
STORE_FILE = "semantic_embeddings.npz"
SHIPPED_STORE = SHIPPED_LAYER.with_name(STORE_FILE)


@dataclass
class Loaded:
    layer: SemanticLayer | None
    message: str  # one sentence: what the coach runs on
    path: Path | None = None


def default_data_dir() -> Path:
    """Where the app keeps the library (the same rule as app.db.data_dir, without creating it:
    the coach package cannot import the app)."""
    override = os.environ.get("CALLCOACH_DATA_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir("callcoach", appauthor=False))


def layer_path(data_dir: Path | None) -> Path:
    if data_dir is not None and (Path(data_dir) / LAYER_FILE).exists():
        return Path(data_dir) / LAYER_FILE
    return SHIPPED_LAYER


def load_encoder(encoder_path: str | None = None):  # -> SentenceEncoder
    """The sentence encoder found the documented way (flag, CALLCOACH_ENCODER, settings,
    installed models); raises an error whose text is one sentence."""
    from coach.semantic.encoder import load_encoder as _load

    return _load(encoder_path)  # loaded once per process, errors as one sentence


def load_layer(data_dir: Path | None = None, encoder_path: str | None = None) -> Loaded:
    """The layer in use with its encoder attached, or None and the sentence saying why."""
    if os.environ.get("CALLCOACH_SEMANTIC", "1") == "0":
        return Loaded(None, "The coach runs on phrase rules alone (CALLCOACH_SEMANTIC=0).")
    path = layer_path(data_dir)
    try:
        encoder = load_encoder(encoder_path)
    except Exception as exc:  # noqa: BLE001 - EncoderMissing and friends carry a sentence
        return Loaded(None, _rules_alone(exc))
    try:
        layer = SemanticLayer.load(path, encoder)
    except LayerError as exc:
        return Loaded(None, _rules_alone(exc))
    origin = "retrained" if path != SHIPPED_LAYER else "shipped"
    return Loaded(layer, f"The coach uses phrase rules and the {origin} semantic layer.", path)


class BackgroundLayer:
    """Loads the layer on a thread of its own at start-up, so the dialer is not kept waiting;
    `get()` is None (rules alone) until it is ready. `reload()` after a retrain."""

    def __init__(self, data_dir: Path | None, encoder_path: str | None = None) -> None:
        self.data_dir, self.encoder_path = data_dir, encoder_path
        self._loaded: Loaded | None = None
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> BackgroundLayer:
        self._done.clear()
        self._thread = threading.Thread(target=self._run, name="semantic-load", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            from threadpoolctl import threadpool_limits

            with threadpool_limits(1):  # never compete with the audio and ASR threads
                self._loaded = load_layer(self.data_dir, self.encoder_path)
        except Exception as exc:  # noqa: BLE001
            self._loaded = Loaded(None, _rules_alone(exc))
        log.info("%s", self._loaded.message)
        self._done.set()

    def wait(self, timeout: float | None = None) -> Loaded | None:
        self._done.wait(timeout)
        return self._loaded

    def get(self) -> SemanticLayer | None:
        return self._loaded.layer if self._done.is_set() and self._loaded else None

    @property
    def message(self) -> str:
        if not self._done.is_set():
            return "The semantic layer is loading; the coach uses phrase rules until it is ready."
        return self._loaded.message if self._loaded else ""

    def reload(self) -> BackgroundLayer:
        return self.start()


def retrain(
    data_dir: Path,
    taught: list[Example],
    encoder_path: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    pack=None,
) -> TrainResult:
    """Refit on the shipped examples plus what the team taught; save into `data_dir`."""
    encoder = load_encoder(encoder_path)
    data_dir = Path(data_dir)
    store = EmbeddingStore.load(SHIPPED_STORE, data_dir / STORE_FILE)
    try:
        previous = SemanticLayer.load(layer_path(data_dir))
    except LayerError:
        previous = None
    result = train(
        [*shipped_examples(), *taught],
        calibration_calls(),
        encoder.encode,
        store,
        pack=pack,
        previous=previous,
        progress=progress,
    )
    result.layer.save(data_dir / LAYER_FILE)
    if store.added:
        store.save(data_dir / STORE_FILE)
    result.report["saved_to"] = str(data_dir / LAYER_FILE)
    return result


def train_shipped(
    encoder_path: str | None = None, progress: Callable[[int, int], None] | None = None
) -> TrainResult:
    """Rebuild the shipped default layer (and its embedding store) from resources/ alone."""
    encoder = load_encoder(encoder_path)
    store = EmbeddingStore.load(SHIPPED_STORE)
    try:
        previous = SemanticLayer.load(SHIPPED_LAYER)
    except LayerError:
        previous = None
    examples = shipped_examples()
    calls = calibration_calls()
    result = train(examples, calls, encoder.encode, store, previous=previous, progress=progress)
    result.layer.meta.pop("trained_at", None)  # the same data gives the same file
    result.layer.save(SHIPPED_LAYER)
    store.save(SHIPPED_STORE)
    result.report["saved_to"] = str(SHIPPED_LAYER)
    return result


def _sentence(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if text.endswith(".") else text + "."


def _rules_alone(exc: BaseException) -> str:
    text = _sentence(exc)
    if text.lower().startswith("the coach runs on"):
        return text  # EncoderMissing already says it
    return f"The coach runs on phrase rules alone: {text[0].lower()}{text[1:]}"
