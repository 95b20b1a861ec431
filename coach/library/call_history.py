"""What the call library asks of the call history (calling/history.py owns the calls and
contacts tables; coach/ never imports calling/ and never names those tables in SQL).

Reads go through the history's view `call_history_v` (one row per call, its contact's fields
as contact_*; the column contract is calling.history_schema.CALL_HISTORY_VIEW_COLUMNS). What needs
the history's own logic, its notes search, or writes its rows goes through the functions app/
hands in as a `CallsTable`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database


@dataclass(frozen=True)
class CallsTable:
    """The call history's functions the library uses, handed in by app/ (app/calls_table.py).

    - `call_id_for_uuid(db, uuid)`: the id of the call with this UUID, or None.
    - `upsert_contact(db, *, uuid, name, number, company, email)`: the contact with this UUID
      (else number) already here, or a new one; its id.
    - `insert_imported_call(db, fields, contact_id)`: a new call row from a bundle's call
      fields; its id.
    - `set_recording(db, call_id, path)`: point the call at its recording file.
    - `previous_calls(db, *, contact_id, before)`: how many connected calls the contact had
      before that time (the coach's `previous_calls`).
    - `search_notes(db, match, *, limit, among)`: the calls whose notes match an FTS5 query,
      newest first, as `call_id` and `snippet` (the notes and their index are the history's);
      `among`, when given, the call ids to search within.
    """

    call_id_for_uuid: Callable[[Database, str], int | None]
    upsert_contact: Callable[..., int]
    insert_imported_call: Callable[[Database, dict[str, Any], int | None], int]
    set_recording: Callable[[Database, int, str | None], None]
    previous_calls: Callable[..., int]
    search_notes: Callable[..., list[dict[str, Any]]]
