"""Teaching the coach from a stored call: a line marked in Review or a coaching session becomes
an example with its context (the prospect's line just before it, the number of earlier calls
with the contact), who marked it and the call it came from.

Runs as one job on the app's StoreWriter (the context is read and the example written in the
same place). The call is read through the call history's view and its earlier calls are
counted by the history's own `previous_calls` (the same count a live call gets), handed in by
app/ in a `CallsTable`.
"""

from __future__ import annotations

from sqlite_utils import Database

from coach.library.call_history import CallsTable
from coach.library.examples import add_example


def line_context(db: Database, calls: CallsTable, call_id: int, start: float) -> dict:
    """{"prospect": the prospect's line before the rep line at `start` ('' if none),
    "previous_calls": earlier connected calls with the contact (None: not known)}."""
    row = db.execute(
        "SELECT text FROM utterances WHERE call_id = ? AND speaker = 'prospect' AND start_s < ?"
        " ORDER BY start_s DESC, id DESC LIMIT 1",
        [call_id, start],
    ).fetchone()
    call = db.execute(
        "SELECT contact_id, started_at FROM call_history_v WHERE id = ?", [call_id]
    ).fetchone()
    previous = None
    if call is not None and call[0] is not None:
        previous = int(calls.previous_calls(db, contact_id=call[0], before=call[1]))
    return {"prospect": row[0] if row else "", "previous_calls": previous}


def teach_line(
    db: Database,
    calls: CallsTable,
    call_id: int,
    start: float,
    rep_text: str,
    kind: str | None,
    added_by: str = "",
) -> int:
    """Store the rep line at `start` of `call_id` as an example of `kind` (None: "not a
    problem"); returns the example id. Bad input raises ExampleError (one sentence)."""
    ctx = line_context(db, calls, call_id, start)
    return add_example(
        db, kind, rep_text, ctx["prospect"], previous_calls=ctx["previous_calls"],
        added_by=added_by, call_id=call_id,
    )  # fmt: skip


def taught_count(db: Database) -> int:
    return int(db.execute("SELECT COUNT(*) FROM coach_examples").fetchone()[0])
