"""The database file, versioned migrations (upgrade from every earlier version), StoreWriter."""

from __future__ import annotations

import os
import sqlite3
import stat
import time

import pytest

from app import db as appdb
from app.calls_table import CALLS_TABLE
from app.store_writer import StoreWriter
from calling import history, history_schema
from coach.library import queries, schema
from tests.library_helpers import T0, add_call, fresh_db, legacy_library_notes_index

# Every package's migrations (other helpers register theirs in app.db too).
LATEST = {m.SCHEMA_NAME: len(m.MIGRATIONS) for m in appdb.migration_modules()}


def search(db, text: str, **kw) -> list[dict]:
    """The library's search as the app wires it (the call history searches its notes)."""
    return queries.search(db, text, calls=CALLS_TABLE, **kw)


def test_open_database_private_wal_and_latest(tmp_path, monkeypatch):
    monkeypatch.setenv("CALLCOACH_DATA_DIR", str(tmp_path / "data"))
    db = appdb.open_database()
    add_call(db, lines=[("rep", 1.0, "hello")])
    path = tmp_path / "data" / "callcoach.db"
    assert path.exists()
    assert stat.S_IMODE(os.stat(tmp_path / "data").st_mode) == 0o700
    for p in tmp_path.joinpath("data").iterdir():  # the db and its -wal/-shm files
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert appdb.schema_versions(db) == LATEST


def test_a_database_from_before_the_moves_to_calling_is_not_migrated_again(tmp_path):
    """The call history and the call lists moved from softphone/ to calling/; their
    migrations are recorded under the names they had, so a file an earlier Call Coach brought
    up to date opens as it is: no step runs twice (a second CREATE TABLE calls would fail)."""
    assert set(LATEST) == {"softphone.history", "coach.library", "softphone.calllists"}
    path = tmp_path / "cc.db"
    db = appdb.connect(path)
    # what an earlier Call Coach left: every table, the versions under the old names
    db.execute("CREATE TABLE schema_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL)")
    for module in appdb.migration_modules():
        for step in module.MIGRATIONS:
            step(db)
    db.execute(
        "INSERT INTO schema_versions VALUES ('softphone.history', ?), ('coach.library', ?),"
        " ('softphone.calllists', ?)",
        [LATEST["softphone.history"], LATEST["coach.library"], LATEST["softphone.calllists"]],
    )
    db.conn.commit()
    assert appdb.migrate(appdb.connect(path)) == LATEST  # no step ran again


# Every state a user's database could be in, in the order the versions shipped.
STATES = [(0, 0), (1, 0), (1, 1), (2, 1), (2, 2), (2, 3), (3, 3), (3, 4), (3, 5), (3, 6), (4, 6)]


def _seed(db, h: int, lib: int) -> None:
    """Rows as a Call Coach with history schema `h` and library schema `lib` wrote them."""
    if h == 0:
        return
    cols = "name, number, created_at" + (", uuid" if h >= 3 else "")
    vals = ["Dana Smith", "+14155550100", T0] + (["c-uuid-1"] if h >= 3 else [])
    db.execute(f"INSERT INTO contacts({cols}) VALUES ({', '.join('?' * len(vals))})", vals)
    ccols = "contact_id, direction, remote_number, started_at, connected_at, ended_at, notes"
    cvals = [1, "outbound", "+14155550100", T0, T0 + 3, T0 + 120, "Asked about pricing tiers"]
    if h >= 2:
        ccols += ", uuid, rep, status"
        cvals += ["a3c1e2f0-0000-4000-8000-000000000001", "alice", "completed"]
    db.execute(f"INSERT INTO calls({ccols}) VALUES ({', '.join('?' * len(cvals))})", cvals)
    if lib >= 1:
        db.execute(
            "INSERT INTO utterances(call_id, speaker, start_s, end_s, text)"
            " VALUES (1, 'prospect', 10, 14, 'Our budget for the rollout is tight')"
        )
        db.execute(
            "INSERT INTO flags(call_id, kind, speaker, start_s, end_s, text)"
            " VALUES (1, 'pressure', 'rep', 20, 22, 'I need an answer today')"
        )
        db.execute(
            "INSERT INTO call_metrics(call_id, talk_ratio, metrics_json) VALUES (1, 0.7, '{}')"
        )
    if lib >= 3:
        db.execute(
            "INSERT INTO comments(call_id, at_s, author, text, created_at)"
            " VALUES (1, 20, 'lee', 'Give them room here', ?)",
            [T0],
        )


@pytest.mark.parametrize(("h", "lib"), STATES)
def test_upgrade_from_every_earlier_version(tmp_path, h, lib):
    path = tmp_path / "old.db"
    old = appdb.connect(path)
    upto = {**dict.fromkeys(LATEST, 0), history_schema.SCHEMA_NAME: h, schema.SCHEMA_NAME: lib}
    assert appdb.migrate(old, upto=upto) == upto
    if lib >= 2:  # until history v5, the library's v2 made the notes index (as it shipped)
        legacy_library_notes_index(old)
    _seed(old, h, lib)
    old.close()

    db = appdb.open_database(path)
    assert appdb.schema_versions(db) == LATEST
    if h == 0:
        assert db.execute("SELECT COUNT(*) FROM calls").fetchone()[0] == 0
        return
    call = history.get_call(db, 1)
    assert call["notes"] == "Asked about pricing tiers"
    assert call["uuid"] and call["status"] == "completed"
    assert db.execute("SELECT uuid FROM contacts WHERE id = 1").fetchone()[0]
    # Old notes and transcripts are searchable after the FTS migration back-filled them.
    assert [x["call_id"] for x in search(db, "pricing")] == [1]
    if lib >= 1:
        hits = search(db, "budgets")
        assert [(x["source"], x["call_id"]) for x in hits] == [("utterance", 1)]
        assert queries.find_calls(db, flag_kind="pressure")[0]["id"] == 1
    if lib >= 3:
        assert queries.review(db, 1)["comments"][0]["text"] == "Give them room here"
    # The call history's view (history v4) exists on every upgraded file, with the old row.
    assert queries.review(db, 1)["call"]["contact_name"] == "Dana Smith"
    # And the upgraded database takes new data through the current code.
    new = add_call(db, lines=[("rep", 1.0, "What does the rollout timeline look like?")])
    assert {x["call_id"] for x in search(db, "rollout")} == ({1, new} if lib else {new})


