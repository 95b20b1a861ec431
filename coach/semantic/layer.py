"""The trained semantic layer: per-kind weights, thresholds and the positive examples, in one
versioned file, and scoring a rep line (with the prospect's line before it) against them.

The file (`semantic_layer.npz`) is written by `coach train` and never edited by hand: the
shipped default sits beside the rule pack in resources/rules, a retrained one in the data
folder beside the library. A line the layer scores at or above a kind's threshold gets a card
naming the labelled example it is closest to.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from coach.semantic.classifier import features, predict

FORMAT_VERSION = 1
SHIPPED_LAYER = Path(__file__).resolve().parents[2] / "resources" / "rules" / "semantic_layer.npz"


class Encoder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


class LayerError(ValueError):
    """A layer file that cannot be used; the text is one sentence for the user."""


@dataclass(frozen=True)
class KindModel:
    weights: np.ndarray
    bias: float
    threshold: float
    examples: tuple[str, ...]  # positive rep lines, for "resembles ..."
    example_vectors: np.ndarray  # (n, 384) float32, unit length


@dataclass(frozen=True)
class Score:
    kind: str
    score: float
    threshold: float
    resembles: str  # the closest positive example
    similarity: float

    @property
    def fires(self) -> bool:
        return self.score >= self.threshold


@dataclass
class SemanticLayer:
    kinds: dict[str, KindModel]
    meta: dict = field(default_factory=dict)
    encoder: Encoder | None = None
    _cache: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # ------------------------------------------------------------------ scoring
    def embed(self, text: str) -> np.ndarray:
        """One line's embedding, remembered for a while (the prospect's line is scored with
        every rep line that follows it)."""
        key = " ".join(text.lower().split())
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        if self.encoder is None:
            raise LayerError("The semantic layer has no sentence encoder attached.")
        vec = np.asarray(self.encoder.encode([key])[0], dtype=np.float32)
        with self._lock:
            self._cache[key] = vec
            while len(self._cache) > 64:
                self._cache.popitem(last=False)
        return vec

    def score(self, rep: str, prospect: str = "") -> dict[str, Score]:
        """Every kind's score for a rep line said after `prospect`."""
        er = self.embed(rep)
        ep = self.embed(prospect) if prospect.strip() else np.zeros_like(er)
        return self.score_vectors(er, ep)

    def score_vectors(self, er: np.ndarray, ep: np.ndarray) -> dict[str, Score]:
        x = features(er, ep)[0]
        out = {}
        for kind, m in self.kinds.items():
            p = float(predict(x[None, :], m.weights, m.bias)[0])
            if len(m.examples):
                sims = m.example_vectors @ er
                i = int(np.argmax(sims))
                near, sim = m.examples[i], float(sims[i])
            else:
                near, sim = "", 0.0
            out[kind] = Score(kind, p, m.threshold, near, sim)
        return out

    def with_thresholds(self, thresholds: dict[str, float]) -> SemanticLayer:
        kinds = {
            k: KindModel(m.weights, m.bias, float(thresholds.get(k, m.threshold)), m.examples,
                         m.example_vectors)
            for k, m in self.kinds.items()
        }
        return SemanticLayer(kinds, dict(self.meta), self.encoder)

    # ------------------------------------------------------------------ file
    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {}
        meta = dict(self.meta, format=FORMAT_VERSION, kinds={})
        for kind, m in self.kinds.items():
            arrays[f"w_{kind}"] = m.weights.astype(np.float32)
            arrays[f"x_{kind}"] = m.example_vectors.astype(np.float16)
            meta["kinds"][kind] = {
                "bias": m.bias,
                "threshold": m.threshold,
                "examples": list(m.examples),
            }
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
        tmp = path.with_name(path.name + ".part.npz")
        np.savez_compressed(tmp, **arrays)
        tmp.replace(path)  # a crash mid-write never leaves a half file in place
        return path

    @classmethod
    def load(cls, path: str | Path, encoder: Encoder | None = None) -> SemanticLayer:
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(bytes(z["meta"]).decode("utf-8"))
                if meta.get("format") != FORMAT_VERSION:
                    raise LayerError(
                        f"{path} is a semantic layer of format {meta.get('format')}; "
                        f"this version reads format {FORMAT_VERSION}: run 'coach train'."
                    )
                kinds = {}
                for kind, k in meta["kinds"].items():
                    vecs = z[f"x_{kind}"].astype(np.float32)
                    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
                    vecs = vecs / np.maximum(norms, np.float32(1e-6))
                    kinds[kind] = KindModel(
                        z[f"w_{kind}"].astype(np.float32),
                        float(k["bias"]),
                        float(k["threshold"]),
                        tuple(k["examples"]),
                        vecs,
                    )
        except LayerError:
            raise
        except FileNotFoundError:
            raise LayerError(f"No semantic layer at {path}: run 'python main.py coach train'.") from None
        except Exception as exc:  # noqa: BLE001 - any damage reads as one sentence
            raise LayerError(
                f"{path} is not a readable semantic layer ({type(exc).__name__}); "
                "run 'python main.py coach train' to rebuild it."
            ) from None
        meta.pop("kinds", None)
        return cls(kinds, meta, encoder)
