"""One practice call: the simulated prospect's process, and the rep's call to it as a
`CallSession` — the same session the Phone page, the dialer queue and `call --coach` drive.

`PracticeRun(script, client, setup, on_event)` is used by the `practice` command (with an
engine of its own) and by the practice view (with the app's engine). `run()` starts the
prospect, dials it through a CallSession built from `setup` (the single StoreWriter, the
library's folder, the speech model, the semantic layer, the rep's coach settings: what any
call gets), and blocks until the prospect has hung up and the session has written the call's
last row (call it from a worker thread in a window). The session records the call, runs the
live pipeline (taps → two transcribers → LiveCoach), stores its results as they come and the
FLAC at the end; calling.practice.rows marks the call as practice through the same writer.

Events reach `on_event` as dicts, on the run's threads: said / heard / ended from the
prospect, flag from the session's live coach. The session's own typed events (calling.events)
reach the listeners given to `add_listener`, as they would for any call.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from calling.events import FlagRaised, Listener, LiveCoachStarted
from calling.practice import rows

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
Event = dict[str, Any]


class PracticeError(RuntimeError):
    """The practice could not run; one sentence."""


@dataclass(frozen=True)
class PracticeSetup:
    """What the rep's side of a practice call is built with: the parts any CallSession gets."""

    store: Any = None  # the app's single StoreWriter; None: nothing is stored
    data_dir: Path | None = None  # the library's folder (where the FLAC goes)
    model: Any = None  # the Vosk model, or a callable giving it when the call connects
    semantic: Callable[[], Any] | None = None  # the loaded semantic layer (None: rules alone)
    coach_settings: Any = None  # rule_pack, monologue_seconds (app Settings or CoachSettings)
    rep: str = ""
    live_coach: bool = True


class PeerProcess:
    """The prospect's process (`python -m calling.practice.peer`) and the JSON events it prints."""

    def __init__(self, script: Path, on_event: Callable[[Event], None]) -> None:
        self.events: list[Event] = []
        self.stderr: list[str] = []
        self.cond = threading.Condition()
        self.on_event = on_event
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "calling.practice.peer", str(script)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, name="practice-peer-out", daemon=True).start()
        threading.Thread(target=self._err, name="practice-peer-err", daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            self._add(event)
        self._add({"event": "exited"})

    def _add(self, event: Event) -> None:
        with self.cond:
            self.events.append(event)
            self.cond.notify_all()
        if event["event"] in ("said", "heard", "ended"):
            try:
                self.on_event(event)
            except Exception:  # a listener never breaks the sender
                log.exception("practice listener failed")

    def _err(self) -> None:
        for line in self.proc.stderr:
            self.stderr = (self.stderr + [line.rstrip()])[-20:]

    def wait(self, kinds: tuple[str, ...], timeout: float) -> Event:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for e in self.events:
                    if e["event"] in kinds:
                        return e
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"the simulated prospect sent no {kinds} in {timeout} s")
                self.cond.wait(left)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class PracticeRun:
    def __init__(
        self,
        script: Any,
        client: Any,
        setup: PracticeSetup | None = None,
        on_event: Callable[[Event], None] = lambda e: None,
        *,
        record: Path | None = None,
    ) -> None:
        """`record`: where to keep the call's WAV (default: the session's choice, which
        becomes the library's FLAC)."""
        self.script, self.client = script, client
        self.setup = setup or PracticeSetup()
        self.on_event, self.record = on_event, record
        self.session: Any = None  # the CallSession, once the prospect is ready
        self.path_taken: list[str] = []
        self.stored: int | None = None  # the library's call id, once stored
        self.recording: str | None = None  # where the recording ended up
        self.warning = ""
        self._listeners: list[Listener] = []

    def add_listener(self, fn: Listener) -> None:
        """Hear the session's typed events (calling.events); add before `run()`."""
        self._listeners.append(fn)

    def run(self, timeout: float = 300.0) -> list[str]:
        """Start the prospect, call it, return the script path once it hung up and the call's
        rows are written."""
        if self.record is not None:
            self.record.parent.mkdir(parents=True, exist_ok=True)
        peer = PeerProcess(self.script.path, self.on_event)
        session = None
        try:
            ready = peer.wait(("ready", "exited"), 60)
            if ready["event"] != "ready":
                tail = peer.stderr[-1] if peer.stderr else "no output"
                raise PracticeError(f"The simulated prospect did not start: {tail}")
            session = self.session = self._session()
            self._dial(session, int(ready["port"]))
            end = peer.wait(("ended", "exited"), timeout)
            self.path_taken = end.get("path", [])
            # The prospect hangs up after "ended": the engine's event ends the session.
            if not session.ended.wait(30):
                _hang_up(session)
            session.ended.wait(60)  # the transcribers flush, the FLAC is made
        finally:
            if session is not None:
                if not session.ended.is_set():
                    _hang_up(session)
                    session.ended.wait(30)
                session.close()
                self.recording = session.recording
            peer.stop()
        self._store_path(session)
        return self.path_taken

    def _session(self) -> Any:
        from calling.session import CallSession

        s = self.setup
        session = CallSession(
            self.client,
            store=s.store,
            data_dir=s.data_dir if s.store is not None else None,
            model=s.model,
            semantic=s.semantic,
            coach_settings=s.coach_settings,
            previous_calls=0,  # a simulated prospect: always a first call
            rep=s.rep,
            record_path=str(self.record) if self.record is not None else None,
            live_coach=s.live_coach,
        )
        session.add_listener(self._on_session_event)
        for fn in self._listeners:
            session.add_listener(fn)
        return session

    def _dial(self, session: Any, port: int) -> None:
        store, name = self.setup.store, rows.contact_name(self.script.prospect_name)
        if store is not None:  # before the session's row, which then finds the contact
            store.submit(rows.ensure_contact, name)
        placed = session.dial(f"sip:prospect@127.0.0.1:{port}", "", name)
        concurrent.futures.wait([placed], 60)  # the session's row is queued by now
        if store is not None:
            store.submit(rows.mark_practice, session.uuid, self.script.path.stem,
                         self.script.title)  # fmt: skip
        placed.result(0)  # the engine's refusal, as an exception (the session has ended)

    def _store_path(self, session: Any) -> None:
        store = self.setup.store
        if store is None or session is None:
            return
        self.stored = store.call(rows.set_path, session.uuid, json.dumps(self.path_taken),
                                 timeout=30)  # fmt: skip

    def _on_session_event(self, event: Any) -> None:
        """The session's listener (its threads): flags become practice events."""
        if isinstance(event, FlagRaised):
            f = event.flag
            self.on_event({"event": "flag", "kind": f.kind, "text": f.text,
                           "suggestion": f.suggestion})  # fmt: skip
        elif isinstance(event, LiveCoachStarted) and not event.transcribing:
            self.warning = f"The live coach is off: {event.error or 'no speech model is loaded.'}"


def _hang_up(session: Any) -> None:
    try:
        session.hangup().result(10)
    except Exception:  # the call may be gone already; the session ends anyway
        log.debug("hanging up the practice call failed", exc_info=True)
