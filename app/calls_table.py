"""The call history as coach/ may reach it: calling/history.py's functions for the calls and
contacts tables, handed to the call library's bundle import as a `CallsTable` (coach/ never
imports calling/, and never writes those tables by SQL; app/ wires the two)."""

from __future__ import annotations

from calling import history
from coach.library.bundle import CallsTable

CALLS_TABLE = CallsTable(
    call_id_for_uuid=history.call_id_for_uuid,
    upsert_contact=history.upsert_contact,
    insert_imported_call=history.insert_imported_call,
    set_recording=history.set_recording,
)
