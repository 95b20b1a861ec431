"""The rep's side of practice is a CallSession (issue 12): a practice call against the real
simulated prospect's process publishes the session's typed events through its listener API,
and its one call row is written by the single StoreWriter as the call goes, marked as
practice. The `practice` command's engine takes the rep's audio settings."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest


@pytest.mark.sip
@pytest.mark.asr
def test_a_practice_call_is_a_call_session_stored_once_as_practice(tmp_path) -> None:
    from app.db import open_database
    from app.store_writer import StoreWriter
    from calling.events import (
        CallEnded,
        FlagRaised,
        LiveCoachStarted,
        SessionStateChanged,
        UtteranceFinalized,
    )
    from calling.practice.run import PracticeRun, PracticeSetup
    from calling.practice.script import find_script, load_script
    from calling.session import CallSession
    from coach.asr_model import load_model
    from tests.sip_support import engine
    from tests.test_sessions_practice import REP_LINE, rep_voice

    rep = rep_voice(tmp_path, REP_LINE, 3.0)  # the line the `practice` command test plays
    data = tmp_path / "data"
    data.mkdir()
    db_path = data / "callcoach.db"
    open_database(db_path).close()
    script = load_script(find_script("never_reached_out"))
    seen: list = []
    shown: list[dict] = []
    with (
        StoreWriter(db_path) as writer,
        engine(audio="file", play_file=str(rep)) as (client, _log),
    ):
        setup = PracticeSetup(store=writer, data_dir=data, model=load_model(None), rep="pat")
        run = PracticeRun(script, client, setup, shown.append)
        run.add_listener(seen.append)
        path = run.run(timeout=120)
        errors = writer.errors
    assert isinstance(run.session, CallSession) and run.session.ended.is_set()
    uuid = run.session.uuid
    assert path == ["hello", "never_reached_out"] and errors == 0

    # The session's typed events, through its listener API, all about this call.
    assert seen and {e.call for e in seen} == {uuid}
    states = [e.state for e in seen if isinstance(e, SessionStateChanged)]
    assert states[0] == "calling" and "connected" in states and states[-1] == "disconnected"
    started = [e for e in seen if isinstance(e, LiveCoachStarted)]
    assert len(started) == 1 and started[0].transcribing, started
    speakers = {e.utterance.speaker for e in seen if isinstance(e, UtteranceFinalized)}
    assert speakers == {"rep", "prospect"}
    flags = [e.flag for e in seen if isinstance(e, FlagRaised)]
    assert "vague_language" in {f.kind for f in flags}
    # What the view and the command show is what the session raised, in the same order.
    assert [e["kind"] for e in shown if e["event"] == "flag"] == [f.kind for f in flags]
    assert {e["event"] for e in shown} == {"said", "heard", "ended", "flag"}  # and the prospect's
    ended = [e for e in seen if isinstance(e, CallEnded)]
    assert len(ended) == 1 and ended[0] is seen[-1] and ended[0].connected
    result = ended[0].result

    # One call row, the session's, written as a live call (not imported afterwards).
    db = sqlite3.connect(db_path)
    calls = db.execute(
        "SELECT c.id, c.uuid, c.status, c.rep, c.notes, c.connected_at IS NOT NULL,"
        " c.recording_path, k.name FROM calls c LEFT JOIN contacts k ON k.id = c.contact_id"
    ).fetchall()
    assert len(calls) == 1, calls
    call_id, row_uuid, status, who, notes, connected, recording, contact = calls[0]
    assert (row_uuid, status, who, connected) == (uuid, "completed", "pat", 1)
    assert notes == "Practice: The prospect who never reached out"
    assert contact == "Jordan Lee (practice)"
    assert run.stored == call_id
    assert recording.endswith(f"{uuid}.flac") and Path(recording).is_file()
    assert run.recording == recording
    assert not list(data.rglob("*.wav"))  # the session's WAV became the library's FLAC
    ((script_name, path_json),) = db.execute(
        "SELECT script, path_json FROM practice_calls WHERE call_id = ?", [call_id]
    ).fetchall()
    assert script_name == "never_reached_out" and json.loads(path_json) == path
    n_utts = db.execute("SELECT COUNT(*) FROM utterances WHERE call_id = ?", [call_id])
    assert n_utts.fetchone()[0] == len(result.utterances) > 0
    n_flags = db.execute("SELECT COUNT(*) FROM flags WHERE call_id = ?", [call_id])
    assert n_flags.fetchone()[0] == len(result.flags) == len(flags)
    n_metrics = db.execute("SELECT COUNT(*) FROM call_metrics WHERE call_id = ?", [call_id])
    assert n_metrics.fetchone()[0] == 1


def test_practice_engine_takes_the_reps_audio_settings() -> None:
    """The `practice` command's engine has the rep's devices and audio buffer (Settings ->
    Audio), as the window's and the queue's engines do; --play replaces the headset."""
    from app.settings import Settings
    from calling.practice.cli import engine_config

    s = Settings(input_device="USB Headset Mic", output_device="USB Headset", audio_block_ms=5)
    headset = engine_config(None, s)
    assert (headset.audio, headset.input_device, headset.output_device) == (
        "headset", "USB Headset Mic", "USB Headset")  # fmt: skip
    assert headset.audio_block_ms == 5 and headset.bind_address == "127.0.0.1"
    played = engine_config("/tmp/rep.wav", Settings())
    assert (played.audio, played.play_file, played.audio_block_ms) == ("file", "/tmp/rep.wav", 10)
    assert played.input_device is None and played.output_device is None
