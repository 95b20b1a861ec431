"""Contacts arriving in bulk (a call list's import) merged into the call history's `contacts`
table by number, in one batch: a number already there keeps its contact (the oldest, when
several share it) and only gains the company or email it lacked; a new number becomes a new
contact with its own UUID. calling/history.py has the one-at-a-time writes.
"""

from __future__ import annotations

import time
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlite_utils import Database


@dataclass(frozen=True)
class Person:
    """One contact as a list names it (`number` in E.164; empty company/email: unknown)."""

    name: str
    number: str
    company: str = ""
    email: str = ""


@dataclass(frozen=True)
class Merged:
    contact_ids: list[int]  # one per person, in order
    merged: int  # people whose number a contact already had
    created: int


def merge_contacts(db: Database, people: Sequence[Person], now: float | None = None) -> Merged:
    """Each person's contact id, merging by number (see the module). Runs in the caller's
    transaction; a caller that must not lose a race with another writer takes the write lock
    first (its first statement a write), since this reads the numbers before it writes."""
    now = time.time() if now is None else now
    known: dict[str, int] = {}
    for cid, number in db.execute(
        "SELECT id, number FROM contacts WHERE number IS NOT NULL ORDER BY id DESC"
    ):
        known[number] = cid  # ORDER BY id DESC: the oldest contact wins
    next_id = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM contacts").fetchone()[0]
    new, fills, ids = [], [], []
    for p in people:
        cid = known.get(p.number)
        if cid is None:
            cid, next_id = next_id, next_id + 1
            known[p.number] = cid
            new.append((cid, str(uuidlib.uuid4()), p.name, p.company or None, p.number,
                        p.email or None, now))  # fmt: skip
        else:
            fills.append((p.company or None, p.email or None, cid))
        ids.append(cid)
    # Batched: one statement per kind of write is what makes 10,000 rows take a moment.
    db.conn.executemany(
        "INSERT INTO contacts(id, uuid, name, company, number, email, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        new,
    )
    # Fill what a known contact lacked; never overwrite what the rep already has.
    db.conn.executemany(
        "UPDATE contacts SET company = COALESCE(NULLIF(company, ''), ?),"
        " email = COALESCE(NULLIF(email, ''), ?) WHERE id = ?",
        fills,
    )
    return Merged(ids, len(fills), len(new))
