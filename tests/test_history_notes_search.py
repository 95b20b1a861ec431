"""Notes search is the call history's (calling.history_schema v5): its index and triggers on
calls, on a fresh file, on a file at the schema before (where coach.library's migration 2 had
made them) and on an old file whose library migrations run after the history's, each a real
SQLite file opened through app.db; the library finds notes only through the history's
`search_notes` (handed in by app/)."""

from __future__ import annotations

import pytest

from app import db as appdb
from app.calls_table import CALLS_TABLE
from calling import history, history_read, history_schema
from coach.library import queries, schema
from tests.library_helpers import DAY, T0, add_call, legacy_library_notes_index

LATEST = {m.SCHEMA_NAME: len(m.MIGRATIONS) for m in appdb.migration_modules()}
NOTES_OBJECTS = (
    "SELECT type, name, tbl_name FROM sqlite_master"
    " WHERE name = 'notes_fts' OR (type = 'trigger' AND tbl_name = 'calls') ORDER BY name"
)


def search(db, text: str, **kw) -> list[dict]:
    return queries.search(db, text, calls=CALLS_TABLE, **kw)


def note_hits(db, text: str, **kw) -> list[int]:
    return [h["call_id"] for h in search(db, text, **kw) if h["source"] == "notes"]


def _old_file(tmp_path, h: int, lib: int, *, legacy: bool):
    """A file as an earlier Call Coach left it: history schema `h`, library schema `lib`
    (with the library's own notes index when `legacy`), two calls with notes, one without."""
    path = tmp_path / "callcoach.db"
    db = appdb.connect(path)
    upto = {**dict.fromkeys(LATEST, 0), history_schema.SCHEMA_NAME: h, schema.SCHEMA_NAME: lib}
    assert appdb.migrate(db, upto=upto) == upto
    if legacy:
        legacy_library_notes_index(db)
    ids = [
        history.start_call(db, remote_number="+14155550100", started_at=T0 + i * DAY)
        for i in range(3)
    ]
    history.set_notes(db, ids[0], "Wants pricing for forty seats")
    history.set_notes(db, ids[1], "Gatekeeper; ask for Priya about pricing")
    db.conn.commit()
    db.close()
    return path, ids


def _assert_the_history_owns_one_index(db) -> None:
    assert appdb.schema_versions(db) == LATEST
    assert [tuple(r) for r in db.execute(NOTES_OBJECTS)] == [
        ("trigger", "calls_notes_ad", "calls"),
        ("trigger", "calls_notes_ai", "calls"),
        ("trigger", "calls_notes_au", "calls"),
        ("table", "notes_fts", "notes_fts"),
    ]
    # One index entry per call with notes: nothing indexed twice, nothing left out.
    indexed = [r[0] for r in db.execute("SELECT id FROM notes_fts_docsize ORDER BY id")]
    noted = [r[0] for r in db.execute("SELECT id FROM calls WHERE notes IS NOT NULL ORDER BY id")]
    assert indexed == noted
    db.execute("INSERT INTO notes_fts(notes_fts) VALUES ('integrity-check')")


def _assert_notes_search_follows_the_notes(db, before: list[int]) -> None:
    """Notes written before the migration are found; one written after is too; a changed
    note is found by its new words only; a deleted call's note is gone."""
    assert note_hits(db, "pricing") == [before[1], before[0]]  # newest first
    new = add_call(db, started_at=T0 + 5 * DAY, notes="Call back after the board meeting")
    assert note_hits(db, "board meeting") == [new]
    history.set_notes(db, before[1], "Left a voicemail")
    assert note_hits(db, "pricing") == [before[0]]
    assert note_hits(db, "voicemail") == [before[1]]
    history.delete_call(db, before[0])
    assert note_hits(db, "pricing") == []
    assert note_hits(db, "seats") == []
    _assert_the_history_owns_one_index(db)


def test_a_fresh_file_gets_the_history_s_notes_index(tmp_path):
    db = appdb.open_database(tmp_path / "callcoach.db")
    _assert_the_history_owns_one_index(db)
    ids = [add_call(db, started_at=T0 + i * DAY) for i in range(3)]
    history.set_notes(db, ids[0], "Wants pricing for forty seats")
    history.set_notes(db, ids[1], "Gatekeeper; ask for Priya about pricing")
    _assert_notes_search_follows_the_notes(db, ids)


@pytest.mark.parametrize(("h", "lib"), [(4, 6), (3, 6), (2, 2)])
def test_the_history_takes_over_the_library_s_notes_index(tmp_path, h, lib):
    """A file where coach.library's migration 2 made the index: the history's v5 runs after
    it and replaces it, keeping every indexed note once."""
    path, ids = _old_file(tmp_path, h, lib, legacy=True)
    db = appdb.connect(path)
    assert history_read.search_notes(db, '"pricing"') != []  # indexed by the library's triggers
    db.close()
    db = appdb.open_database(path)
    _assert_the_history_owns_one_index(db)
    _assert_notes_search_follows_the_notes(db, ids)


@pytest.mark.parametrize(("h", "lib"), [(4, 1), (3, 1), (2, 1), (0, 0)])
def test_an_old_file_gets_the_index_before_the_library_migrates(tmp_path, h, lib):
    """A file whose library is older than its migration 2: the history's v5 runs first and
    makes the index; the library's migrations after it leave calls alone."""
    if h == 0:
        db = appdb.connect(tmp_path / "callcoach.db")
        appdb.migrate(db, upto=dict.fromkeys(LATEST, 0))
        db.close()
        db = appdb.open_database(tmp_path / "callcoach.db")
        _assert_the_history_owns_one_index(db)
        return
    path, ids = _old_file(tmp_path, h, lib, legacy=False)
    db = appdb.open_database(path)
    _assert_the_history_owns_one_index(db)
    _assert_notes_search_follows_the_notes(db, ids)


def test_taking_over_again_changes_nothing(tmp_path):
    """The history's v5 run on a file that already has its index (as on a file where both
    orders met) leaves one index with the same notes."""
    path, ids = _old_file(tmp_path, 4, 6, legacy=True)
    db = appdb.open_database(path)
    history_schema.MIGRATIONS[4](db)
    history_schema.MIGRATIONS[4](db)
    _assert_the_history_owns_one_index(db)
    _assert_notes_search_follows_the_notes(db, ids)


def test_search_notes_within_calls_and_through_the_library(tmp_path):
    db = appdb.open_database(tmp_path / "callcoach.db")
    alice = add_call(db, rep="alice", notes="Pricing sheet sent")
    bob = add_call(db, rep="bob", started_at=T0 + DAY, notes="Pricing too high for them")
    hits = history_read.search_notes(db, '"pricing"')
    assert [h["call_id"] for h in hits] == [bob, alice]
    assert hits[0]["snippet"] == "[Pricing] too high for them"
    assert [h["call_id"] for h in history_read.search_notes(db, '"pricing"', among=[alice])] == [
        alice
    ]
    assert history_read.search_notes(db, '"pricing"', among=[]) == []
    assert [h["call_id"] for h in history_read.search_notes(db, '"pricing"', limit=1)] == [bob]
    # The library's search merges them with the call's fields, filters applied.
    (hit,) = search(db, "pricing", rep="alice")
    assert hit == {
        "source": "notes", "call_id": alice, "utterance_id": None, "speaker": None,
        "start_s": None, "end_s": None, "snippet": "[Pricing] sheet sent", "started_at": T0,
        "rep": "alice", "contact_name": "Dana Smith",
    }  # fmt: skip
    assert search(db, "pricing", rep="carol") == []
