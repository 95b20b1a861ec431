"""The call history's and the call library's rows → the plain rows the phone widgets show
(contacts, recents, contact card). The rows come from their owners' functions
(calling.history, calling.history_read, coach.library.queries); this module only shapes them.

Runs on the app's io worker (imports of the storage modules happen there too, off the
start-up path) with its own read connection (SQLite in WAL lets it read while the
StoreWriter writes), never on the GUI thread.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from softphone.ui.rows import ContactRow, ContactSummary, RecentCall

log = logging.getLogger(__name__)

TOPIC_NAMES = {"project": "project", "budget": "budget", "timeline": "timeline",
               "authority": "decision maker"}  # fmt: skip


def contacts(db: Any, limit: int = 5000) -> list[ContactRow]:
    from calling import history_read

    return [
        ContactRow(r["name"] or "", r["number"] or "", r["company"] or "", r["id"])
        for r in history_read.phone_book(db, limit)
    ]


def recent(db: Any, limit: int = 50) -> list[RecentCall]:
    from calling import history

    out = []
    for r in history.recent_calls(db, limit=limit):
        inbound = r.get("direction") == "inbound"
        connected = r.get("connected_at") is not None
        direction = "missed" if inbound and not connected else "incoming" if inbound else "outgoing"
        dur = 0.0
        if connected and r.get("ended_at"):
            dur = max(0.0, float(r["ended_at"]) - float(r["connected_at"]))
        when = datetime.fromtimestamp(r["started_at"]) if r.get("started_at") else None
        number = r.get("remote_number") or r.get("remote_uri") or ""
        out.append(
            RecentCall(number, r.get("contact_name") or "", direction, when, dur, r.get("id"))
        )
    return out


def summary(db: Any, number: str, name: str = "") -> ContactSummary:
    """What the history says about this number before the call connects."""
    from calling import history, history_read
    from coach.library.queries import flags_on_calls, stored_metrics

    contact = history_read.contact_for_number(db, number)
    cid = contact["id"] if contact else None
    prev = history.previous_calls(db, contact_id=cid, number=None if cid else number)
    last = history_read.last_connected_call(db, contact_id=cid, number=None if cid else number)
    last_flags: list[str] = []
    covered: list[str] = []
    notes = ""
    when = None
    if last:
        notes = last["notes"] or ""
        when = datetime.fromtimestamp(last["started_at"]) if last["started_at"] else None
        try:
            for flag in flags_on_calls(db, [last["id"]], limit=8):
                text = flag["label"] or flag["kind"].replace("_", " ")
                if text not in last_flags:
                    last_flags.append(text)
            q = (stored_metrics(db, last["id"]) or {}).get("qualification") or {}
            covered = [  # the engine's {"budget": {"covered": true, ...}} or {"budget": true}
                TOPIC_NAMES[k] for k, v in q.items()
                if k in TOPIC_NAMES and (v.get("covered") if isinstance(v, dict) else v)
            ]  # fmt: skip
        except Exception:  # the coach tables may be older; the card still shows
            log.debug("contact card: no coach history", exc_info=True)
    learned = _learned_before(db, cid, prev)
    if learned:  # every earlier call's topics, not only the last one's
        covered = [name for key, name in TOPIC_NAMES.items() if key in learned]
    return ContactSummary(
        name=(contact or {}).get("name") or name,
        number=number,
        company=(contact or {}).get("company") or "",
        previous_calls=prev,
        last_talked=when,
        last_flags=tuple(last_flags[:3]),
        notes=notes,
        covered=tuple(covered),
        learned_before=learned,
    )


def _learned_before(db: Any, contact_id: int | None, previous: int) -> frozenset[str] | None:
    """The qualification topics the library holds as learned on the contact's earlier calls
    (None: unknown, as when the earlier calls were by number only or never coached)."""
    from coach.library.queries import learned_before

    if not previous:
        return frozenset()
    if contact_id is None:
        return None
    try:
        topics = learned_before(db, contact_id=contact_id)
    except Exception:  # the coach tables may be older: unknown, so the coach does not guess
        log.debug("contact card: no coach history", exc_info=True)
        return None
    return frozenset(topics) if topics is not None else None
