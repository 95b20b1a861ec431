"""The numpy sentence encoder (all-MiniLM-L6-v2) on real text: reference embeddings computed
once, numbers published by others for the same model, batching, bad input, one BLAS thread."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from coach.semantic.encoder import DIMENSIONS, MODEL_FILE, REQUIRED_FILES, SentenceEncoder
from models.errors import ModelError
from tests.needs import needs_that

FIXTURE = Path(__file__).parent / "fixtures" / "minilm_reference.json"
pytest_plugins = ("tests.model_fixtures",)


@pytest.fixture(scope="module")
def encoder(encoder_path: Path) -> SentenceEncoder:
    return SentenceEncoder.load(encoder_path)


def test_matches_the_reference_embeddings(encoder: SentenceEncoder) -> None:
    ref = json.loads(FIXTURE.read_text(encoding="utf-8"))["sentences"]
    got = encoder.encode([r["text"] for r in ref])
    want = np.array([r["vector"] for r in ref], dtype=np.float32)
    assert got.shape == (len(ref), DIMENSIONS) and got.dtype == np.float32
    cosines = np.sum(got * want, axis=1) / np.linalg.norm(want, axis=1)
    assert cosines.min() >= 0.9999, cosines
    np.testing.assert_allclose(got, want, atol=1e-4)


def test_matches_fastembed_canonical_values(encoder: SentenceEncoder) -> None:
    # qdrant/fastembed tests/test_text_onnx_embeddings.py, CANONICAL_VECTOR_VALUES for
    # "sentence-transformers/all-MiniLM-L6-v2": the first 5 components of "hello world",
    # computed there with onnxruntime on the model's ONNX export; their tolerance is 1e-3.
    want = np.array([-0.034478, 0.03102, 0.00673, 0.02611, -0.039362])
    np.testing.assert_allclose(encoder.encode_one("hello world")[:5], want, atol=1e-3)


def test_matches_the_sentence_transformers_quickstart(encoder: SentenceEncoder) -> None:
    # sentence-transformers' README / sbert.net quickstart with SentenceTransformer(
    # "all-MiniLM-L6-v2"): model.similarity of these three sentences prints
    # [[1.0000, 0.6660, 0.1046], [0.6660, 1.0000, 0.1411], [0.1046, 0.1411, 1.0000]].
    v = encoder.encode(
        ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    )
    want = np.array([[1.0, 0.6660, 0.1046], [0.6660, 1.0, 0.1411], [0.1046, 0.1411, 1.0]])
    np.testing.assert_allclose(v @ v.T, want, atol=1e-3)


def test_vectors_are_unit_length_float32(encoder: SentenceEncoder) -> None:
    v = encoder.encode_one("can you walk me through how your team handles renewals today")
    assert v.shape == (DIMENSIONS,) and v.dtype == np.float32
    assert abs(float(np.linalg.norm(v)) - 1.0) < 1e-5


def test_batch_equals_one_by_one(encoder: SentenceEncoder) -> None:
    # Lengths differ a lot, so the short ones are padded inside the batch.
    texts = [
        "ok",
        "no not really",
        "honestly everyone in your space has already switched so you're falling behind",
        (
            "what would have to be true for you to move forward with a pilot this quarter "
            "given the budget you mentioned and the timeline your boss set"
        ),
        "",
        "sure",
    ]
    batch = encoder.encode(texts)
    single = np.stack([encoder.encode_one(t) for t in texts])
    np.testing.assert_allclose(batch, single, atol=1e-5)


def test_empty_input(encoder: SentenceEncoder) -> None:
    v = encoder.encode_one("")
    assert v.shape == (DIMENSIONS,) and np.all(np.isfinite(v))
    assert encoder.encode([]).shape == (0, DIMENSIONS)
    with pytest.raises(TypeError, match="list of texts"):
        encoder.encode("not a list")  # type: ignore[arg-type]


def test_long_text_is_truncated_at_256_tokens(encoder: SentenceEncoder) -> None:
    long_text = " ".join(["we can send you the white paper and the case study"] * 60)
    ids, _ = encoder.tokenize([long_text])
    assert ids.shape[1] == 256 == encoder.max_tokens
    tail = long_text + " and by the way i need an answer today"  # beyond the cut: no effect
    v = encoder.encode([long_text, tail])
    assert np.all(np.isfinite(v))
    np.testing.assert_allclose(v[0], v[1], atol=1e-6)


def test_deterministic(encoder: SentenceEncoder) -> None:
    texts = ["as we discussed last time", "i can send you a few case studies"]
    assert np.array_equal(encoder.encode(texts), encoder.encode(texts))


def test_blas_runs_on_one_thread_while_encoding(encoder: SentenceEncoder) -> None:
    from threadpoolctl import threadpool_info

    def blas_threads() -> list[int]:
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    seen: list[list[int]] = []
    forward = encoder._forward

    def spy(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        seen.append(blas_threads())
        return forward(ids, mask)

    encoder._forward = spy  # type: ignore[method-assign]
    try:
        encoder.encode_one("is there anything else i should know")
    finally:
        del encoder._forward
    assert seen and all(n == 1 for n in seen[0]), seen
    assert blas_threads() == before  # the app's other numpy work gets its threads back


_MEMORY_CHILD = r"""
import os, re, sys
sys.path.insert(0, {root!r})
import numpy, threadpoolctl, tokenizers  # imported before the first reading
from coach.semantic.encoder import SentenceEncoder
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
before = rss()
enc = SentenceEncoder.load({path!r})
enc.encode(["hello there how are you doing today", "i can send you a white paper"] * 10)
mapped, name = 0, ""
for line in open("/proc/self/smaps"):
    if re.match(r"[0-9a-f]+-[0-9a-f]+ ", line):
        name = line.split()[-1]
    elif line.startswith("Rss:") and name.endswith("model.safetensors"):
        mapped += int(line.split()[1])
