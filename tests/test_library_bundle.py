"""Bundles between a rep's and a lead's machine, and per-call FLAC recordings."""

from __future__ import annotations

import os
import stat
import struct
import zipfile

import numpy as np
import pytest
import soundfile as sf

from app.calls_table import CALLS_TABLE
from calling import history
from coach.library import bundle, bundle_import, queries, recordings, sessions
from tests.library_helpers import DAY, T0, add_call, fresh_db

METRICS = {"talk_ratio": {"rep": 0.55, "prospect": 0.45}, "questions": {"open": 2, "closed": 2}}


def _stereo(seconds: float, rate: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    left = (8000 * np.sin(2 * np.pi * 220 * t)).astype(np.int16)
    right = (8000 * np.sin(2 * np.pi * 330 * t)).astype(np.int16)
    return np.stack([left, right], axis=1)


def test_recording_is_flac_stereo_and_private(tmp_path):
    wav = tmp_path / "call.wav"
    audio = _stereo(3.0)
    sf.write(wav, audio, 16000, subtype="PCM_16")
    flac = recordings.store_recording(wav, recordings.recordings_dir(tmp_path), "u-1")
    assert flac.suffix == ".flac" and sf.info(flac).format == "FLAC"
    assert stat.S_IMODE(flac.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "recordings").stat().st_mode) == 0o700
    back, rate = sf.read(flac, dtype="int16")
    assert rate == 16000 and back.shape == audio.shape
    assert np.array_equal(back, audio)  # lossless
    seg, _ = recordings.read_segment(flac, 1.0, 1.5)
    assert np.array_equal(seg, audio[16000:24000])
    assert flac.stat().st_size < wav.stat().st_size


def test_recording_from_a_wav_whose_header_was_never_finished(tmp_path):
    audio = _stereo(2.0)
    header = b"RIFF" + struct.pack("<I", 0) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 2, 16000, 64000, 4, 16)
    header += b"data" + struct.pack("<I", 0)
    wav = tmp_path / "crashed.wav"
    wav.write_bytes(header + audio.tobytes() + b"\x01")  # a torn last frame, too
    flac = recordings.store_recording(wav, tmp_path / "rec", "u-2")
    back, _ = sf.read(flac, dtype="int16")
    assert np.array_equal(back, audio)


def _rep_library(tmp_path):
    db = fresh_db(tmp_path / "rep")
    wav = tmp_path / "a.wav"
    sf.write(wav, _stereo(2.0), 16000, subtype="PCM_16")
    a = add_call(
        db,
        lines=[("rep", 1.0, "What budget have you set aside?"), ("prospect", 3.0, "About 50k")],
        flags=[("vague_language", 1.0, "touch base")],
        metrics=METRICS,
        notes="Send the case study",
    )
    uuid = history.get_call(db, a)["uuid"]
    flac = recordings.store_recording(wav, recordings.recordings_dir(tmp_path / "rep"), uuid)
    history.set_recording(db, a, str(flac))
    b = add_call(
        db,
        contact="Omar Diaz",
        number="+14155550111",
        started_at=T0 + DAY,
        lines=[("rep", 1.0, "I need an answer today")],
        flags=[("pressure", 1.0, "I need an answer today")],
    )
    from coach.library import store

    store.add_comment(db, b, 1.0, "Too pushy", author="alice")
    return db, a, b


