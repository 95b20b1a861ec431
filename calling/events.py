"""The events a `CallSession` publishes, named in the past tense (STYLE.md 3).

Each carries `call`, the UUID of the session's history row (or the session's own id when it
writes no row), so a listener can ignore what an earlier call still sends. `Listeners` calls
every listener in turn; a listener that raises is logged and never breaks the sender.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SessionStateChanged:
    """The session's call moved (state: calling, ringing, early, incoming, connected, held,
    disconnected); `sentence` says it for the rep."""

    call: str
    call_id: str | None
    state: str
    sentence: str = ""


@dataclass(frozen=True)
class LiveCoachStarted:
    """The live pipeline runs: its monologue limit, and a sentence when part of it is off."""

    call: str
    monologue_limit: float
    transcribing: bool
    error: str = ""


@dataclass(frozen=True)
class UtteranceFinalized:
    call: str
    utterance: Any  # coach.types.Utterance


@dataclass(frozen=True)
class FlagRaised:
    call: str
    flag: Any  # coach.types.Flag


@dataclass(frozen=True)
class PositiveMarkRaised:
    call: str
    mark: Any  # coach.results.PositiveMark


@dataclass(frozen=True)
class CallEnded:
    """The call is over and every row of it is written (or handed to the writer).
    `result` is what the live coach made of it (None if the coach never ran)."""

    call: str
    sentence: str
    status_code: int | None = None
    reason: str = ""
    status: str | None = None  # "failed" when the call could not be placed
    connected: bool = False
    result: Any = None  # coach.results.AnalysisResult


Listener = Callable[[Any], None]


class Listeners:
    """A list of listeners; `publish(event)` calls each, logging (never raising) failures."""

    def __init__(self) -> None:
        self._fns: list[Listener] = []

    def add(self, fn: Listener) -> None:
        self._fns.append(fn)

    def remove(self, fn: Listener) -> None:
        if fn in self._fns:
            self._fns.remove(fn)

    def publish(self, event: Any) -> None:
        for fn in list(self._fns):
            try:
                fn(event)
            except Exception:  # a listener never breaks the sender
                log.exception("a listener of %s raised", type(event).__name__)
