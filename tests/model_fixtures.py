"""Fixtures shared by the model and ASR tests: the real Vosk model (from CALLCOACH_MODEL, set by
scripts/test.sh) and the real sentence encoder (CALLCOACH_ENCODER, likewise), a zip of the
Vosk model as the official archive is laid out, a local HTTP server, and an isolated
installed-models folder. A test module uses them with
`pytest_plugins = ("tests.model_fixtures",)`."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def model_path() -> Path:
    value = os.environ.get("CALLCOACH_MODEL")
    assert value, "CALLCOACH_MODEL is not set: run the tests with bash scripts/test.sh"
    path = Path(value)
    assert path.is_dir(), f"CALLCOACH_MODEL={value} is not a folder"
    return path


@pytest.fixture(scope="session")
def encoder_path() -> Path:
    value = os.environ.get("CALLCOACH_ENCODER")
    assert value, "CALLCOACH_ENCODER is not set: run the tests with bash scripts/test.sh"
    path = Path(value)
    assert path.is_dir(), f"CALLCOACH_ENCODER={value} is not a folder"
    return path


@pytest.fixture(scope="session")
def model_zip(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A zip with the model under one top-level folder, like the official downloads."""
    out = tmp_path_factory.mktemp("zips") / model_path.name
    return Path(shutil.make_archive(str(out), "zip", model_path.parent, model_path.name))


@pytest.fixture
def isolated_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty installed-models folder; no model from the environment or settings."""
    d = tmp_path / "installed"
    monkeypatch.setenv("CALLCOACH_MODELS_DIR", str(d))
    monkeypatch.setenv("CALLCOACH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("CALLCOACH_MODEL", raising=False)
    monkeypatch.delenv("CALLCOACH_ENCODER", raising=False)
    return d


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A real HTTP server on a free loopback port serving a temp folder: (folder, base URL)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="test-http", daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="session")
def tts_call(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    """The scripted sales call rendered with flite: (stereo WAV path, script lines with times)."""
    from tests.tts_call import SALES_CALL, render_call

    path = tmp_path_factory.mktemp("tts") / "sales_call.wav"
    return path, render_call(SALES_CALL, path)


@pytest.fixture(scope="session")
def rough_call(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    """The rough call (false familiarity, arguing, a cut-in, pressure) rendered with flite."""
    from tests.tts_call import ROUGH_CALL, render_call

    path = tmp_path_factory.mktemp("tts") / "rough_call.wav"
    return path, render_call(ROUGH_CALL, path)
