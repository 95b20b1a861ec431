"""CallSession, headless, against a real second engine over loopback, and the live coach on the
command line (`call --coach --json`, `answer --coach --json`) compared with `analyze` on the
same call's recording.

The call is a TTS sales call (tests/tts_call.py) split into its two voices: the rep's side
plays the left channel as its microphone, the far end (`main.py answer --play`) the right.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.tts_call import ROUGH_CALL, word_errors

pytestmark = [pytest.mark.sip, pytest.mark.asr]
pytest_plugins = ("tests.model_fixtures",)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def voices(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, float]:
    """(rep.wav, prospect.wav, seconds): the rough call's two channels as mono files."""
    from tests.tts_call import render_call

    folder = tmp_path_factory.mktemp("voices")
    stereo = folder / "call.wav"
    render_call(ROUGH_CALL, stereo, lead_in=1.0, tail=2.5)
    audio, rate = sf.read(str(stereo), dtype="float32")
    paths = (folder / "rep.wav", folder / "prospect.wav")
    for ch, path in enumerate(paths):
        sf.write(str(path), np.ascontiguousarray(audio[:, ch]), rate, subtype="PCM_16")
    return paths[0], paths[1], len(audio) / rate


def _env(data: Path) -> dict[str, str]:
    return {**os.environ, "CALLCOACH_DATA_DIR": str(data), "CALLCOACH_CONFIG_DIR": str(data)}


