"""What the dialer queue does next, decided from the call list and the clock.

The queue's state machine (`calling.dialer_queue.DialerQueue`) asks this module three things:
which contact may be called now (or when to look again), which outcome to suggest when a call
ends, and how to open its `dial_sessions` row. It also names the queue's in-call states and
the event the queue publishes. Everything here is a plain function of a read-only connection
and the time: no thread, no engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from calling import queue_store as qs
from calling.calling_hours import CallingWindow, check
from calling.calllists import find_list

IN_CALL = ("dialing", "ringing", "connected")


@dataclass(frozen=True)
class QueueChanged:
    """The queue moved: its state, the card on screen, a sentence, a suggested outcome."""

    state: str
    card: qs.ContactCard | None
    sentence: str = ""
    suggested: str | None = None


@dataclass(frozen=True)
class NextContact:
    """The contact to show now (entry_id and its local-time label), or none and when to look
    again (`wake`; none as well: every contact has an outcome)."""

    entry_id: int | None = None
    label: str = ""
    wake: float | None = None


def suggest_disposition(connected: bool, code: int | None, rang_out: bool) -> str:
    """The outcome a finished dial most likely had, from whether it connected and its SIP code."""
    if connected:
        return "connected"
    if rang_out:
        return "no_answer"
    if code in (486, 600):
        return "busy"
    if code in (404, 410, 484, 485, 604):
        return "wrong_number"
    return "no_answer"


def next_contact(db: Any, list_id: int, window: CallingWindow, now: float) -> NextContact:
    """The first pending contact that may be called now (calling hours in their time zone),
    else the earliest moment one may be (a calling window opening or a call-back falling due)."""
    earliest: float | None = None
    for row in qs.pending_entries(db, list_id, now):
        ok, when, label = check(row["phone"], window, now)
        if ok:
            return NextContact(row["id"], label)
        earliest = when if earliest is None else min(earliest, when)
    callback = qs.next_callback(db, list_id, now)
    wakes = [t for t in (earliest, callback) if t is not None]
    return NextContact(wake=min(wakes) if wakes else None)


def load_card(
    db: Any,
    entry_id: int,
    window: CallingWindow,
    now: float,
    local_time: str = "",
    earlier_flags: Callable[[Any, list[int]], list[dict]] | None = None,
) -> qs.ContactCard:
    """The card for one list entry, with the contact's local time (computed unless given)."""
    card = qs.build_card(db, qs.entry(db, entry_id), earlier_flags=earlier_flags)
    card.local_time = local_time or check(card.phone, window, now)[2]
    return card


def open_session(
    store: Any, db: Any, list_ref: str | int | None, session_id: int | None, rep: str, now: float
) -> dict:
    """The `dial_sessions` row to run: `session_id`'s, or a new one on the list `list_ref`
    (written through the single writer `store`). ValueError with a sentence otherwise."""
    if session_id is None:
        if list_ref is None:
            raise ValueError("A dialing session needs a call list or a session to resume.")
        list_id = find_list(db, list_ref)["id"]
        session_id = store.call(qs.new_session, list_id, rep, now)
    rows = list(db.query("SELECT * FROM dial_sessions WHERE id = ?", [session_id]))
    if not rows:
        raise ValueError(f"There is no dialing session {session_id}.")
    return rows[0]
