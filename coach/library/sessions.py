"""Coaching sessions: a team lead picks a rep and a period, collects flagged moments into a
playlist, plays them in order, comments with timestamps and marks each moment as discussed.

A session's items point at a call and a moment (usually a flag, but any stretch of a call
can be added); comments made during the session are tied to the item and to the call time.
"""

from __future__ import annotations

import time
import uuid as uuidlib
from typing import Any

from sqlite_utils import Database

from coach.library.store import add_comment


def create_session(
    db: Database,
    rep: str,
    period_start: float,
    period_end: float,
    *,
    title: str = "",
    lead: str = "",
) -> int:
    if not rep:
        raise ValueError("Pick the rep this coaching session is for.")
    if period_end <= period_start:
        raise ValueError("The session's period must end after it starts.")
    cur = db.execute(
        "INSERT INTO coaching_sessions(uuid, rep, lead, title, period_start, period_end,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [str(uuidlib.uuid4()), rep, lead, title, period_start, period_end, time.time()],
    )
    return int(cur.lastrowid)


def get_session(db: Database, session_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM coaching_sessions WHERE id = ?", [session_id]))
    return rows[0] if rows else None


def list_sessions(db: Database, rep: str | None = None) -> list[dict]:
    if rep:
        return list(
            db.query(
                "SELECT * FROM coaching_sessions WHERE rep = ? ORDER BY created_at DESC", [rep]
            )
        )
    return list(db.query("SELECT * FROM coaching_sessions ORDER BY created_at DESC"))


def candidate_moments(
    db: Database, session_id: int, kinds: list[str] | None = None, limit: int = 500
) -> list[dict]:
    """Flagged moments in the rep's calls during the session period, oldest first."""
    s = get_session(db, session_id)
    if s is None:
        raise KeyError(f"No coaching session {session_id}.")
    sql = (
        "SELECT f.id AS flag_id, f.call_id, f.kind, f.speaker, f.start_s, f.end_s, f.text,"
        " f.suggestion, f.label, c.started_at, c.contact_name"
        " FROM flags f JOIN call_history_v c ON c.id = f.call_id"
        " WHERE c.rep = ? AND c.started_at >= ? AND c.started_at < ?"
    )
    params: list[Any] = [s["rep"], s["period_start"], s["period_end"]]
    if kinds:
        sql += f" AND f.kind IN ({', '.join('?' for _ in kinds)})"
        params += list(kinds)
    sql += " ORDER BY c.started_at, f.start_s LIMIT ?"
    return list(db.query(sql, [*params, limit]))


def add_item(
    db: Database,
    session_id: int,
    *,
    flag_id: int | None = None,
    call_id: int | None = None,
    start_s: float | None = None,
    end_s: float | None = None,
    kind: str = "",
) -> int:
    """Append a moment to the playlist: a flag, or a stretch of a call."""
    if flag_id is not None:
        row = db.execute(
            "SELECT call_id, start_s, end_s, kind FROM flags WHERE id = ?", [flag_id]
        ).fetchone()
        if row is None:
            raise KeyError(f"No flag {flag_id}.")
        call_id, start_s, end_s, kind = row
        existing = db.execute(
            "SELECT id FROM coaching_items WHERE session_id = ? AND flag_id = ?",
            [session_id, flag_id],
        ).fetchone()
        if existing:
            return int(existing[0])
    if call_id is None or start_s is None:
        raise ValueError("A playlist item needs a flag, or a call and a start time.")
    pos = db.execute(
        "SELECT COALESCE(MAX(position), 0) + 1 FROM coaching_items WHERE session_id = ?",
        [session_id],
    ).fetchone()[0]
    cur = db.execute(
        "INSERT INTO coaching_items(session_id, call_id, flag_id, kind, start_s, end_s, position)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [session_id, call_id, flag_id, kind, start_s, end_s if end_s is not None else start_s, pos],
    )
    return int(cur.lastrowid)


def remove_item(db: Database, item_id: int) -> None:
    db.execute("DELETE FROM coaching_items WHERE id = ?", [item_id])


def move_item(db: Database, item_id: int, new_position: int) -> None:
    """Reorder the playlist: put the item at `new_position` (1-based), shifting the others."""
    row = db.execute("SELECT session_id FROM coaching_items WHERE id = ?", [item_id]).fetchone()
    if row is None:
        raise KeyError(f"No playlist item {item_id}.")
    ids = [
        r[0]
        for r in db.execute(
            "SELECT id FROM coaching_items WHERE session_id = ? AND id != ? ORDER BY position",
            [row[0], item_id],
        )
    ]
    ids.insert(max(0, min(len(ids), new_position - 1)), item_id)
    for pos, iid in enumerate(ids, start=1):
        db.execute("UPDATE coaching_items SET position = ? WHERE id = ?", [pos, iid])


def mark_discussed(db: Database, item_id: int, discussed: bool = True) -> None:
    db.execute(
        "UPDATE coaching_items SET discussed = ?, discussed_at = ? WHERE id = ?",
        [int(discussed), time.time() if discussed else None, item_id],
    )


def comment_on_item(
    db: Database, item_id: int, text: str, at_s: float | None = None, author: str = ""
) -> int:
    """A timestamped comment on a playlist moment (at the moment's start unless given)."""
    row = db.execute(
        "SELECT call_id, start_s FROM coaching_items WHERE id = ?", [item_id]
    ).fetchone()
    if row is None:
        raise KeyError(f"No playlist item {item_id}.")
    return add_comment(
        db, row[0], row[1] if at_s is None else at_s, text, author=author, item_id=item_id
    )


def playlist(db: Database, session_id: int) -> list[dict]:
    """The session's moments in play order, each with its call, flag, transcript and comments."""
    items = list(
        db.query(
            "SELECT i.*, c.uuid AS call_uuid, c.started_at, c.recording_path,"
            " c.contact_name, f.text AS flag_text, f.suggestion, f.label"
            " FROM coaching_items i JOIN call_history_v c ON c.id = i.call_id"
            " LEFT JOIN flags f ON f.id = i.flag_id"
            " WHERE i.session_id = ? ORDER BY i.position",
            [session_id],
        )
    )
    for item in items:
        item["comments"] = list(
            db.query(
                "SELECT id, at_s, author, text, created_at FROM comments"
                " WHERE item_id = ? ORDER BY at_s, id",
                [item["id"]],
            )
        )
        # A few seconds of context around the moment, for the PDF and the playlist card.
        item["transcript"] = list(
            db.query(
                "SELECT speaker, start_s, end_s, text FROM utterances WHERE call_id = ?"
                " AND end_s >= ? AND start_s <= ? ORDER BY start_s",
                [item["call_id"], item["start_s"] - 5.0, item["end_s"] + 5.0],
            )
        )
    return items
