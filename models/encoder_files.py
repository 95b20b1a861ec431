"""What a sentence-encoder folder must hold and how it is checked: the files the encoder
loads (layout), their SHA-256 against the catalog (hashes), and a real encode compared with
the catalog's published embedding (verify_encoder, behind `python main.py models verify`)."""

from __future__ import annotations

from pathlib import Path

from models.catalog import EncoderEntry, find_encoder_entry, load_encoder_catalog
from models.errors import ModelError
from models.program import command

DEFAULT_ENCODER = "all-MiniLM-L6-v2"
ENCODER_HINT = command(f"models install {DEFAULT_ENCODER}")
# What coach.semantic.encoder loads; sentence_bert_config.json (max_seq_length) is optional.
ENCODER_FILES = ("config.json", "tokenizer.json", "model.safetensors")
OPTIONAL_FILES = ("sentence_bert_config.json",)
CHECK_TOLERANCE = 1e-3  # per component, as in fastembed's own test


def encoder_layout_problems(path: Path) -> list[str]:
    """What is missing or empty in the encoder folder at `path` (empty list = layout ok)."""
    path = Path(path)
    if not path.is_dir():
        return [f"{path} is not a folder"]
    problems = []
    for rel in ENCODER_FILES:
        f = path / rel
        if not f.is_file():
            problems.append(f"{rel} is missing")
        elif f.stat().st_size == 0:
            problems.append(f"{rel} is empty")
    return problems


def looks_like_encoder(path: Path) -> bool:
    return not encoder_layout_problems(path)


def catalog_entry_for(path: Path) -> EncoderEntry | None:
    """The catalog entry a folder is checked against: its own name, else the default."""
    return find_encoder_entry(Path(path).name) or find_encoder_entry(DEFAULT_ENCODER)


def hash_problems(path: Path, entry: EncoderEntry) -> list[str]:
    """Files of `entry` whose size or SHA-256 differ in the folder (empty list = all match)."""
    from models.install import sha256_of  # install imports this module: import when used

    problems = []
    for f in entry.files:
        p = Path(path) / f.name
        if not p.is_file():
            problems.append(f"{f.name} is missing")
        elif p.stat().st_size != f.size:
            problems.append(f"{f.name} is {p.stat().st_size} bytes, not {f.size}")
        elif sha256_of(p) != f.sha256:
            problems.append(f"{f.name} has a different SHA-256 than the catalog's")
    return problems


def encode_check(path: Path, entry: EncoderEntry | None) -> str | None:
    """Load the encoder and encode the catalog's check text; None if it gave the published
    vector (or a unit vector where the catalog publishes none), else what went wrong. A folder
    that does not load raises the loader's own one-sentence ModelError."""
    import numpy as np

    from coach.semantic.encoder import SentenceEncoder  # the one implementation of the encoder

    text = entry.check_text if entry and entry.check_text else "hello world"
    v = SentenceEncoder.load(path).encode_one(text)
    if not np.all(np.isfinite(v)) or abs(float(np.linalg.norm(v)) - 1.0) > 1e-3:
        return "its embeddings are not finite unit vectors"
    if entry and entry.check_first:
        want = np.array(entry.check_first, dtype=np.float32)
        if float(np.abs(v[: len(want)] - want).max()) > CHECK_TOLERANCE:
            return f"its embedding of {text!r} differs from the published one"
    return None


def verify_encoder(path: Path, *, load: bool = True) -> Path:
    """Return the encoder folder if its layout, hashes (against the catalog) and a real
    encode are right; else raise ModelError with one sentence."""
    path = Path(path).expanduser()
    problems = encoder_layout_problems(path)
    entry = catalog_entry_for(path)
    if not problems and entry is not None:
        problems = hash_problems(path, entry)
    if problems:
        raise ModelError(
            f"The sentence encoder at {path} is incomplete or corrupt ({'; '.join(problems)}): "
            f"reinstall it with {ENCODER_HINT}."
        )
    if load:
        failure = encode_check(path, entry)
        if failure:
            raise ModelError(
                f"The sentence encoder at {path} does not work ({failure}): "
                f"reinstall it with {ENCODER_HINT}."
            )
    return path


def encoder_names() -> set[str]:
    return {e.name for e in load_encoder_catalog()}
