"""A store of sentence embeddings by text, so retraining only encodes lines it has not seen.

The shipped store (beside the shipped layer) holds every shipped example line; a user's store
in the data folder adds the lines their team taught. Vectors are kept as float16: a cosine
changes by under 1e-3, far below what moves a classifier's decision.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np


def key(text: str) -> str:
    return " ".join(text.lower().split())


class EmbeddingStore:
    def __init__(self, vectors: dict[str, np.ndarray] | None = None) -> None:
        self.vectors: dict[str, np.ndarray] = dict(vectors or {})
        self.added = 0

    @classmethod
    def load(cls, *paths: str | Path) -> EmbeddingStore:
        """Merge the stores that exist among `paths` (later ones win); damaged ones are skipped:
        they only cost time, the lines are encoded again."""
        store = cls()
        for p in paths:
            try:
                with np.load(Path(p), allow_pickle=False) as z:
                    keys = json.loads(bytes(z["keys"]).decode("utf-8"))
                    vecs = z["vectors"].astype(np.float32)
            except Exception:  # noqa: BLE001, S112
                continue
            store.vectors.update(zip(keys, vecs, strict=True))
        return store

    def save(self, path: str | Path, only: Iterable[str] | None = None) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self.vectors if only is None else {key(t) for t in only} & set(self.vectors))
        vecs = np.stack([self.vectors[k] for k in keys]) if keys else np.zeros((0, 384))
        tmp = path.with_name(path.name + ".part.npz")
        np.savez_compressed(
            tmp,
            keys=np.frombuffer(json.dumps(keys).encode("utf-8"), dtype=np.uint8),
            vectors=vecs.astype(np.float16),
        )
        tmp.replace(path)
        return path

    def embed(
        self,
        texts: Iterable[str],
        encode: Callable[[list[str]], np.ndarray],
        batch: int = 32,
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """(n, 384) embeddings of `texts` (empty text: zeros), encoding the missing ones."""
        texts = [key(t) for t in texts]
        # Similar lengths batch together: padding costs the encoder time.
        missing = sorted({t for t in texts if t and t not in self.vectors}, key=lambda t: (len(t), t))
        for i in range(0, len(missing), batch):
            chunk = missing[i : i + batch]
            # Kept as the file keeps them (float16): a line encoded just now must give the same
            # layer as when it is read back, or the first retrain after adding examples writes
            # a different file than every later one.
            got = np.asarray(encode(chunk), dtype=np.float16).astype(np.float32)
            for t, v in zip(chunk, got, strict=True):
                self.vectors[t] = v
            self.added += len(chunk)
            if progress:
                progress(min(i + batch, len(missing)), len(missing))
        zero = np.zeros(384, dtype=np.float32)
        return np.stack([self.vectors[t] if t else zero for t in texts]).astype(np.float32)
