"""Importing a recorded call into the library: transcribe (a stereo WAV) or read (a
transcript JSON), run the coach over it, store the call, its analysis and the FLAC.

Used by `main.py import` and by anything in the app that brings in a call recorded
elsewhere. The coach is the one calls get: phrase rules plus the semantic layer in use (the
library's retrained one, else the shipped one; rules alone without an encoder). Bad input
raises `ImportInputError` (a ValueError) with one sentence.
"""

from __future__ import annotations

import json
import uuid as uuidlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ImportInputError(ValueError):
    """The file cannot be imported; the message says why in one sentence."""


AUTO: Any = object()  # `semantic=AUTO`: load the layer in use for the library's data folder


def semantic_for(data_dir: Path | None) -> Any:
    """The semantic layer in use for a data folder, or None (the coach on rules alone)."""
    from coach.semantic.service import load_layer

    return load_layer(data_dir).layer


def analyze_file(
    path: Path,
    previous_calls: int | None,
    model: str | None = None,
    semantic: Any = None,
    data_dir: Path | None = None,
    learned_before: frozenset[str] | set[str] | None = None,
) -> Any:
    """The coach's analysis of a WAV or transcript JSON (an `AnalysisResult`), or the dict of
    a JSON that is already an `analyze --json` result. `semantic=AUTO` loads the layer in use
    for `data_dir`, only when there is something to analyse."""
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ImportInputError(
                f"{path.name} is not a readable transcript JSON ({exc})."
            ) from None
        if isinstance(data, dict) and {"utterances", "flags", "metrics"} <= data.keys():
            return data  # already analysed (the output of `analyze --json`)
    from coach.analyze import load_call
    from coach.engine import analyze_utterances

    if semantic is AUTO:
        semantic = semantic_for(data_dir)
    utts, from_file = load_call(path, model)
    return analyze_utterances(
        utts,
        previous_calls if previous_calls is not None else from_file,
        semantic=semantic,
        learned_before=learned_before,
    )


@dataclass
class PreparedImport:
    """A call analysed and its FLAC already encoded: all that is left is one short write."""

    contact: str
    number: str | None
    known_contact: int | None
    rep: str
    direction: str
    started: float
    length: float
    connected: bool
    disposition: str | None
    result: Any
    uuid: str
    recording: str | None


def prepare_import(
    db: Any,
    path: str | Path,
    *,
    contact: str,
    number: str | None = None,
    rep: str = "",
    direction: str = "outbound",
    started_at: float | None = None,
    previous_calls: int | None = None,
    disposition: str | None = None,
    model: str | None = None,
    semantic: Any = AUTO,
) -> PreparedImport:
    """The slow part of an import, with no transaction open: read what the history knows of
    the contact (`db` may be a read-only connection), analyse the call and encode its FLAC."""
    from app.db import database_dir
    from calling import history
    from coach.library import recordings
    from coach.library.queries import learned_before

    path = Path(path)
    if not path.exists():
        raise ImportInputError(f"There is no file {path}.")
    if disposition and disposition not in history.DISPOSITIONS:
        raise ImportInputError(
            f"Unknown disposition {disposition!r}; use one of: {', '.join(history.DISPOSITIONS)}."
        )
    known = history.find_contact(db, contact, number)
    in_history = history.previous_calls(db, contact_id=known, before=started_at) if known else 0
    if previous_calls is None:
        previous_calls = in_history
    # What the earlier calls learned is known only when the library holds every one of them.
    learned = (
        learned_before(db, contact_id=known, before=started_at)
        if known and previous_calls == in_history
        else (set() if previous_calls == 0 else None)
    )
    result = analyze_file(path, previous_calls, model, semantic, database_dir(db), learned)
    utts = result["utterances"] if isinstance(result, dict) else result.utterances
    ends = [float(u["end"]) if isinstance(u, dict) else u.end for u in utts]
    length = max(ends, default=0.0)
    started = started_at if started_at is not None else path.stat().st_mtime - length
    uuid = str(uuidlib.uuid4())
    flac = None
    if path.suffix.lower() != ".json":
        folder = recordings.recordings_dir(database_dir(db))
        flac = str(recordings.store_recording(path, folder, uuid))
    return PreparedImport(contact, number, known, rep, direction, started, length, bool(utts),
                          disposition, result, uuid, flac)  # fmt: skip


def write_import(db: Any, p: PreparedImport) -> int:
    """The write job of an import (one transaction): contact, call row, analysis, recording."""
    from calling import history
    from coach.library import store

    contact_id = p.known_contact or history.find_contact(db, p.contact, p.number)
    if contact_id is None:
        contact_id = history.add_contact(db, p.contact, p.number)
    call_id = history.start_call(
        db,
        direction=p.direction,
        remote_number=p.number,
        contact_id=contact_id,
        rep=p.rep,
        started_at=p.started,
        status="imported",
        uuid=p.uuid,
    )
    if p.connected:
        history.call_connected(db, call_id, p.started)
    history.finish_call(db, call_id, ended_at=p.started + p.length, status="imported")
    if p.disposition:
        history.set_disposition(db, call_id, p.disposition)
    store.save_analysis(db, call_id, p.result)
    if p.recording is not None:
        history.set_recording(db, call_id, p.recording)
    return call_id


def import_call(
    db: Any,
    path: str | Path,
    *,
    writer: Any = None,
    **options: Any,
) -> int:
    """Analyse a recorded call and store it (call row, analysis, FLAC); returns the call id.
    `options` are `prepare_import`'s (contact, number, rep, ..., `semantic`: a loaded layer,
    None for the rules alone, AUTO to load the one in use). With `writer` (the app's
    StoreWriter) `db` is only read and the rows are one job of the writer; without it (a
    command-line process, its own only writer) they are one transaction on `db`."""
    prepared = prepare_import(db, path, **options)
    try:
        if writer is not None:
            return int(writer.call(write_import, prepared, timeout=60))
        with db.atomic():
            return write_import(db, prepared)
    except BaseException:
        if prepared.recording is not None:  # nothing points at it
            Path(prepared.recording).unlink(missing_ok=True)
        raise
