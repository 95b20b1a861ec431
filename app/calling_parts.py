"""The Calling page's headless parts, wired from the app's services: the call lists with their
open session (read on the io worker), the engine as the dialer queue sees it (`QueueClient`),
where a queue call records, and the parts a practice call gets. No Qt here: calling_page.py
shows them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from softphone.errors import SoftphoneError

if TYPE_CHECKING:
    from calling.practice.run import PracticeSetup


def list_rows(db: Any) -> list[dict]:
    """The lists with how far they are worked and their newest unfinished session (io worker)."""
    from calling import calllists

    rows = calllists.lists(db)
    for r in rows:
        open_ = db.execute(
            "SELECT id FROM dial_sessions WHERE list_id = ? AND state != 'finished'"
            " ORDER BY id DESC LIMIT 1",
            [r["id"]],
        ).fetchone()
        r["session_id"] = open_[0] if open_ else None
    return rows


class QueueClient:
    """The engine as the queue sees it: refuses to dial while the Phone page has a call, and
    records every call it places like the Phone page does (`record_for()` gives the path)."""

    def __init__(self, engine: Any, busy: Any, record_for: Any = None) -> None:
        self._engine, self._busy, self.record_for = engine, busy, record_for

    def make_call(self, uri: str, account_id: str | None = None, record_path: str | None = None):
        if self._busy():
            raise SoftphoneError("Finish the call on the Phone page first.")
        if record_path is None and self.record_for is not None:
            record_path = self.record_for()
        return self._engine.make_call(uri, account_id, record_path)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


def record_path(q: Any) -> str | None:
    """On the queue's worker, between its call row and make_call: where the engine writes
    the call's stereo WAV (the controller turns it into the library's FLAC at the end)."""
    from app.db import data_dir
    from calling import history
    from calling.records import recording_path

    if q.call_db_id is None:
        return None
    call = history.get_call(q.db, q.call_db_id)
    if call is None:
        return None
    path = recording_path(data_dir(), call["uuid"])
    q.store.call(history.set_recording, q.call_db_id, str(path))
    return str(path)


def practice_setup(sv: Any, settings: Any) -> Callable[[], PracticeSetup]:
    """What the practice view builds its PracticeSetup with at each start: the parts a
    Phone-page call gets."""
    from app.db import data_dir
    from calling.practice.run import PracticeSetup  # loaded when practice is first opened

    def setup() -> PracticeSetup:
        return PracticeSetup(
            store=sv.store,  # the single writer (None: the history is unavailable)
            data_dir=data_dir() if sv.store is not None else None,
            model=lambda: sv.model,  # it may finish loading before the call connects
            semantic=sv.semantic_layer,
            coach_settings=settings,
            rep=settings.rep_name,
        )

    return setup
