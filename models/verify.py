"""Checks that a folder is a usable Vosk model: the expected layout, then a real load by vosk
in a child process (a corrupt model can abort Kaldi, and that must not take the app down)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from models.errors import ModelError
from models.program import command

# Files every Vosk (Kaldi nnet3 chain) model has; the graph is either static or lookahead.
REQUIRED_FILES = ("am/final.mdl", "conf/mfcc.conf")
GRAPH_CHOICES = (("graph/HCLG.fst",), ("graph/HCLr.fst", "graph/Gr.fst"))
WORD_TIMING_FILE = "graph/phones/word_boundary.int"

# Loading alone is not enough: a corrupt graph only fails when a recognizer is built.
_LOAD_SCRIPT = (
    "import sys, vosk\n"
    "vosk.SetLogLevel(-1)\n"
    "rec = vosk.KaldiRecognizer(vosk.Model(sys.argv[1]), 16000)\n"
    "rec.AcceptWaveform(bytes(32000))\n"
    "rec.FinalResult()\n"
    "print('loaded')\n"
)


def layout_problems(path: Path) -> list[str]:
    """What is missing or empty in the model folder at `path` (empty list = layout ok)."""
    path = Path(path)
    if not path.is_dir():
        return [f"{path} is not a folder"]
    problems = []
    for rel in (*REQUIRED_FILES, WORD_TIMING_FILE):
        f = path / rel
        if not f.is_file():
            problems.append(f"{rel} is missing")
        elif f.stat().st_size == 0:
            problems.append(f"{rel} is empty")
    if not any(all((path / rel).is_file() for rel in choice) for choice in GRAPH_CHOICES):
        problems.append("graph/HCLG.fst (or graph/HCLr.fst with graph/Gr.fst) is missing")
    return problems


def looks_like_model(path: Path) -> bool:
    return not layout_problems(path)


def load_check(path: Path, timeout: float = 300.0) -> str | None:
    """Load the model with vosk in a child process; None if it loaded, else what went wrong."""
    try:
        r = subprocess.run(
            [sys.executable, "-c", _LOAD_SCRIPT, str(path)],
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return f"loading took longer than {timeout:.0f} s"
    if r.returncode == 0 and "loaded" in r.stdout:
        return None
    if r.returncode < 0:
        return f"vosk crashed while loading it (signal {-r.returncode})"
    return "vosk could not load it"


def verify_model(path: Path, *, load: bool = True) -> Path:
    """Return the model folder if it is complete (and loads); else raise ModelError."""
    path = Path(path).expanduser()
    problems = layout_problems(path)
    if problems:
        raise ModelError(
            f"The speech model at {path} is incomplete or corrupt ({'; '.join(problems)}): "
            f"reinstall it with {command('models install NAME_OR_ZIP')}."
        )
    if load:
        failure = load_check(path)
        if failure:
            raise ModelError(
                f"The speech model at {path} is corrupt ({failure}): "
                f"reinstall it with {command('models install NAME_OR_ZIP')}."
            )
    return path
