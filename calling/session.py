"""One call, headless: `CallSession` owns a call from dial (or ring, or a hand-over from the
dialer queue) to the last row written.

It writes the call's history row and recording path, follows the engine's events for its call,
runs the live pipeline (taps → two transcribers → LiveCoach, with the semantic layer when one
is loaded) while the call is connected, persists each result through the StoreWriter as it
comes, and at the end stops the pipeline, finishes the row, turns the recording into the
library's FLAC and publishes `CallEnded` with what the coach made of the call.

Threads: everything the session does runs on its own `call-session` worker (a SerialWorker),
so engine events, commands from the window and the end of the call are applied in order and
the engine client's event thread never waits on us (the listener only enqueues). Commands
return Futures. Listeners get the typed events of `calling.events` on the session's threads
(the worker and the pipeline's `live-coach` thread); a listener that raises is logged.
`close()` stops the worker once the call has ended.

Without a store the session writes nothing (the command line's `call --coach` without a
library); without a model the coach has no transcript to judge, and says so.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid as uuidlib
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from calling import records
from calling.events import (
    CallEnded,
    Listener,
    Listeners,
    LiveCoachStarted,
    SessionStateChanged,
)
from calling.live import CoachSettings, LivePipeline, make_coach
from softphone.protocol import LIVE_STATES, EngineCrashed
from softphone.protocol import CallStateChanged as EngineCallState
from softphone.serial_worker import SerialWorker

log = logging.getLogger(__name__)


class CallSession:
    def __init__(
        self,
        engine: Any,
        *,
        store: Any = None,
        data_dir: str | Path | None = None,
        model: Any = None,
        semantic: Callable[[], Any] | None = None,
        coach_settings: Any = None,
        previous_calls: int | None = None,
        rep: str = "",
        record_path: str | None = None,
        live_coach: bool = True,
    ) -> None:
        """`store`: the StoreWriter (None: no rows); `data_dir`: the library's folder (live
        recordings and their FLAC); `semantic()` gives the loaded semantic layer when the call
        connects (None: rules alone); `coach_settings` has rule_pack and monologue_seconds;
        `record_path` overrides where the recording goes (default: the data folder); a WAV
        put there is kept after the library's FLAC is made from it."""
        self.engine, self.store, self.model = engine, store, model
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.semantic = semantic
        self.coach_settings = coach_settings or CoachSettings()
        self.previous_calls = previous_calls  # may be set until the call connects
        # Qualification topics learned on earlier calls with the contact (None: unknown);
        # may be set until the call connects, like previous_calls.
        self.learned_before: frozenset[str] | None = None
        self.rep, self.record_path, self.live_coach = rep, record_path, live_coach
        self.uuid = str(uuidlib.uuid4())
        self.call_id: str | None = None
        self.state = "new"
        self.number = self.name = ""
        self.connected_at: float | None = None
        self.live: LivePipeline | None = None
        self._wav: str | None = None  # the live recording, once the engine was told of it
        self.recording: str | None = None  # once ended: the library's FLAC, else the WAV
        self.result: Any = None  # coach.results.AnalysisResult once ended
        self.ended = threading.Event()
        self._listeners = Listeners()
        self._worker = SerialWorker("call-session")
        self._worker.start()
        engine.add_listener(self._on_engine_event)

    # -- listeners -------------------------------------------------------------------------
    def add_listener(self, fn: Listener) -> None:
        self._listeners.add(fn)

    def remove_listener(self, fn: Listener) -> None:
        self._listeners.remove(fn)

    def _publish(self, event: Any) -> None:
        self._listeners.publish(event)

    # -- commands (any thread; they run on the session's worker) --------------------------
    def dial(self, uri: str, number: str = "", name: str = "",
             account_id: str | None = None) -> Future:  # fmt: skip
        """Place the call; the Future gives the engine's call id (or the error, after the
        session has ended as a failed call)."""
        return self._worker.submit(self._dial, uri, number, name, account_id)

    def ring(self, call_id: str, number: str, name: str, uri: str) -> Future:
        """An incoming call rings: its history row; `answer()` or `reject()` follows."""
        return self._worker.submit(self._ring, call_id, number, name, uri)

    def adopt(self, call_id: str, uuid: str | None, number: str, name: str) -> Future:
        """Take over a call someone else placed with its own history row (the dialer queue):
        the session follows it, coaches it and finishes its row. Call before anything else."""
        self.uuid = uuid or self.uuid
        return self._worker.submit(self._adopt, call_id, number, name)

    def answer(self) -> Future:
        return self._worker.submit(self._answer)

    def reject(self, code: int = 486) -> Future:
        return self._worker.submit(self._reject, code)

    def hangup(self) -> Future:
        """Hang up (or cancel a call not placed yet); the engine's event ends the session."""
        return self._worker.submit(self._hangup)

    def know_contact(
        self, previous_calls: int | None, learned_before: frozenset[str] | None = None
    ) -> None:
        """What the history knows of the contact: earlier calls and the qualification topics
        learned on them. Used by the coach when the call connects (later: no effect)."""
        self.previous_calls = previous_calls
        self.learned_before = learned_before

    def mark_connected(self) -> None:
        """The call is known to be up (a hand-over that may have come after the engine said)."""
        self._worker.post(self._connected)

    def end(self, sentence: str, code: int | None = None, reason: str = "",
            status: str | None = None) -> None:  # fmt: skip
        """End the session now (the engine stopped, the call was handed back): rows finished."""
        self._worker.post(self._finish, sentence, code, reason, status)

    def close(self, timeout: float = 15.0) -> None:
        """Stop following the engine and stop the worker; ends the session first if needed."""
        if self._worker.alive and not self.ended.is_set():
            self.end("Call ended.")
        self.ended.wait(timeout)
        self._worker.stop(timeout)
        self.engine.remove_listener(self._on_engine_event)

    def snapshot(self) -> dict | None:
        """The live pipeline's latest partials, levels and metrics (for a poll timer)."""
        live = self.live
        return live.snapshot() if live is not None else None

    @property
    def samples(self) -> dict[str, int]:
        """Samples of call audio read from each tap so far (0 before the call connects)."""
        live = self.live
        return dict(live.samples) if live is not None else {"rep": 0, "prospect": 0}

    # -- on the worker ---------------------------------------------------------------------
    def _write(self, fn: Callable[..., Any], *args: Any) -> None:
        if self.store is not None:
            self.store.submit(fn, self.uuid, *args)

    def _set(self, state: str, sentence: str = "") -> None:
        self.state = state
        self._publish(SessionStateChanged(self.uuid, self.call_id, state, sentence))

    def _start_row(self, direction: str, number: str, name: str, uri: str) -> None:
        self.number, self.name = number, name
        if self.store is not None:
            self.store.submit(records.start_call_row, self.uuid, direction, number, uri, name,
                              time.time(), self.rep)  # fmt: skip

    def _recording(self) -> str | None:
        """Where the engine records this call (set on its row)."""
        path = self.record_path
        if path is None and self.store is not None and self.data_dir is not None:
            path = str(records.recording_path(self.data_dir, self.uuid))
        if path is not None:
            self._wav = str(path)
            self._write(records.set_recording, str(path))
        return path

    def _dial(self, uri: str, number: str, name: str, account_id: str | None) -> str:
        self._start_row("outbound", number, name, uri)
        self._set("calling")
        try:
            self.call_id = self.engine.make_call(uri, account_id, self._recording())
        except Exception as e:
            self._finish(_sentence(e), status="failed")
            raise
        return self.call_id

    def _ring(self, call_id: str, number: str, name: str, uri: str) -> None:
        self.call_id = call_id
        self._start_row("inbound", number, name, uri)
        self._set("incoming")

    def _adopt(self, call_id: str, number: str, name: str) -> None:
        self.call_id, self.number, self.name = call_id, number, name
        self._set("calling")

    def _answer(self) -> None:
        if self.call_id is not None and not self.ended.is_set():
            self.engine.answer(self.call_id, self._recording())

    def _reject(self, code: int) -> None:
        if self.call_id is not None:
            self.engine.reject(self.call_id, code)
        self._finish("You declined the call.")

    def _hangup(self) -> None:
        if self.ended.is_set():
            return
        if self.call_id is None:
            self._finish("Call cancelled.")
            return
        self.engine.hangup(self.call_id)

    def _on_engine_event(self, event: Any) -> None:  # the engine client's thread: enqueue only
        if isinstance(event, EngineCallState | EngineCrashed):
            self._worker.post(self._on_event, event)

    def _on_event(self, event: Any) -> None:
        if self.ended.is_set():
            return
        if isinstance(event, EngineCrashed):
            if self.state in LIVE_STATES:
                self._finish(event.reason or "The phone engine stopped.")
            return
        if event.call_id != self.call_id:
            return
        state = event.state
        if event.direction == "incoming" and state in ("calling", "ringing", "early"):
            state = "incoming"  # the rep's side of a ringing inbound call
        if state == "disconnected":
            self._finish(event.sentence, event.status_code, event.reason)
            return
        self._set(state, event.sentence)
        if state == "connected":
            self._connected()

    def _connected(self) -> None:
        if self.connected_at is not None or self.ended.is_set():
            return
        self.connected_at = time.time()
        self._write(records.mark_connected, self.connected_at)
        if self.state != "connected":
            self._set("connected")
        if self.live_coach:
            self._start_live()

    def _start_live(self) -> None:
        semantic = None
        if self.semantic is not None:
            try:
                semantic = self.semantic()  # None while it loads: the rules alone
            except Exception:
                log.exception("the semantic layer could not be had; the rules alone coach")
        coach, limit = make_coach(
            self.coach_settings, self.previous_calls, semantic, self.learned_before
        )
        persist = None
        if self.store is not None:
            store, uuid = self.store, self.uuid

            def persist(**rows: Any) -> None:  # on the live-coach thread, as results come
                store.submit(records.record_live, uuid, **rows)

        model = self.model() if callable(self.model) else self.model
        live = LivePipeline(self.engine, self._publish, call=self.uuid, model=model,
                            coach=coach, persist=persist)  # fmt: skip
        self.live = live
        live.start()
        error = live.error
        self._publish(LiveCoachStarted(self.uuid, limit, bool(live.snapshot()["transcribing"]),
                                       error))  # fmt: skip

    def _finish(self, sentence: str, code: int | None = None, reason: str = "",
                status: str | None = None) -> None:  # fmt: skip
        if self.ended.is_set():
            return
        self._set("disconnected", sentence)  # shown at once; the coach's flush follows
        live, self.live = self.live, None
        if live is not None:
            live.stop()
            self.result = live.result()
        flac = None
        if self.store is not None:
            flac = self._encode_recording()  # here, before the one short write of the row
            done = self.store.submit(records.finish_row, self.uuid, time.time(), code, reason,
                                     status, flac)  # fmt: skip
            self.store.flush(10)  # so a history read that follows sees this call
            # A WAV the caller chose (record_path: practice's --record) is the caller's to keep.
            if (flac is not None and done.done() and done.exception() is None
                    and self.record_path is None):  # fmt: skip
                Path(self._wav or "").unlink(missing_ok=True)
        self.recording = flac or self._wav
        self.engine.remove_listener(self._on_engine_event)
        self.ended.set()
        self._publish(CallEnded(self.uuid, sentence, code, reason, status,
                                self.connected_at is not None, self.result))  # fmt: skip

    def _encode_recording(self) -> str | None:
        """The live WAV as the library's FLAC, or None (nothing recorded, no library folder,
        or a damaged file: the row keeps the WAV and start-up recovery tries again)."""
        if self._wav is None and self.store is not None and self.data_dir is not None:
            try:  # an adopted call: the queue chose the path and set it on the row
                self._wav = self.store.call(records.recording_of, self.uuid)
            except Exception:
                log.exception("the recording of call %s could not be looked up", self.uuid)
        wav = self._wav
        if wav is None or self.data_dir is None or not wav.lower().endswith(".wav"):
            return None
        if not Path(wav).exists():
            return None
        try:
            return str(records.encode_recording(wav, self.data_dir, self.uuid))
        except (OSError, ValueError, RuntimeError) as e:
            log.warning("the recording of call %s could not be converted: %s", self.uuid, e)
            return None


def _sentence(exc: BaseException) -> str:
    text = str(exc).strip()
    return text or f"The call could not be placed ({type(exc).__name__})."