def test_bundle_round_trip_and_idempotent_import(tmp_path):
    rep_db, a, b = _rep_library(tmp_path)
    out = tmp_path / "alice.ccbundle"
    manifest = bundle.export_bundle(rep_db, out, rep="alice", exported_by="alice")
    assert len(manifest["calls"]) == 2
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
    ua = history.get_call(rep_db, a)["uuid"]
    assert {"manifest.json", f"calls/{ua}/recording.flac", f"calls/{ua}/transcript.json"} <= names

    lead_dir = tmp_path / "lead"
    lead = fresh_db(lead_dir)
    add_call(lead, rep="bob", contact="Dana Smith", number="+14155550100")  # lead's own data
    result = bundle_import.import_bundle(
        lead, out, recordings.recordings_dir(lead_dir), CALLS_TABLE
    )
    assert len(result["imported"]) == 2 and result["skipped"] == []
    again = bundle_import.import_bundle(lead, out, recordings.recordings_dir(lead_dir), CALLS_TABLE)
    assert again["imported"] == [] and len(again["skipped"]) == 2
    assert lead.execute("SELECT COUNT(*) FROM calls").fetchone()[0] == 3
    assert lead.execute("SELECT COUNT(*) FROM utterances").fetchone()[0] == 3
    # Same number: the lead's existing contact is reused, not duplicated.
    assert lead.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 2

    la = history.call_id_for_uuid(lead, ua)
    got, want = queries.review(lead, la), queries.review(rep_db, a)
    for key in ("utterances", "flags", "metrics"):
        strip = (
            [{k: v for k, v in x.items() if k != "id"} for x in got[key]]
            if key != "metrics"
            else got[key]
        )
        base = (
            [{k: v for k, v in x.items() if k != "id"} for x in want[key]]
            if key != "metrics"
            else want[key]
        )
        assert strip == base, key
    assert got["call"]["notes"] == "Send the case study" and got["call"]["rep"] == "alice"
    rec = got["call"]["recording_path"]
    assert rec.startswith(str(lead_dir)) and stat.S_IMODE(os.stat(rec).st_mode) == 0o600
    assert np.array_equal(sf.read(rec, dtype="int16")[0], _stereo(2.0))
    lb = history.call_id_for_uuid(lead, history.get_call(rep_db, b)["uuid"])
    assert queries.review(lead, lb)["comments"][0]["text"] == "Too pushy"
    # The lead can search and coach the imported calls.
    assert [
        h["call_id"] for h in queries.search(lead, "budget", calls=CALLS_TABLE, rep="alice")
    ] == [la]
    sid = sessions.create_session(lead, "alice", T0 - DAY, T0 + 5 * DAY)
    assert len(sessions.candidate_moments(lead, sid)) == 2


def test_bad_bundles_get_a_sentence(tmp_path):
    db = fresh_db(tmp_path)
    junk = tmp_path / "junk.ccbundle"
    junk.write_text("not a zip")
    with pytest.raises(bundle.BundleError, match="not a Call Coach bundle"):
        bundle_import.import_bundle(db, junk, tmp_path, CALLS_TABLE)
    nozip = tmp_path / "other.zip"
    with zipfile.ZipFile(nozip, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(bundle.BundleError, match="no manifest"):
        bundle_import.import_bundle(db, nozip, tmp_path, CALLS_TABLE)
    evil = tmp_path / "evil.ccbundle"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("manifest.json", '{"format": "callcoach-bundle", "version": 1, "calls":'
                    ' [{"uuid": "../../etc/x", "direction": "outbound", "started_at": 1}]}')  # fmt: skip
    with pytest.raises(bundle.BundleError, match="damaged"):
        bundle_import.import_bundle(db, evil, tmp_path, CALLS_TABLE)
    assert db.execute("SELECT COUNT(*) FROM calls").fetchone()[0] == 0
    with pytest.raises(bundle.BundleError, match="nothing to export"):
        bundle.export_bundle(db, tmp_path / "x.ccbundle", rep="nobody")


def test_recovery_turns_a_finished_calls_live_wav_into_flac(tmp_path):
    from app.db import recover_calls
    from calling import records

    db = fresh_db(tmp_path)
    call = add_call(db, lines=[("rep", 1.0, "hello")])
    wav = tmp_path / "live.wav"
    sf.write(wav, _stereo(1.5), 16000, subtype="PCM_16")
    history.set_recording(db, call, str(wav))
    assert recover_calls(db, tmp_path) == 1
    flac = tmp_path / "recordings" / f"{history.get_call(db, call)['uuid']}.flac"
    assert history.get_call(db, call)["recording_path"] == str(flac) and not wav.exists()
    assert recordings.duration(flac) == pytest.approx(1.5, abs=0.01)
    assert recover_calls(db, tmp_path) == 0  # already FLAC
    assert records.record_live(db, "no-such-call", utterances=[]) is None
