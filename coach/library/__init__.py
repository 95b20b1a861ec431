"""The call library: transcripts, flags, metrics, comments and coaching sessions in SQLite.

`schema` owns the tables and migrations, `store` writes a call's data (live through the app's
StoreWriter, or in bulk), `queries` reads it (calls, search, review), `dashboard` aggregates
per rep and week, `sessions` runs coaching sessions, `bundle` moves calls between machines,
`export` writes PDF and CSV, `recordings` keeps per-call FLAC recordings. Never imports Qt
or softphone (it reads and writes the softphone's calls/contacts tables by their SQL names).
"""
