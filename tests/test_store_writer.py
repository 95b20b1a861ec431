"""One writer (real SQLite files, real threads): the queue's, practice's and a live call's
writes interleave through the single StoreWriter without "database is locked"; a failing job
reports one sentence and the writer goes on; a crash is recovered once, beside the database."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app import db as appdb
from app.store_writer import StoreWriter
from calling import history
from coach.library import store


def _fresh(tmp_path: Path) -> Path:
    path = tmp_path / "callcoach.db"
    appdb.open_database(path).close()
    return path


def test_a_failing_job_reports_a_sentence_and_the_writer_goes_on(tmp_path):
    path = _fresh(tmp_path)
    heard: list[str] = []
    with StoreWriter(path, on_error=heard.append) as writer:
        bad = writer.submit(store.add_utterance, 999_999, {"speaker": "rep", "start": 0,
                                                            "end": 1, "text": "orphan"})  # fmt: skip
        good = writer.call(history.add_contact, "Dana Smith")
        assert isinstance(bad.exception(5), sqlite3.IntegrityError)
        assert good > 0
        assert writer.call(history.get_contact, good)["name"] == "Dana Smith"
    assert len(heard) == 1 and heard[0] == writer.last_error
    sentence = heard[0]
    assert sentence.startswith("Saving add utterance failed (FOREIGN KEY constraint failed)")
    assert sentence.endswith(".") and sentence.count(".") == 1 and "\n" not in sentence


def test_reader_connections_see_commits_and_refuse_writes(tmp_path):
    path = _fresh(tmp_path)
    with StoreWriter(path) as writer:
        reader = writer.reader()
        cid = writer.call(history.add_contact, "Lee Chan")
        assert history.get_contact(reader, cid)["name"] == "Lee Chan"
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            history.add_contact(reader, "Not through the writer")
        reader.close()


def _live_wav(path: Path, seconds: float, noisy: bool = False) -> None:
    n = int(16000 * seconds)
    if noisy:  # compresses like speech does (badly), so encoding takes its real time
        ch = np.random.default_rng(1).normal(0, 2000, (n, 2)).astype(np.int16)
    else:
        tone = (3000 * np.sin(np.arange(n) * 0.1)).astype(np.int16)
        ch = np.stack([tone, tone], axis=1)
    sf.write(path, ch, 16000, subtype="PCM_16")


def test_a_crash_is_recovered_once_beside_the_database(tmp_path, monkeypatch, qtbot):
    """The app opening a library in its own folder (not the default data folder) marks the dead
    call interrupted and converts its live WAV there, exactly once."""
    from app.bridge import Bridge
    from app.lifecycle import Services
    from app.settings import Settings

    monkeypatch.setenv("CALLCOACH_DATA_DIR", str(tmp_path / "default-data"))
    lib = tmp_path / "library"
    lib.mkdir()
    path = _fresh(lib)
    db = appdb.connect(path)
    dead = history.start_call(db, rep="alice", writer_pid=2**22 + 12345)  # no such process
    wav = lib / "recordings" / "live-dead.wav"
    wav.parent.mkdir()
    _live_wav(wav, 2.0)
    history.set_recording(db, dead, str(wav))
    db.close()

    runs: list[int] = []
    real = history.mark_interrupted
    monkeypatch.setattr(history, "mark_interrupted", lambda d: runs.append(1) or real(d))
    svc = Services(Bridge(), Settings(), db_path=path, use_engine=False, use_model=False)
    svc.start()
    try:
        deadline = time.monotonic() + 10
        while svc.store is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert svc.store is not None
        assert len(runs) == 1  # one recovery, in one place
        db = appdb.connect(path)
        call = history.get_call(db, dead)
        assert call["status"] == "interrupted"
        flac = Path(call["recording_path"])
        assert flac == lib / "recordings" / f"{call['uuid']}.flac" and not wav.exists()
        assert abs(sf.info(flac).duration - 2.0) < 0.01
        assert not list((tmp_path / "default-data").rglob("*.flac"))
        db.close()
    finally:
        svc.stop()


def _practice_call(writer: StoreWriter, script, uuid: str, n: int) -> None:
    """The rows a practice call writes, in its order: its contact, its CallSession's row, the
    practice mark, the live coach's utterances and flags as they come, the end, its path."""
    from calling import records
    from calling.practice import rows

    name = rows.contact_name(script.prospect_name)
    writer.submit(rows.ensure_contact, name)
    writer.submit(records.start_call_row, uuid, "outbound", "", "sip:prospect@127.0.0.1", name,
                  time.time(), "alice")  # fmt: skip
    writer.submit(rows.mark_practice, uuid, script.path.stem, script.title)
    writer.call(records.mark_connected, uuid, time.time())
    for i in range(n):
        utt = {"speaker": "rep" if i % 2 else "prospect", "start": i * 2.0,
               "end": i * 2.0 + 1.5, "text": f"practice line {i} about the budget"}  # fmt: skip
        flags = [{"kind": "pressure", "speaker": "rep", "start": i * 2.0, "end": i * 2.0 + 1.0,
                  "text": "I need an answer today", "suggestion": "Give an easy exit."}]  # fmt: skip
        writer.call(records.record_live, uuid, utterances=[utt], flags=flags if i == 1 else [])
    writer.call(records.finish_row, uuid, time.time(), 200, "", None)
    assert writer.call(rows.set_path, uuid, '["hello"]') is not None


