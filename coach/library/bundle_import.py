"""Importing a Call Coach bundle (the format and export are bundle.py's) in two steps, so the
single writer never waits on a zip: `prepare_import` (no transaction: check the bundle, parse
its files, extract recordings to temporary files beside their final names) and `write_import`
(one short job: contacts, calls and their analysis, a rename of each recording into place, the
coach examples). Calls whose UUID is already in the library and examples already there are
skipped, so importing the same bundle twice creates no duplicate. The calls and contacts
tables are the call history's: they are written only through the `CallsTable` app/ hands in.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import uuid as uuidlib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from coach.library import store
from coach.library.bundle import (
    CALL_FIELDS,
    CONTACT_FIELDS,
    FILE_NAMES,
    BundleError,
    read_manifest,
)
from coach.library.call_history import CallsTable


@dataclass
class PreparedCall:
    """One call of a bundle, read and checked, its recording (if any) already extracted to a
    temporary file beside where it will live."""

    uuid: str
    entry: dict[str, Any]
    files: dict[str, Any]  # transcript, flags, positives, metrics, comments (parsed JSON)
    recording_tmp: Path | None = None
    recording_dest: Path | None = None


@dataclass
class PreparedBundle:
    """A bundle with everything slow done (unzipping, parsing, extracting recordings) and no
    transaction open: what is left is `write_import`, one short job of the writer."""

    name: str
    exported_by: Any
    calls: list[PreparedCall] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    examples: list[dict[str, Any]] = field(default_factory=list)

    def discard(self) -> None:
        """Remove the extracted recordings no call row points at (call after the write job,
        whether it succeeded or not: the ones it placed are no longer temporary)."""
        for call in self.calls:
            if call.recording_tmp is not None:
                call.recording_tmp.unlink(missing_ok=True)
                call.recording_tmp = None


def _damaged(name: str, exc: BaseException) -> BundleError:
    return BundleError(f"{name} is damaged ({exc}); nothing was imported.")


def prepare_import(
    db: Database, path: str | Path, recordings_dir: str | Path, calls: CallsTable
) -> PreparedBundle:
    """The slow part of an import, with no transaction open (`db` may be a read-only
    connection): check the bundle, parse its files, and extract the recordings of the calls
    not yet in the library. On error nothing is left behind. Call `discard()` when done."""
    path = Path(path)
    if not path.exists():
        raise BundleError(f"There is no file {path}.")
    if not zipfile.is_zipfile(path):
        raise BundleError(f"{path.name} is not a Call Coach bundle (not a zip file).")
    recordings_dir = Path(recordings_dir)
    with zipfile.ZipFile(path) as zf:
        manifest = read_manifest(zf, path.name)
        prepared = PreparedBundle(path.name, manifest.get("exported_by"))
        try:
            for entry in manifest.get("calls", []):
                uuid = str(uuidlib.UUID(str(entry["uuid"])))  # also keeps paths safe
                if calls.call_id_for_uuid(db, uuid) is not None:
                    prepared.skipped.append(uuid)
                    continue
                names = entry.get("files", {})
                files = {name: json.loads(zf.read(names[name])) for name in FILE_NAMES
                         if name in names}  # fmt: skip
                call = PreparedCall(uuid, entry, files)
                prepared.calls.append(call)
                if "recording" in names:
                    call.recording_tmp, call.recording_dest = _extract_recording(
                        zf, names["recording"], recordings_dir, uuid
                    )
            examples = manifest.get("examples")
            if examples:
                prepared.examples = json.loads(zf.read(examples["file"]))
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            prepared.discard()
            raise _damaged(path.name, exc) from exc
        except BaseException:
            prepared.discard()
            raise
    return prepared


def write_import(db: Database, prepared: PreparedBundle, calls: CallsTable) -> dict:
    """The write job of an import (one transaction, submitted to the writer or run in
    `db.atomic()`): contacts, calls and their analysis, recordings moved into place,
    examples. A call imported since `prepare_import` looked is skipped here too."""
    imported, skipped, placed = [], list(prepared.skipped), []
    try:
        for call in prepared.calls:
            if calls.call_id_for_uuid(db, call.uuid) is not None:
                skipped.append(call.uuid)
                continue
            contact = call.entry.get("contact")
            contact_id = None
            if contact:
                contact_id = calls.upsert_contact(db, **{k: contact.get(k) for k in CONTACT_FIELDS})
            fields = {k: call.entry[k] for k in CALL_FIELDS if k in call.entry}
            call_id = calls.insert_imported_call(db, fields, contact_id)
            files = call.files
            store.add_utterances(db, call_id, files.get("transcript") or [])
            store.add_flags(db, call_id, files.get("flags") or [])
            for mark in files.get("positives") or []:
                store.add_positive(db, call_id, mark)
            if files.get("metrics") is not None:
                store.save_metrics(db, call_id, files["metrics"])
            for c in files.get("comments") or []:
                store.add_comment(db, call_id, c["at_s"], c["text"],
                                  author=c.get("author", ""), created_at=c.get("created_at"))  # fmt: skip
            if call.recording_tmp is not None and call.recording_dest is not None:
                # a rename, not a copy: the bytes were written before the transaction
                os.replace(call.recording_tmp, call.recording_dest)
                call.recording_tmp = None
                placed.append(call.recording_dest)
                calls.set_recording(db, call_id, str(call.recording_dest))
            imported.append(call.uuid)
        examples = _import_examples(db, prepared.examples)
    except BaseException as exc:
        for p in placed:  # the rows pointing at them are rolled back with the job
            p.unlink(missing_ok=True)
        if isinstance(exc, (KeyError, ValueError, TypeError, AttributeError)):
            raise _damaged(prepared.name, exc) from exc
        raise
    return {
        "imported": imported,
        "skipped": skipped,
        "exported_by": prepared.exported_by,
        "examples": examples,
    }


def import_bundle(
    db: Database,
    path: str | Path,
    recordings_dir: str | Path,
    calls: CallsTable,
    *,
    writer: Any = None,
) -> dict:
    """Import a bundle; returns {"imported": [uuids], "skipped": [uuids], "exported_by",
    "examples"}. The slow part runs first with no transaction open; the rows are then one
    job of `writer` (the app's StoreWriter; `db` is only read) or, without it (a command-line
    process, its own only writer), one transaction on `db`."""
    prepared = prepare_import(db, path, recordings_dir, calls)
    try:
        if writer is not None:
            return writer.call(write_import, prepared, calls, timeout=120)
        with db.atomic():
            return write_import(db, prepared, calls)
    finally:
        prepared.discard()


def _import_examples(db: Database, examples: list[dict[str, Any]]) -> dict:
    """The bundle's coach examples into the library; a line already there (same kind, rep and
    prospect line) is skipped, so a second import adds nothing. The caller's transaction."""
    added = skipped = 0
    for e in examples:
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


