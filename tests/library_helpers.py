"""Shared setup for the library tests: a real database file in tmp and a small set of calls."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from app.db import open_database
from calling import history
from coach.library import store

T0 = dt.datetime(2026, 3, 2, 9, 0).timestamp()  # a Monday morning, local time
DAY = 86400.0


def fresh_db(tmp_path: Path):
    return open_database(tmp_path / "callcoach.db")


def add_call(
    db,
    *,
    contact: str = "Dana Smith",
    number: str | None = "+14155550100",
    rep: str = "alice",
    started_at: float = T0,
    connected: bool = True,
    lines: list[tuple[str, float, str]] = (),
    flags: list[tuple[str, float, str]] = (),
    metrics: dict | None = None,
    notes: str | None = None,
) -> int:
    """A finished call; `lines` are (speaker, start, text), `flags` are (kind, start, text)."""
    cid = history.get_or_create_contact(db, contact, number)
    call = history.start_call(
        db, contact_id=cid, rep=rep, started_at=started_at, remote_number=number
    )
    if connected:
        history.call_connected(db, call, started_at + 5)
    for speaker, start, text in lines:
        store.add_utterance(
            db, call, {"speaker": speaker, "start": start, "end": start + 2.0, "text": text}
        )
    for kind, start, text in flags:
        store.add_flag(
            db,
            call,
            {"kind": kind, "speaker": "rep", "start": start, "end": start + 2.0, "text": text,
             "suggestion": f"Instead of '{text}', ask a question."},
        )  # fmt: skip
    if metrics is not None:
        store.save_metrics(db, call, metrics)
    if notes:
        history.set_notes(db, call, notes)
    last = max((s for _, s, _ in lines), default=0.0) + 2.0
    history.finish_call(db, call, ended_at=started_at + 5 + last)
    return call


def legacy_library_notes_index(db) -> None:
    """What coach.library's migration 2 made as first shipped (the SQL of that release): the
    notes index and its triggers on calls, back-filled with the notes already there."""
    db.execute(
        "CREATE VIRTUAL TABLE notes_fts USING fts5("
        "notes, content='calls', content_rowid='id', tokenize='porter unicode61')"
    )
    db.execute(
        "CREATE TRIGGER calls_notes_ai AFTER INSERT ON calls WHEN new.notes IS NOT NULL BEGIN "
        "INSERT INTO notes_fts(rowid, notes) VALUES (new.id, new.notes); END"
    )
    db.execute(
        "CREATE TRIGGER calls_notes_ad AFTER DELETE ON calls WHEN old.notes IS NOT NULL BEGIN "
        "INSERT INTO notes_fts(notes_fts, rowid, notes) VALUES ('delete', old.id, old.notes); END"
    )
    db.execute(
        "CREATE TRIGGER calls_notes_au AFTER UPDATE OF notes ON calls BEGIN "
        "INSERT INTO notes_fts(notes_fts, rowid, notes) SELECT 'delete', old.id, old.notes "
        "WHERE old.notes IS NOT NULL; "
        "INSERT INTO notes_fts(rowid, notes) SELECT new.id, new.notes "
        "WHERE new.notes IS NOT NULL; END"
    )
    db.execute(
        "INSERT INTO notes_fts(rowid, notes) SELECT id, notes FROM calls WHERE notes IS NOT NULL"
    )
