"""Moving calls between machines: a rep exports calls as one bundle file, the lead imports it.

A bundle is a zip: `manifest.json` (format, version, who exported it and when, and per call
its stable UUID, contact and call fields) and for each call a folder `calls/<uuid>/` with
`transcript.json`, `flags.json`, `metrics.json`, `comments.json` and `recording.flac` when the
call has one. A bundle also carries the library's coach examples (`examples.json`: the lines
a lead or rep marked "should have been flagged as KIND" or "not a problem"), so a lead can send
the team's examples to every rep. Importing skips calls whose UUID is already in the library
and examples already there, so importing the same bundle twice creates no duplicate. Call and contact rows are written through the SQL
names of the softphone's tables (the schema is the contract; coach never imports softphone).
"""

from __future__ import annotations

import json
import os
import time
import uuid as uuidlib
import zipfile
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from coach.library import store
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
            call = _rows(db, "SELECT * FROM calls WHERE id = ?", [call_id])
            if not call:
                raise BundleError(f"There is no call {call_id} in the library.")
            call = call[0]
            contact = None
            if call["contact_id"] is not None:
                c = _rows(db, "SELECT * FROM contacts WHERE id = ?", [call["contact_id"]])
                contact = {k: c[0][k] for k in CONTACT_FIELDS} if c else None
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


def _contact_id(db: Database, contact: dict | None) -> int | None:
    if not contact:
        return None
    row = db.execute("SELECT id FROM contacts WHERE uuid = ?", [contact.get("uuid")]).fetchone()
    if row is None and contact.get("number"):
        row = db.execute(
            "SELECT id FROM contacts WHERE number = ? ORDER BY id LIMIT 1", [contact["number"]]
        ).fetchone()
    if row is not None:
        return int(row[0])
    cur = db.execute(
        "INSERT INTO contacts(uuid, name, company, number, email, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [*(contact.get(k) for k in CONTACT_FIELDS), time.time()],
    )
    return int(cur.lastrowid)


def import_bundle(db: Database, path: str | Path, recordings_dir: str | Path) -> dict:
    """Import a bundle in one transaction; returns {"imported": [uuids], "skipped": [uuids]}."""
    path = Path(path)
    if not path.exists():
        raise BundleError(f"There is no file {path}.")
    if not zipfile.is_zipfile(path):
        raise BundleError(f"{path.name} is not a Call Coach bundle (not a zip file).")
    imported, skipped = [], []
    recordings_dir = Path(recordings_dir)
    written: list[Path] = []
    with zipfile.ZipFile(path) as zf:
        manifest = read_manifest(zf, path.name)
        try:
            with db.atomic():
                for entry in manifest.get("calls", []):
                    uuid = str(uuidlib.UUID(str(entry["uuid"])))  # also keeps paths safe
                    if db.execute("SELECT 1 FROM calls WHERE uuid = ?", [uuid]).fetchone():
                        skipped.append(uuid)
                        continue
                    call_id = _insert_call(db, entry)
                    files = entry.get("files", {})

                    def load(name: str, files: dict = files) -> Any:
                        return json.loads(zf.read(files[name])) if name in files else None

                    store.add_utterances(db, call_id, load("transcript") or [])
                    store.add_flags(db, call_id, load("flags") or [])
                    for mark in load("positives") or []:
                        store.add_positive(db, call_id, mark)
                    metrics = load("metrics")
                    if metrics is not None:
                        store.save_metrics(db, call_id, metrics)
                    for c in load("comments") or []:
                        store.add_comment(
                            db,
                            call_id,
                            c["at_s"],
                            c["text"],
                            author=c.get("author", ""),
                            created_at=c.get("created_at"),
                        )
                    if "recording" in files:
                        dest = _extract_recording(zf, files["recording"], recordings_dir, uuid)
                        written.append(dest)
                        db.execute(
                            "UPDATE calls SET recording_path = ? WHERE id = ?", [str(dest), call_id]
                        )
                    imported.append(uuid)
                examples = _import_examples(db, zf, manifest.get("examples"))
        except (KeyError, ValueError, TypeError) as exc:
            for p in written:
                p.unlink(missing_ok=True)
            raise BundleError(f"{path.name} is damaged ({exc}); nothing was imported.") from exc
    return {
        "imported": imported,
        "skipped": skipped,
        "exported_by": manifest.get("exported_by"),
        "examples": examples,
    }


def _import_examples(db: Database, zf: zipfile.ZipFile, entry: dict | None) -> dict:
    """The bundle's coach examples into the library; a line already there (same kind, rep and
    prospect line) is skipped, so a second import adds nothing. The caller's transaction."""
    added = skipped = 0
    if entry:
        for e in json.loads(zf.read(entry["file"])):
            rep = " ".join(str(e["rep_text"]).split())
            prospect = " ".join(str(e.get("prospect_text") or "").split())
            kind = e.get("kind") or None
            if not rep:
                raise ValueError("an example with an empty rep line")
            cur = db.execute(
                "INSERT OR IGNORE INTO coach_examples(kind, rep_text, prospect_text,"
                " previous_calls, added_by, added_at, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [kind, rep, prospect, e.get("previous_calls"), e.get("added_by") or "",
                 float(e.get("added_at") or time.time()), e.get("note") or ""],
            )  # fmt: skip
            if cur.rowcount:
                added += 1
            else:
                skipped += 1
    return {"added": added, "skipped": skipped}


def import_beside_database(db: Database, path: str | Path) -> dict:
    """`import_bundle` with recordings kept in `recordings/` next to the database file."""
    db_file = db.execute("PRAGMA database_list").fetchone()[2]
    return import_bundle(db, path, Path(db_file).parent / "recordings")


def _insert_call(db: Database, entry: dict) -> int:
    fields = [f for f in CALL_FIELDS if f in entry]
    values = [entry[f] for f in fields]
    if entry.get("status") == "in_progress":
        values[fields.index("status")] = "interrupted"
    cur = db.execute(
        f"INSERT INTO calls(contact_id, {', '.join(fields)})"
        f" VALUES (?, {', '.join('?' for _ in fields)})",
        [_contact_id(db, entry.get("contact")), *values],
    )
    return int(cur.lastrowid)


def _extract_recording(zf: zipfile.ZipFile, member: str, dest_dir: Path, uuid: str) -> Path:
    dest_dir.mkdir(parents=True, exist_ok=True)
    suffix = Path(member).suffix.lower()
    dest = dest_dir / f"{uuid}{suffix if suffix in ('.flac', '.wav') else '.flac'}"
    old = os.umask(0o077)
    try:
        with zf.open(member) as src, open(dest, "wb") as out:
            while chunk := src.read(1 << 20):
                out.write(chunk)
    finally:
        os.umask(old)
    os.chmod(dest, 0o600)
    return dest