def import_beside_database(
    db: Database, path: str | Path, calls: CallsTable, *, writer: Any = None
) -> dict:
    """`import_bundle` with recordings kept in `recordings/` next to the database file."""
    return import_bundle(db, path, recordings_beside(db), calls, writer=writer)


def recordings_beside(db: Database) -> Path:
    """The private `recordings/` folder next to the database file of `db`."""
    from coach.library import recordings  # numpy and soundfile: only when importing

    db_file = db.execute("PRAGMA database_list").fetchone()[2]
    return recordings.recordings_dir(Path(db_file).parent)


def _extract_recording(
    zf: zipfile.ZipFile, member: str, dest_dir: Path, uuid: str
) -> tuple[Path, Path]:
    """Unzip a recording to a private temporary file beside its final name; returns (temp,
    final). The write job renames it, so a call already here never has its file replaced."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    suffix = Path(member).suffix.lower()
    dest = dest_dir / f"{uuid}{suffix if suffix in ('.flac', '.wav') else '.flac'}"
    fd, tmp_name = tempfile.mkstemp(prefix=f".{uuid}.", suffix=".part", dir=dest_dir)  # 0600
    tmp = Path(tmp_name)
    try:
        with zf.open(member) as src, os.fdopen(fd, "wb") as out:
            while chunk := src.read(1 << 20):
                out.write(chunk)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, dest
