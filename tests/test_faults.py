"""Faults a rep's day brings, with real parts: the disk filling up while a call records (a
small tmpfs as the recordings folder), a model download cut off mid-body (a local HTTP server
that drops the connection), and the headset unplugged mid-call (the PulseAudio modules of a
private virtual headset unloaded under live streams). Each one: a sentence, the call or the
install ends cleanly, nothing half-written is left to trip over later."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from softphone.protocol import CallStateChanged, IncomingCall, RecordingFailed
from tests.needs import needs, needs_that
from tests.sip_support import correlation, engine, state, tts

pytest_plugins = ("tests.model_fixtures",)

ROOT = Path(__file__).resolve().parent.parent
IS_ROOT = os.geteuid() == 0


# -- (a) the disk fills up while a call records ---------------------------------------------
@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A 300 KB tmpfs: about 4.5 s of a 16 kHz stereo recording."""
    mnt = tmp_path / "recordings"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.mark.sip
@needs("flite", "mount")
@needs_that(IS_ROOT, "root (to mount a small tmpfs)")
def test_disk_full_while_recording_keeps_the_call_and_what_was_written(tiny_disk, tmp_path):
    voice = tmp_path / "rep.wav"
    src = tts(voice, "Hello, this is Pat from Acme. I am calling about the quote for your "
              "warehouse, and what timeline you have in mind for the move.")  # fmt: skip
    rec = tiny_disk / "call.wav"
    with engine(audio="file", play_file=str(voice), loop_play=True) as (a, alog), engine() as (
        b,
        blog,
    ):
        call = a.make_call(f"sip:far@127.0.0.1:{b.info.sip_port}", record_path=str(rec))
        inc = blog.wait_for(lambda e: isinstance(e, IncomingCall), 5)
        b.answer(inc.call_id)
        alog.wait_for(state(call, "connected"), 5)
        t0 = time.monotonic()
        failed = alog.wait_for(lambda e: isinstance(e, RecordingFailed), 15)
        took = time.monotonic() - t0
        assert failed.call_id == call and failed.path == str(rec)
        assert "disk is full" in failed.sentence and "the call goes on" in failed.sentence
        assert failed.sentence.endswith(".") and "Errno" not in failed.sentence
        time.sleep(2.0)  # the call goes on after the recording stopped
        assert not [e for e in alog.of(CallStateChanged) if e.state == "disconnected"]
        assert a.stats()["calls"] == 1
        a.hangup(call)
        alog.wait_for(state(call, "disconnected"), 5)
        assert len(alog.of(RecordingFailed)) == 1  # one sentence, not one per block
    assert 2.0 < took < 10.0, took
    # what fit is a valid WAV whose header matches the data on disk, to the frame
    size = rec.stat().st_size
    with wave.open(str(rec)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (2, 2, 16000)
        frames = w.getnframes()
        data = np.frombuffer(w.readframes(frames), dtype="<i2").reshape(-1, 2)
    assert size == 44 + frames * 4 and frames > 16000 * 3, (size, frames)
    # and it is the rep's voice as played, not garbage: a 1 s piece found in the (looped) source
    piece = data[16000 : 32000, 0]
    _, corr = correlation(piece, np.tile(src, 4))
    assert corr > 0.95, corr



# -- (b) a model download cut off mid-body ---------------------------------------------------
class _CuttingHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; a file named in `cut` gets its full Content-Length, then only
    `keep` of its bytes before the server drops the connection (a flaky network)."""

    cut: ClassVar[set[str]] = set()
    keep = 0.5

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.name not in self.cut or not path.is_file():
            return super().do_GET()
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: int(len(data) * self.keep)])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(2)  # RST/FIN mid-body: the client sees a short read


@pytest.fixture
def cutting_server(tmp_path: Path):
    root = tmp_path / "www"
    root.mkdir()
    handler = type("Handler", (_CuttingHandler,), {"cut": set()})

    def make(*args, **kw):
        return handler(*args, directory=str(root), **kw)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make)
    thread = threading.Thread(target=server.serve_forever, name="cutting-http", daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}", handler.cut
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _nothing_installed(folder: Path) -> None:
    # no model, no staging folder, no partial file left where lookup or the next run looks
    left = [p.name for p in folder.iterdir()] if folder.exists() else []
    assert left == [], left


def _one_sentence(text: str) -> None:
    assert text.strip().endswith(".") and "Traceback" not in text and "IncompleteRead" not in text


def test_vosk_model_download_cut_mid_body_installs_nothing(
    isolated_models: Path, model_zip: Path, cutting_server, tmp_path: Path
) -> None:
    from models.errors import ModelError
    from models.install import install_model, sha256_of

    root, base, cut = cutting_server
    shutil.copy(model_zip, root / model_zip.name)
    cut.add(model_zip.name)
    url = f"{base}/{model_zip.name}"
    entry = {"name": "vosk-model-small-en-us-0.15", "language": "en-us", "url": url,
             "size": model_zip.stat().st_size, "sha256": sha256_of(model_zip)}  # fmt: skip
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps({"models": [entry]}))
    for source, cat in (("vosk-model-small-en-us-0.15", catalog), (url, None)):
        with pytest.raises(ModelError) as err:
            install_model(source, catalog_path=cat, progress=False)
        msg = str(err.value)
        _one_sentence(msg)
        assert "nothing was installed" in msg and "cut off" in msg, msg
        _nothing_installed(isolated_models)
    # the command line says the same in one sentence, exit code non-zero, no traceback
    out = subprocess.run(
        [sys.executable, "main.py", "models", "install", url],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert out.returncode != 0 and "cut off" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr
    _nothing_installed(isolated_models)
    # and once the network behaves, the same install works
    cut.clear()
    assert install_model(url, progress=False).is_dir()


def test_encoder_download_cut_mid_body_installs_nothing(
    isolated_models: Path, encoder_path: Path, cutting_server, tmp_path: Path
) -> None:
    from models.errors import ModelError
    from models.install_encoder import install_encoder
    from tests.test_models_encoder import REVISION

    root, base, cut = cutting_server
    files = root / "st" / "all-MiniLM-L6-v2" / "resolve" / REVISION
    files.mkdir(parents=True)
    for name in os.listdir(encoder_path):
        if (encoder_path / name).is_file():
            os.symlink(encoder_path / name, files / name)
    raw = json.loads((ROOT / "models" / "catalog.json").read_text(encoding="utf-8"))
    raw["encoders"][0]["repository"] = f"{base}/st/all-MiniLM-L6-v2"
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(raw), encoding="utf-8")
    cut.add("model.safetensors")  # the big one, after some small files already arrived
    with pytest.raises(ModelError) as err:
        install_encoder("all-MiniLM-L6-v2", catalog_path=catalog, progress=False)
    msg = str(err.value)
    _one_sentence(msg)
    assert "nothing was installed" in msg and "cut off" in msg, msg
    _nothing_installed(isolated_models)
    cut.clear()
    assert install_encoder("all-MiniLM-L6-v2", catalog_path=catalog, progress=False).is_dir()

