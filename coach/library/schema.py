"""The call library's tables and their versioned migrations (run by `app.db.migrate`).

v1 utterances, flags and per-call metrics; v2 the FTS5 index over transcripts (an
external-content table kept in step by triggers, back-filled for existing rows); v3 comments,
coaching sessions and their items; v4 positive marks (probing questions) and a flag index for
the dashboard; v5 an index giving each call's utterance id span (filtered search); v6 the
examples that teach the coach, and each flag's source (rule or semantic layer). The
library's rows refer to the call history's calls by foreign key (`REFERENCES calls(id)`, the
only way coach/ names that table), which is why `app.db` migrates the call history
(calling.history_schema) first. The search over call notes is the history's (its notes_fts);
queries read calls through the view `call_history_v`.
"""

from __future__ import annotations

from sqlite_utils import Database

SCHEMA_NAME = "coach.library"

# Columns of call_metrics that the dashboard aggregates; the full dict is kept in metrics_json.
METRIC_COLUMNS = (
    "talk_ratio",
    "rep_talk_s",
    "prospect_talk_s",
    "longest_monologue_s",
    "questions_open",
    "questions_closed",
    "patience_s",
    "interruptions",
    "wpm",
    "qualification_covered",
    "qualification_total",
)


def _v1(db: Database) -> None:
    db.execute(
        """CREATE TABLE utterances (
            id INTEGER PRIMARY KEY,
            call_id INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
            speaker TEXT NOT NULL,
            start_s REAL NOT NULL,
            end_s REAL NOT NULL,
            text TEXT NOT NULL,
            words_json TEXT
        )"""
    )
    db.execute("CREATE INDEX utterances_call ON utterances(call_id, start_s)")
    db.execute(
        """CREATE TABLE flags (
            id INTEGER PRIMARY KEY,
            call_id INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            speaker TEXT NOT NULL,
            start_s REAL NOT NULL,
            end_s REAL NOT NULL,
            text TEXT NOT NULL DEFAULT '',
            suggestion TEXT NOT NULL DEFAULT '',
            trigger TEXT NOT NULL DEFAULT '',
            label TEXT NOT NULL DEFAULT ''
        )"""
    )
    db.execute("CREATE INDEX flags_call ON flags(call_id, start_s)")
    cols = ",\n".join(
        f"{c} {'INTEGER' if c.startswith(('questions', 'interr', 'qualif')) else 'REAL'}"
        for c in METRIC_COLUMNS
    )
    db.execute(
        f"""CREATE TABLE call_metrics (
            call_id INTEGER PRIMARY KEY REFERENCES calls(id) ON DELETE CASCADE,
            {cols},
            metrics_json TEXT NOT NULL DEFAULT '{{}}'
        )"""
    )


def _v2(db: Database) -> None:
    db.execute(
        "CREATE VIRTUAL TABLE utterances_fts USING fts5("
        "text, content='utterances', content_rowid='id', tokenize='porter unicode61')"
    )
    db.execute(
        "CREATE TRIGGER utterances_ai AFTER INSERT ON utterances BEGIN "
        "INSERT INTO utterances_fts(rowid, text) VALUES (new.id, new.text); END"
    )
    db.execute(
        "CREATE TRIGGER utterances_ad AFTER DELETE ON utterances BEGIN "
        "INSERT INTO utterances_fts(utterances_fts, rowid, text) "
        "VALUES ('delete', old.id, old.text); END"
    )
    db.execute(
        "CREATE TRIGGER utterances_au AFTER UPDATE OF text ON utterances BEGIN "
        "INSERT INTO utterances_fts(utterances_fts, rowid, text) "
        "VALUES ('delete', old.id, old.text); "
        "INSERT INTO utterances_fts(rowid, text) VALUES (new.id, new.text); END"
    )
    db.execute("INSERT INTO utterances_fts(utterances_fts) VALUES ('rebuild')")
    # As first shipped, this step also indexed calls.notes (notes_fts and triggers on calls):
    # the call history owns that index now (calling.history_schema v5 makes it, and takes it
    # over on a file where this step made it), so the library leaves the history's table alone.


def _v3(db: Database) -> None:
    db.execute(
        """CREATE TABLE coaching_sessions (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            rep TEXT NOT NULL,
            lead TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL DEFAULT '',
            period_start REAL NOT NULL,
            period_end REAL NOT NULL,
            created_at REAL NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE coaching_items (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES coaching_sessions(id) ON DELETE CASCADE,
            call_id INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
            flag_id INTEGER REFERENCES flags(id) ON DELETE SET NULL,
            kind TEXT NOT NULL DEFAULT '',
            start_s REAL NOT NULL,
            end_s REAL NOT NULL,
            position INTEGER NOT NULL,
            discussed INTEGER NOT NULL DEFAULT 0,
            discussed_at REAL
        )"""
    )
    db.execute("CREATE INDEX coaching_items_session ON coaching_items(session_id, position)")
    db.execute(
        """CREATE TABLE comments (
            id INTEGER PRIMARY KEY,
            call_id INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
            item_id INTEGER REFERENCES coaching_items(id) ON DELETE SET NULL,
            at_s REAL NOT NULL,
            author TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL,
            created_at REAL NOT NULL
        )"""
    )
    db.execute("CREATE INDEX comments_call ON comments(call_id, at_s)")
    db.execute("CREATE INDEX comments_item ON comments(item_id)")


def _v4(db: Database) -> None:
    db.execute(
        """CREATE TABLE positive_marks (
            id INTEGER PRIMARY KEY,
            call_id INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
            kind TEXT NOT NULL DEFAULT 'probing_question',
            start_s REAL NOT NULL,
            end_s REAL NOT NULL,
            text TEXT NOT NULL DEFAULT '',
            label TEXT NOT NULL DEFAULT ''
        )"""
    )
    db.execute("CREATE INDEX positive_marks_call ON positive_marks(call_id, start_s)")
    db.execute("CREATE INDEX flags_kind ON flags(kind, call_id)")


def _v5(db: Database) -> None:
    """Each call's first and last utterance id in two index seeks, so a filtered search only
    walks the FTS matches inside the filtered calls' rowid window."""
    db.execute("CREATE INDEX utterances_call_id ON utterances(call_id, id)")


def _v6(db: Database) -> None:
    """Teaching the coach: examples a lead or rep marked in Review or a coaching session, and
    on each flag whether a phrase rule or the semantic layer raised it (and what it resembles)."""
    db.execute(
        """CREATE TABLE coach_examples (
            id INTEGER PRIMARY KEY,
            kind TEXT,
            rep_text TEXT NOT NULL,
            prospect_text TEXT NOT NULL DEFAULT '',
            previous_calls INTEGER,
            added_by TEXT NOT NULL DEFAULT '',
            added_at REAL NOT NULL,
            call_id INTEGER REFERENCES calls(id) ON DELETE SET NULL,
            note TEXT NOT NULL DEFAULT ''
        )"""
    )
    db.execute(
        "CREATE UNIQUE INDEX coach_examples_line ON coach_examples("
        "rep_text, prospect_text, IFNULL(kind, ''))"
    )
    db.execute("ALTER TABLE flags ADD COLUMN source TEXT NOT NULL DEFAULT 'rule'")
    db.execute("ALTER TABLE flags ADD COLUMN score REAL")
    db.execute("ALTER TABLE flags ADD COLUMN resembles TEXT NOT NULL DEFAULT ''")


MIGRATIONS = (_v1, _v2, _v3, _v4, _v5, _v6)
