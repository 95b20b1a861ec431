"""Moving calls between machines: a rep exports calls as one bundle file, the lead imports it.

A bundle is a zip: `manifest.json` (format, version, who exported it and when, and per call
its stable UUID, contact and call fields) and for each call a folder `calls/<uuid>/` with
`transcript.json`, `flags.json`, `metrics.json`, `comments.json` and `recording.flac` when the
call has one. A bundle also carries the library's coach examples (`examples.json`: the lines
a lead or rep marked "should have been flagged as KIND" or "not a problem"), so a lead can send
the team's examples to every rep. Importing skips calls whose UUID is already in the library
and examples already there, so importing the same bundle twice creates no duplicate.

This module owns the format (its constants, `read_manifest`, `BundleError`) and export, which
reads the calls and contacts tables (the call history's, calling/history.py) through the
history's view `call_history_v`. Importing is bundle_import.py's.
"""

from __future__ import annotations

import json
import os
import time
import zipfile
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from coach.library.queries import find_calls

FORMAT = "callcoach-bundle"
VERSION = 1
CALL_FIELDS = (
    "uuid",
    "direction",
    "local_number",
    "remote_number",
    "remote_uri",
    "rep",
    "started_at",
    "connected_at",
    "ended_at",
    "sip_code",
    "sip_reason",
    "disposition",
    "notes",
    "status",
)
CONTACT_FIELDS = ("uuid", "name", "company", "number", "email")
EXAMPLES_MEMBER = "examples.json"
FILE_NAMES = ("transcript", "flags", "positives", "metrics", "comments")
EXAMPLE_FIELDS = "kind, rep_text, prospect_text, previous_calls, added_by, added_at, note"


class BundleError(ValueError):
    """The file is not a usable Call Coach bundle (the message says why, in one sentence)."""


def _rows(db: Database, sql: str, params: list) -> list[dict]:
    return list(db.query(sql, params))


def export_bundle(
    db: Database,
    out: str | Path,
    *,
    call_ids: list[int] | None = None,
    exported_by: str = "",
    include_examples: bool = True,
    **filters: Any,
) -> dict:
    """Write the chosen calls (ids, or filters as for `find_calls`) to `out`, and the library's
    coach examples unless `include_examples` is False; returns the manifest."""
    if call_ids is None:
        call_ids = [c["id"] for c in find_calls(db, limit=1_000_000, **filters)]
    if not call_ids:
        raise BundleError("No calls match, so there is nothing to export.")
    out = Path(out)
    tmp = out.with_name(out.name + ".part")
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": time.time(),
        "exported_by": exported_by,
        "calls": [],
    }
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for call_id in call_ids:
            call = _rows(db, "SELECT * FROM call_history_v WHERE id = ?", [call_id])
            if not call:
                raise BundleError(f"There is no call {call_id} in the library.")
            call = call[0]
            contact = None
            if call["contact_id"] is not None and call["contact_name"] is not None:
                contact = {k: call[f"contact_{k}"] for k in CONTACT_FIELDS}
            folder = f"calls/{call['uuid']}"
            entry = {k: call[k] for k in CALL_FIELDS}
            entry["contact"] = contact
            files = {
                "transcript": _rows(
                    db,
                    "SELECT speaker, start_s AS start, end_s AS end, text, words_json"
                    " FROM utterances WHERE call_id = ? ORDER BY start_s, id",
                    [call_id],
                ),
                "flags": _rows(
                    db,
                    "SELECT kind, speaker, start_s AS start, end_s AS end, text, suggestion,"
                    " trigger, label, source, score, resembles"
                    " FROM flags WHERE call_id = ? ORDER BY start_s, id",
                    [call_id],
                ),
                "positives": _rows(
                    db,
                    "SELECT kind, start_s AS start, end_s AS end, text, label"
                    " FROM positive_marks WHERE call_id = ? ORDER BY start_s",
                    [call_id],
                ),
                "comments": _rows(
                    db,
                    "SELECT at_s, author, text, created_at FROM comments WHERE call_id = ?"
                    " ORDER BY at_s, id",
                    [call_id],
                ),
            }
            m = db.execute(
                "SELECT metrics_json FROM call_metrics WHERE call_id = ?", [call_id]
            ).fetchone()
            files["metrics"] = json.loads(m[0]) if m else None
            for name, data in files.items():
                zf.writestr(f"{folder}/{name}.json", json.dumps(data, ensure_ascii=False))
            entry["files"] = {name: f"{folder}/{name}.json" for name in files}
            rec = call["recording_path"]
            if rec and Path(rec).exists():
                # FLAC normally; a call not yet converted still has its live WAV
                name = f"{folder}/recording{Path(rec).suffix.lower() or '.flac'}"
                zf.write(rec, name, compress_type=zipfile.ZIP_STORED)
                entry["files"]["recording"] = name
            manifest["calls"].append(entry)
        if include_examples:
            examples = _rows(db, f"SELECT {EXAMPLE_FIELDS} FROM coach_examples ORDER BY id", [])
            if examples:
                zf.writestr(EXAMPLES_MEMBER, json.dumps(examples, ensure_ascii=False))
                manifest["examples"] = {"file": EXAMPLES_MEMBER, "count": len(examples)}
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    os.chmod(tmp, 0o600)  # recordings and transcripts of customers: the user's eyes only
    os.replace(tmp, out)
    return manifest


def read_manifest(zf: zipfile.ZipFile, name: str) -> dict:
    try:
        manifest = json.loads(zf.read("manifest.json"))
    except KeyError:
        raise BundleError(
            f"{name} has no manifest.json, so it is not a Call Coach bundle."
        ) from None
    except json.JSONDecodeError:
        raise BundleError(f"{name} has a damaged manifest.json.") from None
    if manifest.get("format") != FORMAT:
        raise BundleError(f"{name} is not a Call Coach bundle.")
    if int(manifest.get("version", 0)) > VERSION:
        raise BundleError(
            f"{name} was made by a newer Call Coach (bundle version "
            f"{manifest.get('version')}); update this one to import it."
        )
    return manifest
