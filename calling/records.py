"""A call's rows in the history and the library, written as StoreWriter jobs, and where its
recording goes.

Each `fn(db, ...)` runs on the single writer thread. Calls are keyed by the UUID the
CallSession makes at dial/ring time, so nobody waits for a row id.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def start_call_row(db: Any, uuid: str, direction: str, number: str, uri: str, name: str,
                    started: float, rep: str = "") -> None:  # fmt: skip
    from calling import history

    contact_id = history.find_contact(db, name, number) if (name or number) else None
    history.start_call(db, direction=direction, remote_number=number, remote_uri=uri,
                       contact_id=contact_id, started_at=started, uuid=uuid, rep=rep)  # fmt: skip


def recording_path(data_dir: str | Path, uuid: str) -> Path:
    """Where the engine writes a call's stereo WAV (left rep, right prospect); the folder is
    made private. `encode_recording` turns it into the library's FLAC after the call."""
    path = Path(data_dir) / "recordings" / f"live-{uuid}.wav"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def set_recording(db: Any, uuid: str, path: str) -> None:
    from calling import history

    cid = history.call_id_for_uuid(db, uuid)
    if cid is not None:
        history.set_recording(db, cid, path)


def recording_of(db: Any, uuid: str) -> str | None:
    """Where the call's row says its recording is (for a call someone else placed: the
    dialer queue set the path on the row it made)."""
    from calling import history

    cid = history.call_id_for_uuid(db, uuid)
    row = history.get_call(db, cid) if cid is not None else None
    return row["recording_path"] if row else None


def encode_recording(wav: str | Path, data_dir: str | Path, uuid: str) -> Path:
    """The live WAV as the library's FLAC (`recordings/<uuid>.flac`). Runs on the session's
    own thread before the row is finished: encoding takes a while and must not happen inside
    the writer's transaction, where it would stall every other write."""
    from coach.library.recordings import recordings_dir, store_recording

    return store_recording(wav, recordings_dir(data_dir), uuid)


def record_live(db: Any, uuid: str, **rows: Any) -> int | None:
    """What the live coach produced since the last time (utterances, flags, positives,
    metrics) for the call known by its UUID; returns its id (None: no such call)."""
    from calling import history
    from coach.library.store import save_live

    cid = history.call_id_for_uuid(db, uuid)
    if cid is not None:
        save_live(db, cid, **rows)
    return cid


def mark_connected(db: Any, uuid: str, at: float) -> None:
    from calling import history

    cid = history.call_id_for_uuid(db, uuid)
    if cid is not None:
        history.call_connected(db, cid, at)


def finish_row(db: Any, uuid: str, at: float, code: int | None, reason: str,
                status: str | None, recording: str | None = None) -> None:  # fmt: skip
    """The call ended; `recording`: its FLAC, already encoded, replaces the live WAV's path."""
    from calling import history

    cid = history.call_id_for_uuid(db, uuid)
    if cid is not None:
        history.finish_call(db, cid, ended_at=at, sip_code=code, sip_reason=reason or None,
                            status=status)  # fmt: skip
        if recording is not None:
            history.set_recording(db, cid, recording)
