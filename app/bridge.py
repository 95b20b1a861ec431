"""The one Qt bridge: core events in (from any thread), Qt signals out (on the GUI thread).

Engine listeners, ASR workers, the live coach and background tasks call `Bridge.post(event)`
from whatever thread they run on. The event crosses to the GUI thread through one queued
connection (so order is kept) and is re-emitted there as a typed signal. Widgets connect only
to these signals, never to engine or coach objects. Events are matched by type: the engine's
(softphone.protocol) and a call session's (calling.events).
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)


class Bridge(QObject):
    # softphone engine
    engineStarted = Signal(object)
    engineCrashed = Signal(object)
    registrationChanged = Signal(object)
    incomingCall = Signal(object)
    callStateChanged = Signal(object)
    callMediaChanged = Signal(object)
    dtmfReceived = Signal(object)
    audioStatsUpdated = Signal(object)
    audioNotice = Signal(object)  # RecordingFailed, HeadsetChanged: a sentence for the call view
    # a call session (calling.events)
    sessionStateChanged = Signal(object)
    coachStarted = Signal(object)
    utteranceFinalized = Signal(object)
    flagRaised = Signal(object)
    positiveMarked = Signal(object)
    callEnded = Signal(object)
    # app
    modelStateChanged = Signal(str, str)  # state: "loading"|"ready"|"missing"|"error", sentence
    contactLoaded = Signal(object)  # ContactSummary for the card at call start
    historyChanged = Signal(object)  # list of recent-call rows
    problemOccurred = Signal(str)  # a sentence for the rep
    dialRequested = Signal(str)  # a tel:/sip: handed over by a second process

    _posted = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._posted.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)
        self.delivered = 0
        self._signals = _signals_by_type(self)

    def post(self, event: Any) -> None:
        """Thread-safe: hand a core event to the GUI thread. Never raises into the sender."""
        try:
            self._posted.emit(event)
        except RuntimeError:  # the bridge was deleted during shutdown
            pass

    def problem(self, sentence: str) -> None:
        """Thread-safe: show a sentence to the rep."""
        self.post(_Problem(sentence))

    def model_state(self, state: str, sentence: str = "") -> None:
        self.post(_ModelState(state, sentence))

    @Slot(object)
    def _dispatch(self, event: Any) -> None:
        self.delivered += 1
        try:
            if isinstance(event, _Problem):
                self.problemOccurred.emit(event.sentence)
            elif isinstance(event, _ModelState):
                self.modelStateChanged.emit(event.state, event.sentence)
            elif isinstance(event, _Call):
                event.fn(*event.args)
            else:
                signal = self._signals.get(type(event))
                if signal is None:
                    log.debug("bridge: no signal for %s", type(event).__name__)
                    return
                signal.emit(event)
        except Exception:  # a widget that raises must not stop the next event
            log.exception("bridge: a receiver of %s raised", type(event).__name__)

    def call_soon(self, fn: Any, *args: Any) -> None:
        """Thread-safe: run fn(*args) on the GUI thread (results of background work)."""
        self.post(_Call(fn, args))


def _signals_by_type(b: Bridge) -> dict[type, Any]:
    """Each core event type and the signal that carries it to the GUI thread."""
    from app.engine_service import EngineUnavailable
    from calling import events as ev
    from softphone import protocol as p

    return {
        p.EngineStarted: b.engineStarted,
        p.EngineCrashed: b.engineCrashed,
        EngineUnavailable: b.engineCrashed,
        p.RegistrationChanged: b.registrationChanged,
        p.IncomingCall: b.incomingCall,
        p.CallStateChanged: b.callStateChanged,
        p.CallMediaChanged: b.callMediaChanged,
        p.DtmfReceived: b.dtmfReceived,
        p.AudioStatsUpdated: b.audioStatsUpdated,
        p.RecordingFailed: b.audioNotice,
        p.HeadsetChanged: b.audioNotice,
        ev.SessionStateChanged: b.sessionStateChanged,
        ev.LiveCoachStarted: b.coachStarted,
        ev.UtteranceFinalized: b.utteranceFinalized,
        ev.FlagRaised: b.flagRaised,
        ev.PositiveMarkRaised: b.positiveMarked,
        ev.CallEnded: b.callEnded,
    }


class _Problem:
    __slots__ = ("sentence",)

    def __init__(self, sentence: str) -> None:
        self.sentence = sentence


class _ModelState:
    __slots__ = ("sentence", "state")

    def __init__(self, state: str, sentence: str) -> None:
        self.state, self.sentence = state, sentence


class _Call:
    __slots__ = ("args", "fn")

    def __init__(self, fn: Any, args: tuple) -> None:
        self.fn, self.args = fn, args
