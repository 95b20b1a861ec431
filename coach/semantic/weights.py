"""Reading the sentence encoder's weights from its safetensors file without the safetensors
package: the header, then one tensor at a time with plain reads, and the vocabulary matrix
memory-mapped read-only. A truncated or corrupt file is a ModelError of one sentence.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import numpy as np

from models.errors import ModelError


class Weights:
    """Tensors read from the safetensors file one at a time, as the model is built, with plain
    reads: loading never holds the whole file and its converted copies at once, which set the
    window's peak memory. The one exception is the vocabulary (`table`), mapped read-only. The
    layout is safetensors' own: an 8-byte header size, a JSON header (dtype, shape, byte offsets
    per tensor), then the data."""

    _DTYPES: ClassVar[dict] = {"F32": np.float32, "F16": np.float16, "I64": np.int64}

    def __init__(self, path: Path) -> None:
        self._path = path
        with open(path, "rb") as f:
            size = int.from_bytes(f.read(8), "little")
            if not 2 <= size <= 100_000_000:
                raise ValueError("no safetensors header")
            self._header = json.loads(f.read(size))
        self._base = 8 + size

    def keys(self) -> list[str]:
        return [k for k in self._header if k != "__metadata__"]

    def __getitem__(self, key: str) -> np.ndarray:
        spec = self._header[key]  # KeyError for a missing tensor: "not a BERT model"
        dtype = np.dtype(self._DTYPES[spec["dtype"]]).newbyteorder("<")
        start, end = spec["data_offsets"]
        with open(self._path, "rb") as f:
            f.seek(self._base + start)
            data = f.read(end - start)
        count = int(np.prod(spec["shape"], dtype=np.int64))
        if len(data) != end - start or count * dtype.itemsize != end - start:
            raise ModelError(_corrupt(self._path, EOFError(f"tensor {key} is cut short")))
        return (
            np.frombuffer(data, dtype=dtype)
            .reshape(spec["shape"])
            .astype(dtype.newbyteorder("="), copy=False)
        )

    def table(self, key: str) -> np.ndarray:
        """A float32 matrix mapped read-only from the file: only the pages of the rows read are
        ever in memory, so the 30,522-row vocabulary costs what a call's words touch (a few
        hundred KB) instead of 23-47 MB. The file is never written while mapped: `models
        install` stages a new copy and renames it into place."""
        spec = self._header[key]
        n, d = spec["shape"]
        start, end = spec["data_offsets"]
        if spec["dtype"] != "F32" or (end - start) != n * d * 4:
            raise ValueError(f"{key} is not a float32 matrix")
        if self._path.stat().st_size < self._base + end:
            raise ModelError(_corrupt(self._path, EOFError(f"tensor {key} is cut short")))
        return np.memmap(self._path, dtype="<f4", mode="r", offset=self._base + start, shape=(n, d))


def _corrupt(path: Path, e: BaseException) -> str:
    return (
        f"The sentence encoder weights {path} are truncated or corrupt ({e}): reinstall "
        "them with `python main.py models install all-MiniLM-L6-v2`."
    )


def load_weights(path: Path) -> Weights:
    try:
        return Weights(path)
    except (OSError, ValueError, UnicodeDecodeError) as e:
        raise ModelError(_corrupt(path, e)) from e
