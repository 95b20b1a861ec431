"""The call's rows in the history and the library, written as StoreWriter jobs.

Each function runs on the single writer thread as `fn(db, ...)`. Calls are keyed by the UUID
the controller makes at dial/ring time, so nothing on the GUI thread waits for a row id.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def start_call_row(db: Any, uuid: str, direction: str, number: str, uri: str, name: str,
                    started: float, rep: str = "") -> None:  # fmt: skip
    from softphone import history

    contact_id = history.find_contact(db, name, number) if (name or number) else None
    history.start_call(db, direction=direction, remote_number=number, remote_uri=uri,
                       contact_id=contact_id, started_at=started, uuid=uuid, rep=rep)  # fmt: skip


def set_recording(db: Any, uuid: str, path: str) -> None:
    from softphone import history

    cid = history.call_id_for_uuid(db, uuid)
    if cid is not None:
        history.set_recording(db, cid, path)


def finalize_recording(db: Any, uuid: str) -> None:
    """The live WAV becomes the library's FLAC (a damaged one keeps its transcript anyway)."""
    from app.db import data_dir
    from coach.library.recordings import finalize_call_recording
    from softphone import history

    cid = history.call_id_for_uuid(db, uuid)
    if cid is None:
        return
    try:
        finalize_call_recording(db, cid, data_dir())
    except (OSError, ValueError, RuntimeError) as e:
        log.warning("the recording of call %s could not be converted: %s", cid, e)


def mark_connected(db: Any, uuid: str, at: float) -> None:
    from softphone import history

    cid = history.call_id_for_uuid(db, uuid)
    if cid is not None:
        history.call_connected(db, cid, at)


def finish_row(db: Any, uuid: str, at: float, code: int | None, reason: str,
                status: str | None) -> None:  # fmt: skip
    from softphone import history

    cid = history.call_id_for_uuid(db, uuid)
    if cid is not None:
        history.finish_call(db, cid, ended_at=at, sip_code=code, sip_reason=reason or None,
                            status=status)  # fmt: skip


def save_session(db: Any, uuid: str, session: Any) -> None:
    from coach.library import store as lib
    from softphone import history

    cid = history.call_id_for_uuid(db, uuid)
    if cid is None:
        return
    lib.add_utterances(db, cid, sorted(session.utterances, key=lambda u: u.start))
    lib.add_flags(db, cid, list(session.flags))
    for m in session.positives:
        lib.add_positive(db, cid, m)
    if session.metrics:
        lib.save_metrics(db, cid, session.metrics)
