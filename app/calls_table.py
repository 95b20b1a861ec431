"""The call history as coach/ may reach it: calling/history.py's (and history_read's)
functions for the calls and contacts tables, handed to the call library (bundle import,
teaching, the review screen, notes search) as a `CallsTable` (coach/ never imports calling/
and reads those tables only through the history's view `call_history_v`; app/ wires the two)."""

from __future__ import annotations

from calling import history, history_read
from coach.library.call_history import CallsTable

CALLS_TABLE = CallsTable(
    call_id_for_uuid=history.call_id_for_uuid,
    upsert_contact=history.upsert_contact,
    insert_imported_call=history.insert_imported_call,
    set_recording=history.set_recording,
    previous_calls=history.previous_calls,
    search_notes=history_read.search_notes,
)