def test_queue_practice_and_a_live_call_write_at_once_without_locking(tmp_path):
    """Real threads, one real SQLite file: the dialer queue's jobs, practice runs being stored
    and a live call's rows (with its 10-minute recording encoded meanwhile) all go through the
    one writer, each side reading on its own connection; nothing is refused as locked, every
    row lands, and the encoding never holds up the live call's writes."""
    from app.calls_table import CALLS_TABLE
    from calling import calllists, records
    from calling import queue_store as qs
    from calling.practice.script import find_script, load_script
    from coach.library import queries

    path = _fresh(tmp_path)
    db = appdb.connect(path)
    contacts = 30
    text = "Name,Phone\n" + "".join(f"Lead {i},+1212555{i:04d}\n" for i in range(contacts))
    list_id = calllists.import_preview(db, calllists.parse_table(text), "load").list_id
    db.close()
    wav = tmp_path / "live-long.wav"
    _live_wav(wav, 600.0, noisy=True)
    errors: list[BaseException] = []
    heard: list[str] = []
    live_waits: list[float] = []
    encoded = threading.Event()
    encode_s: list[float] = []

    def guard(fn):
        def run() -> None:
            try:
                fn()
            except BaseException as e:  # noqa: BLE001 - the test reports it
                errors.append(e)

        return threading.Thread(target=run, name=fn.__name__)

    with StoreWriter(path, on_error=heard.append) as writer:

        def queue() -> None:
            reader = writer.reader()
            session = writer.call(qs.new_session, list_id, "alice", time.time())
            for entry in qs.pending_entries(reader, list_id, time.time()):
                now = time.time()
                call_id, dial_id = writer.call(qs.start_dial, session, entry, "sip:x", "alice", now)
                writer.call(qs.dial_connected, call_id, dial_id, now + 0.01)
                writer.call(qs.dial_ended, call_id, dial_id, now + 0.02, 200, "OK")
                writer.call(qs.record_outcome, entry["id"], "connected", call_id=call_id,
                            dial_id=dial_id, at=now + 0.03)  # fmt: skip
                qs.counters(reader, session_id=session)
            reader.close()

        def practice() -> None:
            script = load_script(find_script("never_reached_out"))
            for i in range(4):
                _practice_call(writer, script, f"practice-{i}", 40)

        def live_call() -> None:
            uuid = "live-call-under-load"
            writer.call(records.start_call_row, uuid, "outbound", "+14155550100", "sip:y",
                        "Dana", time.time(), "alice")  # fmt: skip
            writer.call(records.mark_connected, uuid, time.time())
            for i in range(150):
                utt = {"speaker": "rep", "start": i * 0.1, "end": i * 0.1 + 0.05,
                       "text": f"live line {i}"}  # fmt: skip
                t0 = time.monotonic()
                writer.call(records.record_live, uuid, utterances=[utt])
                live_waits.append(time.monotonic() - t0)
                time.sleep(0.01)
            encoded.wait(120)
            flac = records.encode_recording(tmp_path / "done.wav", tmp_path, uuid)
            writer.call(records.finish_row, uuid, time.time(), 200, "", None, str(flac))

        def encode() -> None:  # a finished call's FLAC, encoded while the others write
            t0 = time.monotonic()
            records.encode_recording(wav, tmp_path, "the-long-call")
            encode_s.append(time.monotonic() - t0)
            _live_wav(tmp_path / "done.wav", 1.0)
            encoded.set()

        def read() -> None:
            reader = writer.reader()
            while not encoded.is_set() or any(t.is_alive() for t in writers):
                queries.search(reader, "budget", calls=CALLS_TABLE)
                queries.find_calls(reader)
                time.sleep(0.005)
            reader.close()

        writers = [guard(f) for f in (queue, practice, live_call, encode)]
        threads = [*writers, guard(read)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(180)
        assert not any(t.is_alive() for t in threads)

    assert not errors, errors
    assert heard == [] and writer.errors == 0
    db = appdb.connect(path)
    assert db.execute("SELECT COUNT(*) FROM session_dials WHERE disposition = 'connected'"
                      ).fetchone()[0] == contacts  # fmt: skip
    assert db.execute("SELECT COUNT(*) FROM practice_calls").fetchone()[0] == 4
    practice_utts = db.execute(
        "SELECT COUNT(*) FROM utterances u JOIN practice_calls p ON p.call_id = u.call_id"
    ).fetchone()[0]
    assert practice_utts == 4 * 40
    practice_contacts = db.execute(
        "SELECT COUNT(DISTINCT c.contact_id), COUNT(*) FROM calls c"
        " JOIN practice_calls p ON p.call_id = c.id WHERE c.notes LIKE 'Practice: %'"
    ).fetchone()
    assert practice_contacts == (1, 4)  # one practice contact, each call marked
    live = db.execute("SELECT id, status, recording_path FROM calls WHERE uuid = ?",
                      ["live-call-under-load"]).fetchone()  # fmt: skip
    assert live[1] == "completed" and live[2].endswith("live-call-under-load.flac")
    n = db.execute("SELECT COUNT(*) FROM utterances WHERE call_id = ?", [live[0]]).fetchone()[0]
    assert n == 150
    # Encoding the 10-minute FLAC took far longer than any live write waited (encoded inside
    # a writer job it would have held every one of them up for its whole time).
    assert (tmp_path / "recordings" / "the-long-call.flac").exists()
    assert max(live_waits) < min(0.5, encode_s[0] / 3), (encode_s, sorted(live_waits)[-5:])
    db.close()


CLI_WRITER = r"""
import sys, time
from app.db import open_database
from calling import history

db = open_database(sys.argv[1])
failed = []
for i in range(100):
    try:
        with db.atomic():  # reads first, then writes: the case a deferred BEGIN loses
            db.execute("SELECT COUNT(*) FROM utterances").fetchone()
            time.sleep(0.002)
            history.add_contact(db, f"added from the command line {i}")
    except Exception as e:
        failed.append(str(e))
print(len(failed), failed[:1])
"""


def test_a_command_writing_beside_the_busy_app_writer_waits_instead_of_failing(tmp_path):
    """`main.py import` (or any command) run while the app writes a live call: the command's
    read-then-write transactions wait for the lock; none fails as "database is locked"."""
    import subprocess
    import sys

    from calling import records

    path = _fresh(tmp_path)
    stop = threading.Event()
    with StoreWriter(path) as writer:
        writer.call(records.start_call_row, "busy-call", "outbound", "+14155550100", "sip:y",
                    "Dana", time.time(), "alice")  # fmt: skip

        def live() -> None:
            i = 0
            while not stop.is_set():
                writer.submit(records.record_live, "busy-call", utterances=[
                    {"speaker": "rep", "start": i, "end": i + 0.5, "text": f"line {i}"}])  # fmt: skip
                i += 1
                time.sleep(0.003)

        t = threading.Thread(target=live, name="live-call")
        t.start()
        try:
            r = subprocess.run([sys.executable, "-c", CLI_WRITER, str(path)], capture_output=True,
                               text=True, timeout=120, check=False,
                               cwd=Path(__file__).resolve().parent.parent)  # fmt: skip
        finally:
            stop.set()
            t.join()
        assert writer.errors == 0
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split()[0] == "0", r.stdout
    db = appdb.connect(path)
    added = "SELECT COUNT(*) FROM contacts WHERE name LIKE 'added from%'"
    assert db.execute(added).fetchone()[0] == 100
    assert db.execute("SELECT COUNT(*) FROM utterances").fetchone()[0] > 50
    db.close()


def test_only_the_lifecycle_opens_the_database_in_the_window_process():
    """The one writer stays one: outside app/db.py and the command-line entry points, no
    module opens a connection of its own (the window's parts get the StoreWriter and its
    readers from app/lifecycle.py)."""
    import ast

    root = Path(__file__).resolve().parent.parent
    allowed = {"app/db.py", "app/store_writer.py", "app/lifecycle.py"}
    offenders = []
    for pkg in ("app", "calling", "coach", "softphone"):
        for f in sorted((root / pkg).rglob("*.py")):
            rel = f.relative_to(root).as_posix()
            if rel in allowed or rel.endswith(("_cli.py", "/cli.py")):
                continue
            for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module == "app.db":
                    names = {a.name for a in node.names} & {"open_database", "connect"}
                    offenders += [f"{rel}:{node.lineno} imports {n}" for n in sorted(names)]
                elif isinstance(node, ast.Attribute) and node.attr == "connect":
                    base = node.value
                    if isinstance(base, ast.Name) and base.id in ("sqlite3", "appdb", "db"):
                        offenders.append(f"{rel}:{node.lineno} calls {base.id}.connect")
    assert offenders == []