def _answer(play: Path, data: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    """`main.py answer` on a random loopback port; returns the process and the URI to dial."""
    proc = subprocess.Popen(
        [sys.executable, "main.py", "answer", "--port", "0", "--bind", "127.0.0.1",
         "--play", str(play), "--wait", "90", *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(data),
    )  # fmt: skip
    line = proc.stdout.readline()
    m = re.search(r"sip:\S+@127\.0\.0\.1:(\d+)", line)
    if not m:
        proc.kill()
        raise AssertionError(f"the far end did not start: {line!r} {proc.stderr.read()}")
    return proc, f"sip:prospect@127.0.0.1:{m.group(1)}"


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _analyze(recording: Path, data: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "main.py", "analyze", str(recording), "--json", "--previous-calls", "0"],
        cwd=ROOT, capture_output=True, text=True, env=_env(data), timeout=300, check=True,
    )  # fmt: skip
    return json.loads(out.stdout)


def _events(stdout: str) -> list[dict]:
    events = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    assert all("event" in e for e in events), stdout
    return events


def _compare_with_analyze(events: list[dict], analyzed: dict) -> None:
    """The live coach's call = analyze's call of the same recording: the same flag kinds,
    the same words in each lane (the live lines may be cut a little differently)."""
    assert events[-1]["event"] == "summary"
    summary = events[-1]
    live_utts = [e for e in events if e["event"] == "utterance"]
    live_flags = [e for e in events if e["event"] == "flag"]
    assert live_utts and live_flags, events
    # every line was printed as it came; the summary has them all, in call order
    assert sorted(u["text"] for u in live_utts) == sorted(u["text"] for u in summary["utterances"])
    # every flag was printed as it came, and the summary has them all
    assert sorted(f["kind"] for f in live_flags) == sorted(f["kind"] for f in summary["flags"])
    for f in live_flags:
        assert {"kind", "speaker", "start", "end", "text", "suggestion"} <= set(f)
    kinds = {f["kind"] for f in summary["flags"]}
    assert kinds == {f["kind"] for f in analyzed["flags"]}, (summary["flags"], analyzed["flags"])
    for speaker in ("rep", "prospect"):
        live = " ".join(u["text"] for u in summary["utterances"] if u["speaker"] == speaker)
        offline = " ".join(u["text"] for u in analyzed["utterances"] if u["speaker"] == speaker)
        errors, n = word_errors(offline, live)
        assert errors <= max(2, 0.1 * n), (speaker, live, offline)
    # the same moments, give or take the network and the recogniser's cut
    for f in summary["flags"]:
        near = [
            g
            for g in analyzed["flags"]
            if g["kind"] == f["kind"] and abs(g["start"] - f["start"]) < 2.0
        ]
        assert near, (f, analyzed["flags"])
    assert summary["metrics"]["talk_ratio"] is not None
    assert summary["call"]["connected"] is True


def test_call_coach_json_matches_analyze_of_the_recording(voices, tmp_path: Path) -> None:
    rep, prospect, seconds = voices
    far, uri = _answer(prospect, tmp_path / "far", "--seconds", str(seconds + 3))
    recording = tmp_path / "call.wav"
    try:
        out = subprocess.run(
            [sys.executable, "main.py", "call", uri, "--bind", "127.0.0.1", "--play", str(rep),
             "--record", str(recording), "--coach", "--previous-calls", "0", "--json"],
            check=False, cwd=ROOT, capture_output=True, text=True, env=_env(tmp_path / "rep"),
            timeout=180,
        )  # fmt: skip
    finally:
        _stop(far)
    assert out.returncode == 0, out.stderr
    events = _events(out.stdout)
    kinds = [e["event"] for e in events]
    assert kinds.count("summary") == 1 and kinds[-1] == "summary"
    assert kinds.index("utterance") < kinds.index("flag") < kinds.index("summary")
    _compare_with_analyze(events, _analyze(recording, tmp_path / "rep"))


def test_answer_coach_json_matches_analyze_of_the_recording(voices, tmp_path: Path) -> None:
    """The rep answers: `answer --coach` coaches the answering side (its microphone = rep)."""
    rep, prospect, seconds = voices
    recording = tmp_path / "call.wav"
    coach, uri = _answer(
        rep, tmp_path / "rep", "--record", str(recording), "--coach", "--previous-calls", "0",
        "--json",
    )  # fmt: skip
    try:
        out = subprocess.run(
            [sys.executable, "main.py", "call", uri, "--bind", "127.0.0.1",
             "--play", str(prospect), "--seconds", str(seconds + 3)],
            check=False, cwd=ROOT, capture_output=True, text=True, env=_env(tmp_path / "far"),
            timeout=180,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        stdout, stderr = coach.communicate(timeout=120)
    finally:
        _stop(coach)
    assert coach.returncode == 0, stderr
    events = [e for e in _events(stdout) if e["event"] != "listening"]
    _compare_with_analyze(events, _analyze(recording, tmp_path / "rep"))


def _counts(db_path: Path, uuid: str) -> dict[str, int]:
    db = sqlite3.connect(db_path)
    try:
        out = {}
        for table in ("utterances", "flags", "call_metrics"):
            out[table] = db.execute(
                f"SELECT count(*) FROM {table} WHERE call_id = "
                "(SELECT id FROM calls WHERE uuid = ?)",
                (uuid,),
            ).fetchone()[0]
        return out
    finally:
        db.close()


def test_call_session_headless_against_a_second_engine(voices, tmp_path: Path, model_path) -> None:
    """What the window does, without a window: dial, coach live, persist while the call is up,
    hang up, and the ending writes the row, the metrics and the FLAC."""
    from app.db import open_database
    from app.store_writer import StoreWriter
    from calling.events import CallEnded, FlagRaised, SessionStateChanged, UtteranceFinalized
    from calling.session import CallSession
    from coach.asr_model import load_model
    from softphone.client import EngineClient
    from tests.sip_support import loopback_config

    rep, prospect, seconds = voices
    db_path = tmp_path / "data" / "callcoach.db"
    db_path.parent.mkdir()
    open_database(db_path).conn.close()
    store = StoreWriter(db_path).start()
    engine = EngineClient(loopback_config(audio="file", play_file=str(rep)))
    far, uri = _answer(prospect, tmp_path / "far", "--seconds", str(seconds + 20))
    seen: list = []
    try:
        engine.start()
        session = CallSession(engine, store=store, data_dir=db_path.parent,
                              model=load_model(model_path), previous_calls=0, rep="sam")  # fmt: skip
        session.add_listener(seen.append)
        session.add_listener(lambda e: 1 / 0)  # a listener that raises breaks nothing
        assert session.dial(uri, "+15550100", "Mark Webb").result(30)
        deadline = time.monotonic() + seconds + 30
        while time.monotonic() < deadline:
            n = _counts(db_path, session.uuid)
            if n["utterances"] >= 4 and n["flags"] >= 2:
                break
            time.sleep(0.5)
        # while the call is up, what the coach saw is already in the file
        assert session.state == "connected", session.state
        assert n["utterances"] >= 4 and n["flags"] >= 2, n
        assert n["call_metrics"] == 0  # the summary is written at the end
        session.hangup().result(10)
        assert session.ended.wait(60)
        session.close()
    finally:
        _stop(far)
        engine.stop()
        store.stop()
    states = [e.state for e in seen if isinstance(e, SessionStateChanged)]
    assert states[0] == "calling" and "connected" in states and states[-1] == "disconnected"
    assert any(isinstance(e, UtteranceFinalized) for e in seen)
    assert any(isinstance(e, FlagRaised) for e in seen)
    ended = [e for e in seen if isinstance(e, CallEnded)]
    assert len(ended) == 1 and ended[0].connected and ended[0] is seen[-1]
    result = ended[0].result
    assert result.flags and result.metrics
    n = _counts(db_path, session.uuid)
    assert n["call_metrics"] == 1 and n["flags"] == len(result.flags)
    assert n["utterances"] == len(result.utterances)
    db = sqlite3.connect(db_path)
    try:
        row = db.execute(
            "SELECT direction, remote_number, rep, connected_at IS NOT NULL, ended_at IS NOT NULL,"
            " recording_path FROM calls WHERE uuid = ?",
            (session.uuid,),
        ).fetchone()
    finally:
        db.close()
    assert row[:5] == ("outbound", "+15550100", "sam", 1, 1), row
    assert row[5].endswith(".flac") and sf.info(row[5]).channels == 2


@pytest.mark.parametrize("coach", [[], ["--coach", "--json"]])
def test_answer_with_no_caller_ends_with_a_sentence(coach) -> None:
    """`answer` and `answer --coach` share the wait for a caller: the listening address
    (IPv6 in brackets), then one sentence and exit 1 when --wait passes."""
    r = subprocess.run(
        [sys.executable, "main.py", "answer", "--port", "0", "--bind", "::1", "--wait", "1",
         *coach],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stderr.strip().splitlines()[-1] == "No call arrived in time."
    assert "sip:callcoach@[::1]:" in r.stdout
