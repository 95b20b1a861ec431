"""The calling-session tables (call lists, their entries, dialing sessions and their dials)
and their versioned migrations, run by `app.db.migrate` after calling.history_schema.

`call_lists` is one imported list; `call_list_entries` one row per contact on it (the
contact itself lives in `contacts`, the entry keeps what the list said plus the queue's
state: pending/done/skipped, outcome, call-back time, attempts). `dial_sessions` is one
power-dialing session over a list, persisted so it survives a restart; `session_dials` is one
row per dial with its disposition, which the counters are computed from. v2 adds
`practice_calls`: which library calls were practice against a simulated prospect.
"""

from __future__ import annotations

from sqlite_utils import Database

# The name existing databases record their migrations under (kept when the module moved
# from softphone/ to calling/, so no database runs these steps twice).
SCHEMA_NAME = "softphone.calllists"


def _v1(db: Database) -> None:
    db.execute(
        """CREATE TABLE call_lists (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            source TEXT,
            region TEXT NOT NULL DEFAULT 'US',
            created_at REAL NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE call_list_entries (
            id INTEGER PRIMARY KEY,
            list_id INTEGER NOT NULL REFERENCES call_lists(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            source_line INTEGER,
            contact_id INTEGER REFERENCES contacts(id),
            name TEXT NOT NULL,
            company TEXT,
            phone TEXT NOT NULL,
            email TEXT,
            last_action TEXT,
            last_action_date TEXT,
            status TEXT NOT NULL DEFAULT 'pending',
            outcome TEXT,
            outcome_at REAL,
            callback_at REAL,
            attempts INTEGER NOT NULL DEFAULT 0,
            notes TEXT
        )"""
    )
    db.execute("CREATE INDEX call_list_entries_list ON call_list_entries(list_id, position)")
    db.execute("CREATE INDEX call_list_entries_contact ON call_list_entries(contact_id)")
    # As first shipped, this step also indexed contacts by number: the call history makes
    # that index now (calling.history_schema v6, before this runs), the history's table.
    db.execute(
        """CREATE TABLE dial_sessions (
            id INTEGER PRIMARY KEY,
            list_id INTEGER NOT NULL REFERENCES call_lists(id) ON DELETE CASCADE,
            rep TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL,
            current_entry_id INTEGER,
            current_call_id INTEGER,
            started_at REAL NOT NULL,
            active_seconds REAL NOT NULL DEFAULT 0,
            resumed_at REAL,
            ended_at REAL
        )"""
    )
    db.execute(
        """CREATE TABLE session_dials (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES dial_sessions(id) ON DELETE CASCADE,
            entry_id INTEGER NOT NULL REFERENCES call_list_entries(id) ON DELETE CASCADE,
            call_id INTEGER REFERENCES calls(id),
            dialed_at REAL NOT NULL,
            connected_at REAL,
            ended_at REAL,
            sip_code INTEGER,
            disposition TEXT
        )"""
    )
    db.execute("CREATE INDEX session_dials_session ON session_dials(session_id, dialed_at)")
    db.execute("CREATE INDEX session_dials_dialed ON session_dials(dialed_at)")


def _v2(db: Database) -> None:
    """Practice calls (the rep against a simulated prospect), kept apart from real ones."""
    db.execute(
        """CREATE TABLE practice_calls (
            call_id INTEGER PRIMARY KEY REFERENCES calls(id) ON DELETE CASCADE,
            script TEXT NOT NULL,
            title TEXT NOT NULL,
            path_json TEXT NOT NULL DEFAULT '[]'
        )"""
    )


MIGRATIONS = (_v1, _v2)
