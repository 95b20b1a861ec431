"""Writing a call's coaching data: utterances, flags, positive marks, metrics and comments.

Each function takes the database first, so the app can submit it to its `StoreWriter` while a
call runs (`writer.submit(store.add_utterance, call_id, utt)`), and bulk imports can call it
directly inside one transaction. Only the library's own tables are written here: a call's
row, notes and disposition belong to the call history (calling.history), which the wiring
(app/, calling/) asks. Utterances and flags may be `coach.types` dataclasses or the
plain dicts of the `analyze --json` contract.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from typing import Any

from sqlite_utils import Database

from coach.library.schema import METRIC_COLUMNS
from resources.dispositions import DISPOSITIONS  # noqa: F401 - the one list, re-exported

QUALIFICATION_TOPICS = ("project", "budget", "timeline", "authority")


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _utterance_row(call_id: int, u: Any) -> tuple:
    words = _get(u, "words") or ()
    words_json = None
    if words:
        words_json = json.dumps(
            [[_get(w, "word"), round(_get(w, "start"), 3), round(_get(w, "end"), 3)] for w in words]
        )
    return (
        call_id,
        _get(u, "speaker"),
        float(_get(u, "start")),
        float(_get(u, "end")),
        _get(u, "text") or "",
        words_json,
    )


def add_utterance(db: Database, call_id: int, utterance: Any) -> int:
    cur = db.execute(
        "INSERT INTO utterances(call_id, speaker, start_s, end_s, text, words_json)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        _utterance_row(call_id, utterance),
    )
    return int(cur.lastrowid)


def add_utterances(db: Database, call_id: int, utterances: Iterable[Any]) -> None:
    db.conn.executemany(
        "INSERT INTO utterances(call_id, speaker, start_s, end_s, text, words_json)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [_utterance_row(call_id, u) for u in utterances],
    )


def _flag_row(call_id: int, f: Any) -> tuple:
    return (
        call_id,
        _get(f, "kind"),
        _get(f, "speaker") or "rep",
        float(_get(f, "start")),
        float(_get(f, "end")),
        _get(f, "text") or "",
        _get(f, "suggestion") or "",
        _get(f, "trigger") or "",
        _get(f, "label") or "",
        _get(f, "source") or "rule",
        _get(f, "score"),
        _get(f, "resembles") or "",
    )


_FLAG_SQL = (
    "INSERT INTO flags(call_id, kind, speaker, start_s, end_s, text, suggestion, trigger, label,"
    " source, score, resembles) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def add_flag(db: Database, call_id: int, flag: Any) -> int:
    return int(db.execute(_FLAG_SQL, _flag_row(call_id, flag)).lastrowid)


def add_flags(db: Database, call_id: int, flags: Iterable[Any]) -> None:
    db.conn.executemany(_FLAG_SQL, [_flag_row(call_id, f) for f in flags])


def add_positive(db: Database, call_id: int, mark: Any) -> int:
    cur = db.execute(
        "INSERT INTO positive_marks(call_id, kind, start_s, end_s, text, label)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            call_id,
            _get(mark, "kind") or "probing_question",
            float(_get(mark, "start")),
            float(_get(mark, "end")),
            _get(mark, "text") or "",
            _get(mark, "label") or "",
        ],
    )
    return int(cur.lastrowid)


def _first(metrics: Mapping, *paths: str) -> Any:
    """The first value found under any of the dotted key paths (the engine's dict may nest)."""
    for path in paths:
        node: Any = metrics
        for key in path.split("."):
            if isinstance(node, Mapping) and key in node:
                node = node[key]
            else:
                node = None
                break
        if node is not None:
            return node
    return None


def metric_columns(metrics: Mapping) -> dict[str, Any]:
    """Pull the dashboard's columns out of the engine's metrics dict (`LiveCoach.metrics()`:
    talk_ratio, talk_seconds, longest_monologue_seconds, open/closed_questions,
    patience_seconds, interruptions, words_per_minute, qualification); a few older or
    hand-written shapes ({"talk_ratio": {"rep": r}}, {"questions": {"open": n}}) also work."""
    talk = _first(metrics, "talk_ratio.rep", "talk_ratio", "rep_talk_ratio")
    rep_s = _first(metrics, "talk_seconds.rep", "talk_time.rep", "rep_talk_s")
    pro_s = _first(metrics, "talk_seconds.prospect", "talk_time.prospect", "prospect_talk_s")
    if not isinstance(talk, (int, float)) and isinstance(rep_s, (int, float)) and pro_s:
        talk = rep_s / max(1e-9, rep_s + pro_s)
    qual = _first(metrics, "qualification", "qualification_coverage", "qualification.covered")
    covered = total = None
    if isinstance(qual, Mapping):
        inner = qual.get("covered", qual)
        if isinstance(inner, Mapping):
            total = len(inner)
            # {"budget": true} or the engine's {"budget": {"label": ..., "covered": true}}
            covered = sum(
                1 for v in inner.values() if (v.get("covered") if isinstance(v, Mapping) else v)
            )
        elif isinstance(inner, (list, tuple)):
            covered, total = len(inner), len(qual.get("topics", QUALIFICATION_TOPICS))
    elif isinstance(qual, (list, tuple)):
        covered, total = len(qual), len(QUALIFICATION_TOPICS)
    elif isinstance(qual, (int, float)):
        covered, total = round(qual * len(QUALIFICATION_TOPICS)), len(QUALIFICATION_TOPICS)

    def num(*paths: str) -> float | None:
        v = _first(metrics, *paths)
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None

    return {
        "talk_ratio": float(talk) if isinstance(talk, (int, float)) else None,
        "rep_talk_s": float(rep_s) if isinstance(rep_s, (int, float)) else None,
        "prospect_talk_s": float(pro_s) if isinstance(pro_s, (int, float)) else None,
        "longest_monologue_s": num(
            "longest_monologue_seconds", "longest_monologue_s", "longest_monologue"
        ),
        "questions_open": num("open_questions", "questions.open"),
        "questions_closed": num("closed_questions", "questions.closed"),
        "patience_s": num("patience_seconds", "patience_s"),
        "interruptions": num("interruptions"),
        "wpm": num("words_per_minute.rep", "wpm.rep", "words_per_minute"),
        "qualification_covered": covered,
        "qualification_total": total,
    }


def save_metrics(db: Database, call_id: int, metrics: Mapping) -> None:
    cols = metric_columns(metrics)
    names = ", ".join(METRIC_COLUMNS)
    marks = ", ".join("?" for _ in METRIC_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in METRIC_COLUMNS)
    db.execute(
        f"INSERT INTO call_metrics(call_id, {names}, metrics_json) VALUES (?, {marks}, ?)"
        f" ON CONFLICT(call_id) DO UPDATE SET {updates}, metrics_json = excluded.metrics_json",
        [call_id, *(cols[c] for c in METRIC_COLUMNS), json.dumps(metrics, default=str)],
    )


def save_analysis(db: Database, call_id: int, result: Any) -> None:
    """Store an analysis: the engine's `AnalysisResult` (keeps word timings and positive
    marks) or an `analyze --json` dict (utterances, flags, metrics, optional positives)."""
    add_utterances(db, call_id, _get(result, "utterances") or [])
    add_flags(db, call_id, _get(result, "flags") or [])
    metrics = _get(result, "metrics")
    positives = _get(result, "positives")
    if positives is None and isinstance(metrics, Mapping):
        positives = metrics.get("positives")  # `analyze --json` keeps them in metrics
    for mark in positives or []:
        add_positive(db, call_id, mark)
    if metrics is not None:
        save_metrics(db, call_id, metrics)


def save_live(
    db: Database,
    call_id: int,
    *,
    utterances: Iterable[Any] = (),
    flags: Iterable[Any] = (),
    positives: Iterable[Any] = (),
    metrics: Mapping | None = None,
) -> None:
    """Write what the live coach produced since the last time, for one call (a writer job
    per final utterance and flag, so a crash loses at most the last fraction of a second;
    `calling.records.record_live` finds the call by its UUID in the history first)."""
    add_utterances(db, call_id, utterances)
    add_flags(db, call_id, flags)
    for mark in positives:
        add_positive(db, call_id, mark)
    if metrics:
        save_metrics(db, call_id, metrics)


def add_comment(
    db: Database,
    call_id: int,
    at_s: float,
    text: str,
    *,
    author: str = "",
    item_id: int | None = None,
    created_at: float | None = None,
) -> int:
    if not text.strip():
        raise ValueError("A comment needs some text.")
    cur = db.execute(
        "INSERT INTO comments(call_id, item_id, at_s, author, text, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [call_id, item_id, float(at_s), author, text, created_at or time.time()],
    )
    return int(cur.lastrowid)
