"""System needs checked at start-up: a machine without PortAudio (or without a display) gets
one sentence saying what to install, an exit code of 3 and no traceback (issue 14)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# sounddevice finds the system's libportaudio with ctypes.util.find_library: hide it.
NO_PORTAUDIO = (
    "import ctypes.util as u, sys\n"
    "f = u.find_library\n"
    "u.find_library = lambda n: None if 'portaudio' in n else f(n)\n"
    "sys.argv = ['callcoach']\n"
    "from app.entry import main\n"
    "sys.exit(main(sys.argv[1:] + {args!r}))\n"
)


def _run(code: str, **env: str) -> subprocess.CompletedProcess:
    full = dict(os.environ, **env)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=full, capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip


def test_window_without_portaudio_is_one_sentence(tmp_path: Path) -> None:
    r = _run(NO_PORTAUDIO.format(args=[]), QT_QPA_PLATFORM="offscreen",
             CALLCOACH_CONFIG_DIR=str(tmp_path))  # fmt: skip
    assert r.returncode == 3, r.stderr
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "PortAudio" in lines[0] and "sudo apt install libportaudio2" in lines[0]


def test_headset_call_without_portaudio_is_one_sentence() -> None:
    r = _run(NO_PORTAUDIO.format(args=["call", "sip:nobody@127.0.0.1:9", "--headset"]))
    assert r.returncode == 3 and "Traceback" not in r.stderr
    assert "PortAudio" in r.stderr


def test_commands_that_need_no_audio_still_run_without_portaudio() -> None:
    corpus = str(ROOT / "tests" / "corpus" / "02_vague_opener.json")
    r = _run(NO_PORTAUDIO.format(args=["analyze", corpus, "--json", "--rules-only"]))
    assert r.returncode == 0, r.stderr
    assert '"flags"' in r.stdout


def test_window_without_a_display_is_one_sentence(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}  # fmt: skip
    env["CALLCOACH_CONFIG_DIR"] = str(tmp_path)
    r = subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=60, check=False)  # fmt: skip
    assert r.returncode == 3 and "Traceback" not in r.stderr
    assert "no display" in r.stderr