def test_the_call_history_view_has_the_contracted_columns(tmp_path):
    """Other packages read calls only through `call_history_v`; its columns are the contract
    calling/history_schema.py documents (CALL_HISTORY_VIEW_COLUMNS), in that order."""
    db = fresh_db(tmp_path)
    cols = [r[1] for r in db.execute(f"PRAGMA table_info({history_schema.CALL_HISTORY_VIEW})")]
    assert cols == list(history_schema.CALL_HISTORY_VIEW_COLUMNS)
    # Every call column is there but the writing process's pid (the history's business).
    call_cols = [r[1] for r in db.execute("PRAGMA table_info(calls)")]
    assert set(call_cols) - set(cols) == {"writer_pid"}
    # One row per call, with its contact beside it (or NULLs for a call without one).
    dana = add_call(db, contact="Dana Smith", number="+14155550100")
    anon = history.start_call(db, remote_number="+14155550199")
    rows = {r["id"]: r for r in db.query(f"SELECT * FROM {history_schema.CALL_HISTORY_VIEW}")}
    assert set(rows) == {dana, anon}
    assert rows[dana]["contact_name"] == "Dana Smith"
    assert rows[dana]["contact_number"] == "+14155550100"
    assert rows[dana]["contact_uuid"] == history.get_contact(db, rows[dana]["contact_id"])["uuid"]
    assert rows[anon]["contact_id"] is None and rows[anon]["contact_name"] is None
    assert rows[anon]["remote_number"] == "+14155550199"


def test_newer_database_is_refused_with_a_sentence(tmp_path):
    db = fresh_db(tmp_path)
    db.execute("UPDATE schema_versions SET version = 99 WHERE name = ?", [schema.SCHEMA_NAME])
    db.close()
    with pytest.raises(RuntimeError, match="newer Call Coach"):
        appdb.open_database(tmp_path / "callcoach.db")


def test_store_writer_commits_within_half_a_second_without_flush(tmp_path):
    path = tmp_path / "callcoach.db"
    appdb.open_database(path).close()
    reader = sqlite3.connect(path)
    with StoreWriter(path) as writer:
        call = writer.call(history.start_call, rep="alice")
        from coach.library import store

        t0 = time.monotonic()
        writer.submit(store.add_utterance, call, {"speaker": "rep", "start": 0, "end": 1,
                                                   "text": "hello there"})  # fmt: skip
        while time.monotonic() - t0 < 2.0:
            n = reader.execute("SELECT COUNT(*) FROM utterances").fetchone()[0]
            if n:
                break
            time.sleep(0.01)
        assert n == 1
        assert time.monotonic() - t0 < 0.5
        assert threading_names() >= {"store-writer"}
    assert "store-writer" not in threading_names()


def threading_names() -> set[str]:
    import threading

    return {t.name for t in threading.enumerate()}


def test_store_writer_isolates_a_failing_item_and_flush_is_a_barrier(tmp_path):
    path = tmp_path / "callcoach.db"
    appdb.open_database(path).close()
    from coach.library import store

    with StoreWriter(path, commit_interval=5.0) as writer:
        call = writer.call(history.start_call, rep="alice")
        futs = [
            writer.submit(
                store.add_utterance,
                call,
                {"speaker": "rep", "start": i, "end": i + 1, "text": f"line {i}"},
            )
            for i in range(50)
        ]
        bad = writer.submit(store.add_utterance, 999_999, {"speaker": "rep", "start": 0,
                                                            "end": 1, "text": "orphan"})  # fmt: skip
        futs.append(writer.submit(store.add_flag, call, {"kind": "pressure", "start": 1, "end": 2}))
        assert writer.flush(5.0)
        assert all(f.done() and f.exception() is None for f in futs)
        assert isinstance(bad.exception(), sqlite3.IntegrityError)  # foreign key: no such call
        reader = appdb.connect(path)
        assert reader.execute("SELECT COUNT(*) FROM utterances").fetchone()[0] == 50
        assert reader.execute("SELECT COUNT(*) FROM flags").fetchone()[0] == 1
        assert writer.errors == 1


def test_store_writer_future_done_means_committed(tmp_path):
    path = tmp_path / "callcoach.db"
    appdb.open_database(path).close()
    reader = sqlite3.connect(path)
    with StoreWriter(path, commit_interval=5.0) as writer:
        futs = [writer.submit(history.add_contact, f"Contact {i}") for i in range(200)]
        futs[-1].result(timeout=5)
        # Resolved futures are on disk: another connection sees every one of them.
        done = sum(f.done() for f in futs)
        assert reader.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] >= done == 200


def test_two_processes_opening_a_new_file_at_once_migrate_it_once(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    path = tmp_path / "callcoach.db"
    code = "import sys; from app.db import open_database; open_database(sys.argv[1]).close()"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(path)], cwd=root, stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=60)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    assert appdb.schema_versions(appdb.connect(path)) == LATEST
