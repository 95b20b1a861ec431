"""A practice call's own rows, as StoreWriter jobs keyed by its CallSession's UUID.

The call itself (its history row, the live coach's utterances, flags and metrics, the
recording) is written by the CallSession like any call's. What makes it practice is written
here, through the same single writer: the simulated prospect's contact (made before the
dial, so the session's row finds it), the call's `practice_calls` row and note (right after
the dial, so a crash mid-call still leaves it marked as practice) and, at the end, the path
the prospect's script took. `practice_calls` belongs to calling.calllist_schema.
"""

from __future__ import annotations

from typing import Any


def contact_name(prospect_name: str) -> str:
    """The contact a practice call is filed under, kept apart from a real prospect's."""
    return f"{prospect_name} (practice)"


def ensure_contact(db: Any, name: str) -> int:
    """The practice contact, made if it is not there yet (before the session's row)."""
    from calling import history

    return history.get_or_create_contact(db, name)


def mark_practice(db: Any, uuid: str, script: str, title: str) -> int | None:
    """Mark the session's call as practice: its note and its `practice_calls` row (the path
    is filled in at the end). Returns the call's id (None: the call has no row)."""
    from calling import history

    call_id = history.call_id_for_uuid(db, uuid)
    if call_id is None:
        return None
    history.set_notes(db, call_id, f"Practice: {title}")
    db.execute(
        "INSERT OR IGNORE INTO practice_calls(call_id, script, title) VALUES (?,?,?)",
        [call_id, script, title],
    )
    return call_id


def set_path(db: Any, uuid: str, path_json: str) -> int | None:
    """The script path the prospect took (a JSON list of node names); returns the call's id
    (None: the call has no practice row)."""
    from calling import history

    call_id = history.call_id_for_uuid(db, uuid)
    if call_id is None:
        return None
    cur = db.execute(
        "UPDATE practice_calls SET path_json = ? WHERE call_id = ?", [path_json, call_id]
    )
    return call_id if cur.rowcount else None
