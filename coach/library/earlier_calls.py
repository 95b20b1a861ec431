"""What the library holds of a contact's earlier calls, as the next call and its cards ask:
the metrics the coach stored for a call, the qualification topics learned on a contact's
calls before a time (the coach's `learned_before`), and the flags raised on given calls (a
dialer card's and the Phone page's contact card's). Calls are read through the call history's
view `call_history_v`, never its tables.
"""

from __future__ import annotations

import json
import time

from sqlite_utils import Database


def stored_metrics(db: Database, call_id: int) -> dict | None:
    """The metrics stored for the call (as the coach computed them), or None."""
    m = db.execute("SELECT metrics_json FROM call_metrics WHERE call_id = ?", [call_id]).fetchone()
    return json.loads(m[0]) if m and m[0] else None


def learned_before(
    db: Database, *, contact_id: int | None, before: float | None = None
) -> set[str] | None:
    """The qualification topics learned on the contact's connected calls before `before` (the
    coach's `learned_before`), from each call's stored metrics: what it covered, and what it
    already knew from the calls before it. An empty set when there is no earlier call; None
    when an earlier call has no stored coverage (recorded without the coach, or before it),
    since then what was learned on it is unknown."""
    if contact_id is None:
        return set()
    rows = db.execute(
        "SELECT m.metrics_json FROM call_history_v c LEFT JOIN call_metrics m ON m.call_id = c.id"
        " WHERE c.contact_id = ? AND c.connected_at IS NOT NULL AND c.started_at < ?",
        [contact_id, before if before is not None else time.time()],
    ).fetchall()
    learned: set[str] = set()
    for (raw,) in rows:
        try:
            topics = json.loads(raw).get("qualification") if raw else None
        except (ValueError, AttributeError):
            topics = None
        if not isinstance(topics, dict) or not topics:
            return None
        for name, value in topics.items():
            if isinstance(value, dict):
                value = value.get("covered") or value.get("learned_before")
            if value:
                learned.add(name)
    return learned


def flags_on_calls(db: Database, call_ids: list[int], limit: int = 10) -> list[dict]:
    """The flags raised on these calls (newest call first, in call order within one): what a
    dialer card and the Phone page's contact card show of a contact's earlier calls (the
    queue gets this function from the wiring, since calling/ does not read the library's
    tables)."""
    if not call_ids:
        return []
    marks = ",".join("?" * len(call_ids))
    return list(
        db.query(
            f"SELECT call_id, kind, label, text, suggestion FROM flags WHERE call_id IN ({marks})"
            " ORDER BY call_id DESC, start_s LIMIT ?",
            [*call_ids, limit],
        )
    )
