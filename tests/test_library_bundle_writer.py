"""A bundle import keeps the single writer's rule: the slow part (unzipping, parsing,
extracting recordings) runs with no transaction open, on a read-only connection, and the
writer's job only writes rows and renames each extracted recording into place. The calls and
contacts rows go through the call history's functions (app.calls_table)."""

from __future__ import annotations

import json
import zipfile

import pytest

from app.calls_table import CALLS_TABLE
from app.db import open_database
from app.store_writer import StoreWriter
from coach.library import bundle, bundle_import, recordings
from tests.test_library_bundle import _rep_library


def _bundle(tmp_path):
    rep_db, _, _ = _rep_library(tmp_path)
    out = tmp_path / "alice.ccbundle"
    bundle.export_bundle(rep_db, out, rep="alice", exported_by="alice")
    return out


def _lead(tmp_path):
    folder = tmp_path / "lead"
    folder.mkdir()
    open_database(folder / "callcoach.db").close()
    return folder, recordings.recordings_dir(folder)


def _count(writer: StoreWriter, table: str) -> int:
    db = writer.reader()
    try:
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        db.close()


def test_recordings_are_extracted_before_the_write_job_and_renamed_in_it(tmp_path):
    out = _bundle(tmp_path)
    folder, recdir = _lead(tmp_path)
    with StoreWriter(folder / "callcoach.db") as writer:
        reader = writer.reader()  # query_only: a write in the slow part would fail here
        prepared = bundle_import.prepare_import(reader, out, recdir, CALLS_TABLE)
        (call,) = [c for c in prepared.calls if c.recording_tmp is not None]
        with zipfile.ZipFile(out) as zf:
            member = json.loads(zf.read("manifest.json"))["calls"]
            (entry,) = [e for e in member if e["uuid"] == call.uuid]
            assert call.recording_tmp.read_bytes() == zf.read(entry["files"]["recording"])
        assert not call.recording_dest.exists() and _count(writer, "calls") == 0
        inode = call.recording_tmp.stat().st_ino

        result = writer.call(bundle_import.write_import, prepared, CALLS_TABLE)
        prepared.discard()
        assert len(result["imported"]) == 2 and result["skipped"] == []
        assert call.recording_dest.stat().st_ino == inode  # moved, not copied, in the job
        assert _count(writer, "calls") == 2 and _count(writer, "contacts") == 2
        row = reader.execute(
            "SELECT recording_path FROM calls WHERE uuid = ?", [call.uuid]
        ).fetchone()
        assert row[0] == str(call.recording_dest)
        assert [p.name for p in recdir.iterdir()] == [call.recording_dest.name]
        reader.close()


def test_a_call_imported_meanwhile_is_skipped_and_its_recording_kept(tmp_path):
    out = _bundle(tmp_path)
    folder, recdir = _lead(tmp_path)
    with StoreWriter(folder / "callcoach.db") as writer:
        reader = writer.reader()
        first = bundle_import.prepare_import(reader, out, recdir, CALLS_TABLE)
        second = bundle_import.prepare_import(
            reader, out, recdir, CALLS_TABLE
        )  # both before a write
        writer.call(bundle_import.write_import, first, CALLS_TABLE)
        (dest,) = [c.recording_dest for c in first.calls if c.recording_dest is not None]
        inode = dest.stat().st_ino
        again = writer.call(bundle_import.write_import, second, CALLS_TABLE)
        for p in (first, second):
            p.discard()
        assert again["imported"] == [] and len(again["skipped"]) == 2
        assert dest.stat().st_ino == inode  # the first import's file was not replaced
        assert [p.name for p in recdir.iterdir()] == [dest.name]  # no temporary file left
        assert _count(writer, "calls") == 2
        # the next prepare sees them and extracts nothing
        third = bundle_import.prepare_import(reader, out, recdir, CALLS_TABLE)
        assert third.calls == [] and len(third.skipped) == 2
        reader.close()


def test_a_damaged_call_rolls_back_the_job_and_its_recordings(tmp_path):
    out = _bundle(tmp_path)
    damaged = tmp_path / "damaged.ccbundle"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(damaged, "w") as dst:
        manifest = json.loads(src.read("manifest.json"))
        # the call with a recording first, so its file is placed before the bad comment
        manifest["calls"].sort(key=lambda e: "recording" not in e["files"])
        for name in src.namelist():
            data = src.read(name)
            if name.endswith("comments.json"):
                data = json.dumps([{"text": "no timestamp"}] if json.loads(data) else []).encode()
            if name != "manifest.json":
                dst.writestr(name, data)
        dst.writestr("manifest.json", json.dumps(manifest))
    folder, recdir = _lead(tmp_path)
    with StoreWriter(folder / "callcoach.db") as writer:
        reader = writer.reader()
        with pytest.raises(bundle.BundleError, match="damaged.ccbundle is damaged"):
            bundle_import.import_bundle(reader, damaged, recdir, CALLS_TABLE, writer=writer)
        assert _count(writer, "calls") == 0 and _count(writer, "contacts") == 0
        assert list(recdir.iterdir()) == []  # neither the placed file nor a temporary one
        result = bundle_import.import_bundle(reader, out, recdir, CALLS_TABLE, writer=writer)
        assert len(result["imported"]) == 2 and _count(writer, "calls") == 2
        reader.close()
