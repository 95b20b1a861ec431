"""Importing a recorded call into the library: transcribe (a stereo WAV) or read (a
transcript JSON), run the coach over it, store the call, its analysis and the FLAC.

Used by `main.py import` and by anything in the app that brings in a call recorded
elsewhere. The coach is the one calls get: phrase rules plus the semantic layer in use (the
library's retrained one, else the shipped one; rules alone without an encoder). Bad input
raises `ImportInputError` (a ValueError) with one sentence.
"""

from __future__ import annotations

import json
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
    path: Path, previous_calls: int | None, model: str | None = None, semantic: Any = None
) -> Any:
    """The coach's analysis of a WAV or transcript JSON (an `AnalysisResult`), or the dict of
    a JSON that is already an `analyze --json` result."""
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

    utts, from_file = load_call(path, model)
    return analyze_utterances(
        utts, previous_calls if previous_calls is not None else from_file, semantic=semantic
    )


def import_call(
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
) -> int:
    """Analyse a recorded call and store it (call row, analysis, FLAC); returns the call id.
    `semantic`: a loaded layer, None for the rules alone, AUTO to load the one in use."""
    from app.db import database_dir
    from coach.library import recordings, store
    from softphone import history

    path = Path(path)
    if not path.exists():
        raise ImportInputError(f"There is no file {path}.")
    if disposition and disposition not in history.DISPOSITIONS:
        raise ImportInputError(
            f"Unknown disposition {disposition!r}; use one of: {', '.join(history.DISPOSITIONS)}."
        )
    known = history.find_contact(db, contact, number)
    if previous_calls is None:
        previous_calls = (
            history.previous_calls(db, contact_id=known, before=started_at) if known else 0
        )
    if semantic is AUTO:
        semantic = semantic_for(database_dir(db))
    result = analyze_file(path, previous_calls, model, semantic)
    utts = result["utterances"] if isinstance(result, dict) else result.utterances
    ends = [float(u["end"]) if isinstance(u, dict) else u.end for u in utts]
    length = max(ends, default=0.0)
    started = started_at if started_at is not None else path.stat().st_mtime - length
    with db.atomic():
        contact_id = known if known else history.add_contact(db, contact, number)
        call_id = history.start_call(
            db,
            direction=direction,
            remote_number=number,
            contact_id=contact_id,
            rep=rep,
            started_at=started,
            status="imported",
        )
        if utts:
            history.call_connected(db, call_id, started)
        history.finish_call(db, call_id, ended_at=started + length, status="imported")
        if disposition:
            history.set_disposition(db, call_id, disposition)
        store.save_analysis(db, call_id, result)
    if path.suffix.lower() != ".json":
        uuid = history.get_call(db, call_id)["uuid"]
        flac = recordings.store_recording(path, recordings.recordings_dir(database_dir(db)), uuid)
        history.set_recording(db, call_id, str(flac))
    return call_id
