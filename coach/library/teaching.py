"""Teaching the coach from a stored call: a line marked in Review or a coaching session becomes
an example with its context (the prospect's line just before it, the number of earlier calls
with the contact), who marked it and the call it came from.

Runs as one job on the app's StoreWriter (the context is read and the example written in the
same place). The calls table is read by its SQL names only (the schema is the contract).
"""

from __future__ import annotations

from sqlite_utils import Database

from coach.library.examples import add_example


def line_context(db: Database, call_id: int, start: float) -> dict:
    """{"prospect": the prospect's line before the rep line at `start` ('' if none),
    "previous_calls": earlier connected calls with the contact (None: not known)}."""
    row = db.execute(
        "SELECT text FROM utterances WHERE call_id = ? AND speaker = 'prospect' AND start_s < ?"
        " ORDER BY start_s DESC, id DESC LIMIT 1",
        [call_id, start],
    ).fetchone()
    call = db.execute(
        "SELECT contact_id, started_at FROM calls WHERE id = ?", [call_id]
    ).fetchone()
    previous = None
    if call is not None and call[0] is not None:
        previous = int(
            db.execute(
                "SELECT COUNT(*) FROM calls WHERE contact_id = ? AND connected_at IS NOT NULL"
                " AND started_at < ?",
                [call[0], call[1]],
            ).fetchone()[0]
        )
    return {"prospect": row[0] if row else "", "previous_calls": previous}


def teach_line(
    db: Database,
    call_id: int,
    start: float,
    rep_text: str,
    kind: str | None,
    added_by: str = "",
) -> int:
    """Store the rep line at `start` of `call_id` as an example of `kind` (None: "not a
    problem"); returns the example id. Bad input raises ExampleError (one sentence)."""
    ctx = line_context(db, call_id, start)
    return add_example(
        db, kind, rep_text, ctx["prospect"], previous_calls=ctx["previous_calls"],
        added_by=added_by, call_id=call_id,
    )  # fmt: skip


def taught_count(db: Database) -> int:
    return int(db.execute("SELECT COUNT(*) FROM coach_examples").fetchone()[0])
