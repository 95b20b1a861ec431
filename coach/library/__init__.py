"""The call library: transcripts, flags, metrics, comments and coaching sessions in SQLite.

`schema` owns the tables and migrations, `store` writes a call's data (live through the app's
StoreWriter, or in bulk), `queries` reads it (calls, search, review), `dashboard` aggregates
per rep and week, `sessions` runs coaching sessions, `bundle` moves calls between machines,
`export` writes PDF and CSV, `recordings` keeps per-call FLAC recordings. Never imports Qt,
softphone/ or calling/: the calls and contacts are the call history's (calling/history.py),
read through its view `call_history_v` and written through the functions app/ hands in
(`call_history.CallsTable`).
"""