print(round(rss() - before, 1), round(mapped / 1024, 1))
"""


@needs_that(Path("/proc/self/smaps").exists(), "Linux's /proc/PID/smaps")
def test_the_vocabulary_stays_in_the_file(encoder_path: Path) -> None:
    # The word-embedding table (30,522 x 384: 47 MB as float32, 23 MB as the float16 copy the
    # encoder used to keep) is mapped from the weights file, and a line reads ~25 of its rows.
    # Measured in a fresh process: load + 20 lines +56-59 MB, 0.9 MB of the file resident;
    # with the float16 copy in RAM it was +92 MB. The bounds leave room for allocator noise.
    import subprocess
    import sys

    root = str(Path(__file__).resolve().parent.parent)
    code = _MEMORY_CHILD.format(root=root, path=str(encoder_path))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    added_mb, file_resident_mb = map(float, out.stdout.split())
    assert file_resident_mb < 8, file_resident_mb
    assert added_mb < 72, added_mb


def _copy_encoder(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for name in os.listdir(src):
        if (src / name).is_file():
            os.symlink(src / name, dst / name)
    return dst


def test_truncated_weights_are_one_clear_sentence(encoder_path: Path, tmp_path: Path) -> None:
    broken = _copy_encoder(encoder_path, tmp_path / "enc")
    (broken / MODEL_FILE).unlink()
    with open(encoder_path / MODEL_FILE, "rb") as f:
        (broken / MODEL_FILE).write_bytes(f.read(5_000_000))
    with pytest.raises(ModelError, match=r"truncated or corrupt .*models install"):
        SentenceEncoder.load(broken)


def test_garbage_weights_are_one_clear_sentence(encoder_path: Path, tmp_path: Path) -> None:
    broken = _copy_encoder(encoder_path, tmp_path / "enc")
    (broken / MODEL_FILE).unlink()
    (broken / MODEL_FILE).write_bytes(b"<html>404 not found</html>")
    with pytest.raises(ModelError, match=r"truncated or corrupt"):
        SentenceEncoder.load(broken)


@pytest.mark.parametrize("missing", REQUIRED_FILES)
def test_missing_file_is_one_clear_sentence(
    encoder_path: Path, tmp_path: Path, missing: str
) -> None:
    broken = _copy_encoder(encoder_path, tmp_path / "enc")
    (broken / missing).unlink()
    with pytest.raises(ModelError, match=f"incomplete \\({missing} missing\\)"):
        SentenceEncoder.load(broken)


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="incomplete"):
        SentenceEncoder.load(tmp_path / "nowhere")
