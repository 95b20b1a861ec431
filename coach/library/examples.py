"""The examples that teach the coach, kept in the library: a line marked "should have been
flagged as KIND" (kind set) or "not a problem" (kind NULL), with who marked it and when.

Each function takes the database first (the app submits writes to its StoreWriter). Export
and import use the same YAML line format as the shipped examples (resources/coach/examples),
so a lead can send the team's examples to every rep, and a file can be read back anywhere.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

import yaml
from sqlite_utils import Database

from coach.semantic.examples import (
    PHRASE_KINDS,
    Example,
    ExampleError,
    check_kinds,
    clean_text,
    read_line_file,
)

_COLS = "id, kind, rep_text, prospect_text, previous_calls, added_by, added_at, call_id, note"


def add_example(
    db: Database,
    kind: str | None,
    rep: str,
    prospect: str = "",
    *,
    previous_calls: int | None = 0,
    added_by: str = "",
    call_id: int | None = None,
    note: str = "",
    added_at: float | None = None,
) -> int:
    """Store one example; kind None = "not a problem". The same line taught again replaces
    the earlier mark (a lead changing their mind), so a line is never both at once."""
    rep = clean_text(rep, "rep line")
    prospect = " ".join((prospect or "").split())
    if kind is not None:
        check_kinds([kind])
    with db.atomic():
        if kind is None:  # quiet: this line is fine, whatever kind it was flagged as
            db.execute(
                "DELETE FROM coach_examples WHERE rep_text = ? AND prospect_text = ?",
                [rep, prospect],
            )
        else:
            db.execute(
                "DELETE FROM coach_examples WHERE rep_text = ? AND prospect_text = ?"
                " AND (kind IS NULL OR kind = ?)",
                [rep, prospect, kind],
            )
        cur = db.execute(
            "INSERT INTO coach_examples(kind, rep_text, prospect_text, previous_calls, added_by,"
            " added_at, call_id, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [kind, rep, prospect, previous_calls, added_by, added_at or time.time(), call_id, note],
        )
    return int(cur.lastrowid)


def delete_example(db: Database, example_id: int) -> bool:
    with db.atomic():
        return db.execute("DELETE FROM coach_examples WHERE id = ?", [example_id]).rowcount > 0


def list_examples(db: Database) -> list[dict]:
    rows = db.execute(f"SELECT {_COLS} FROM coach_examples ORDER BY added_at, id").fetchall()
    keys = [c.strip() for c in _COLS.split(",")]
    return [dict(zip(keys, r, strict=True)) for r in rows]


def taught_examples(db: Database) -> list[Example]:
    """The library's examples for training: one Example per line, its kinds merged."""
    merged: dict[tuple[str, str], dict] = {}
    for r in list_examples(db):
        item = merged.setdefault(
            (r["rep_text"], r["prospect_text"]),
            {"kinds": set(), "previous_calls": r["previous_calls"]},
        )
        if r["kind"]:
            item["kinds"].add(r["kind"])
            if r["kind"] == "false_familiarity":
                item["previous_calls"] = 0  # marked as familiarity: judged as a first call
    return [
        Example(rep, prospect, frozenset(v["kinds"]), v["previous_calls"], "taught")
        for (rep, prospect), v in merged.items()
    ]


def export_examples(db: Database, path: str | Path) -> int:
    """Write the library's examples as a YAML example file; returns how many lines."""
    lines = []
    for r in list_examples(db):
        item = {
            "prospect": r["prospect_text"],
            "rep": r["rep_text"],
            "kinds": [r["kind"]] if r["kind"] else [],
        }
        if r["previous_calls"] != 0:
            item["previous_calls"] = r["previous_calls"]
        if r["added_by"]:
            item["added_by"] = r["added_by"]
        item["added_at"] = round(r["added_at"], 3)
        lines.append(item)
    body = yaml.safe_dump(
        {"default_prospect": "", "default_previous_calls": 0, "lines": lines},
        sort_keys=False, width=200, allow_unicode=True,
    )
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text("# Call Coach examples (coach examples export)\n" + body, encoding="utf-8")
    tmp.replace(path)
    return len(lines)


def import_examples(db: Database, path: str | Path, added_by: str = "") -> dict:
    """Read an example file (export's or the shipped format) into the library, all or nothing.

    Raises ExampleError with one sentence for a broken file; lines already there are skipped."""
    examples = read_line_file(path)
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))["lines"]
    added = skipped = 0
    with db.atomic():  # one transaction: a broken line later in the file leaves nothing behind
        for e, item in zip(examples, raw, strict=True):
            kinds: Iterable[str | None] = sorted(e.kinds) or [None]
            for kind in kinds:
                if _has(db, kind, e.rep, e.prospect):
                    skipped += 1
                    continue
                db.execute(
                    "INSERT INTO coach_examples(kind, rep_text, prospect_text, previous_calls,"
                    " added_by, added_at, note) VALUES (?, ?, ?, ?, ?, ?, '')",
                    [kind, e.rep, e.prospect, e.previous_calls,
                     str(item.get("added_by") or added_by), float(item.get("added_at") or time.time())],
                )
                added += 1
    return {"added": added, "skipped": skipped}


def _has(db: Database, kind: str | None, rep: str, prospect: str) -> bool:
    return db.execute(
        "SELECT 1 FROM coach_examples WHERE rep_text = ? AND prospect_text = ?"
        " AND IFNULL(kind, '') = ?",
        [rep, prospect, kind or ""],
    ).fetchone() is not None


__all__ = [
    "PHRASE_KINDS",
    "ExampleError",
    "add_example",
    "delete_example",
    "export_examples",
    "import_examples",
    "list_examples",
    "taught_examples",
]
