"""The live pipeline of one call: audio taps → two transcribers → live coach → events.

`LivePipeline.start()` opens the engine's rep and prospect taps and starts two named threads:
`tap-reader` drains both taps every 50 ms into the two `ChannelTranscriber`s (and the level
meters), and `live-coach` owns the `LiveCoach` (which has no threads of its own): it takes
final utterances from a queue in arrival order, ticks the coach once a second for timing
flags, turns the coach's typed events (coach.events) into this call's `FlagRaised` and
`PositiveMarkRaised` (every flag: which kinds the rep sees is the coach panel's business),
publishes them after each `UtteranceFinalized`, and hands each result to
`persist` as it comes, so a crash loses at most the last fraction of a second.

The UI does not get an event per partial or audio block: it polls `snapshot()` at 10–20 Hz
for the latest partial of each lane, the levels and the metrics. `stop()` flushes the
transcribers and asks the coach for its end-of-call flags. No thread is left behind.
Times are seconds of call audio since the taps opened (at the call's connection).
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from calling.events import FlagRaised, PositiveMarkRaised, UtteranceFinalized
from coach.events import FlagRaised as CoachFlag
from coach.events import PositiveMarked

log = logging.getLogger(__name__)

RATE = 16000
_STOP = object()


@dataclasses.dataclass(frozen=True)
class CoachSettings:
    """What the live coach takes from the rep's settings (app.settings.Settings has both)."""

    rule_pack: str = ""  # a rule pack file or folder; "" = the built-in pack
    monologue_seconds: float = 0.0  # the rep's own monologue limit; 0 = the pack's


class LivePipeline:
    def __init__(
        self,
        engine: Any,
        publish: Callable[[Any], None],
        *,
        call: str = "",
        model: Any = None,
        coach: Any = None,
        persist: Any = None,
    ) -> None:
        self.engine, self.publish, self.model, self.coach = engine, publish, model, coach
        self.call = call  # the session's UUID, carried by every event
        self.persist = persist  # persist(utterances=, flags=, positives=, metrics=) or None
        self.partials: dict[str, str] = {"rep": "", "prospect": ""}
        self.levels: dict[str, float] = {"rep": -120.0, "prospect": -120.0}
        self.metrics: dict = {}
        self.utterances: list = []
        self.flags: list = []
        self.positives: list = []
        self.samples = {"rep": 0, "prospect": 0}
        self.lost = {"rep": 0, "prospect": 0}
        self.started_at = time.monotonic()
        self._taps: dict[str, Any] = {}
        self._asr: dict[str, Any] = {}
        self._coach_q: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.error = ""

    # -- life ------------------------------------------------------------------------------
    def start(self) -> None:
        """Open taps and start workers (call from a background task: opening may wait)."""
        for ch in ("rep", "prospect"):
            try:
                self._taps[ch] = self.engine.open_tap(ch)
                self._taps[ch].read()  # what was written before this call is not ours
            except Exception as e:  # noqa: BLE001
                self.error = (
                    f"The live transcript is off: the {ch} audio could not be opened ({e})."
                )
                log.warning(self.error)
        if self.model is not None:
            from coach.transcribe import ChannelTranscriber

            for ch in self._taps:
                self._asr[ch] = ChannelTranscriber(
                    self.model, ch, RATE, on_partial=self._on_partial, on_final=self._on_final
                )
        self._threads = [
            threading.Thread(target=self._read_taps, name="tap-reader", daemon=True),
            threading.Thread(target=self._coach_loop, name="live-coach", daemon=True),
        ]
        for t in self._threads:
            t.start()

    def stop(self, timeout: float = 10.0) -> dict:
        """Flush and finish; returns the final metrics. Safe to call twice."""
        if self._stop.is_set():
            return self.metrics
        self._stop.set()
        for t in self._threads[:1]:
            t.join(timeout)
        for asr in self._asr.values():
            asr.close(timeout)
        self._coach_q.put(_STOP)
        for t in self._threads[1:]:
            t.join(timeout)
        for tap in self._taps.values():
            try:
                tap.close()
            except Exception:
                log.debug("closing a tap failed", exc_info=True)
        self._taps.clear()
        return self.metrics

    def result(self) -> Any:
        """What the coach made of the call so far, as `analyze` gives it (after `stop()`)."""
        from coach.results import AnalysisResult

        ordered = sorted(self.utterances, key=lambda u: (u.start, u.end))
        flags = sorted(self.flags, key=lambda f: (f.start, f.kind))
        return AnalysisResult(ordered, flags, dict(self.metrics), list(self.positives))

    def call_time(self) -> float:
        """Seconds of call audio seen (the clock the utterance times use)."""
        return max(self.samples.values()) / RATE if self.samples else 0.0

    def snapshot(self) -> dict:
        """What the UI's poll timer reads: cheap, lock-free copies of the latest values, and
        the rep's running monologue in seconds (`monologue_seconds`)."""
        partials, metrics, call_time = dict(self.partials), self.metrics, self.call_time()
        return {
            "partials": partials,
            "levels": dict(self.levels),
            "metrics": metrics,
            "call_time": call_time,
            "transcribing": bool(self._asr),
            "monologue_seconds": running_monologue(metrics, partials, call_time),
        }

    # -- workers ---------------------------------------------------------------------------
    def _read_taps(self) -> None:
        from softphone.audio.devices import LevelMeter

        meters = {ch: LevelMeter() for ch in self._taps}
        while not self._stop.wait(0.05):
            self._drain(meters)
        self._drain(meters)

    def _drain(self, meters: dict) -> None:
        for ch, tap in self._taps.items():
            try:
                pcm = tap.read()
            except Exception:
                log.debug("reading the %s tap failed", ch, exc_info=True)
                continue
            lost = tap.lost - self.lost[ch]
            if lost > 0:
                self.lost[ch] = tap.lost
                if ch in self._asr:
                    self._asr[ch].feed_silence(lost)
                self.samples[ch] += lost
            if pcm.size:
                self.samples[ch] += pcm.size
                self.levels[ch] = meters[ch].feed(pcm)[0]
                asr = self._asr.get(ch)
                if asr is not None:
                    try:
                        asr.feed(pcm)
                    except RuntimeError:
                        pass

    def _on_partial(self, event: Any) -> None:
        self.partials[event.speaker] = event.text

    def _on_final(self, utterance: Any) -> None:
        self.partials[utterance.speaker] = ""
        self._coach_q.put(utterance)

    def _coach_loop(self) -> None:
        next_tick = time.monotonic() + 1.0
        while True:
            try:
                item = self._coach_q.get(timeout=max(0.05, next_tick - time.monotonic()))
            except queue.Empty:
                item = None
            if item is _STOP:
                break
            if item is not None:
                self.utterances.append(item)
                self.publish(UtteranceFinalized(self.call, item))
                flags, marks = self._raise(self._coach_call("on_utterance", item))
                self._persist(utterances=[item], flags=flags, positives=marks)
            if time.monotonic() >= next_tick:
                next_tick = time.monotonic() + 1.0
                now = self.call_time()
                flags, marks = self._raise(self._coach_call("on_tick", now))
                if flags or marks:
                    self._persist(flags=flags, positives=marks)
                self._update_metrics(now)
        end = self.call_time()
        flags, marks = self._raise(self._coach_call("on_finish", end))
        self._update_metrics(end)
        self._persist(flags=flags, positives=marks, metrics=self.metrics or None)

    def _persist(self, **rows: Any) -> None:
        if self.persist is None:
            return
        try:
            self.persist(**rows)
        except Exception:  # the store being gone must not end the live coach
            log.exception("saving live results failed")

    def _coach_call(self, name: str, arg: Any) -> list:
        if self.coach is None:
            return []
        try:
            return list(getattr(self.coach, name)(arg) or [])
        except Exception:  # a rule that raises must not end the live coach
            log.exception("live coach %s failed", name)
            return []

    def _raise(self, events: list) -> tuple[list, list]:
        """Record the coach's events and publish them with this call's id, in order;
        returns (flags, marks) for persisting."""
        flags, marks = [], []
        for e in events:
            if isinstance(e, CoachFlag):
                flags.append(e.flag)
                self.publish(FlagRaised(self.call, e.flag))
            elif isinstance(e, PositiveMarked):
                marks.append(e.mark)
                self.publish(PositiveMarkRaised(self.call, e.mark))
        self.flags += flags
        self.positives += marks
        return flags, marks

    def _update_metrics(self, now: float) -> None:
        if self.coach is None:
            return
        try:
            self.metrics = dict(self.coach.metrics(now))
        except Exception:
            log.exception("live coach metrics failed")


def make_coach(
    settings: Any,
    previous_calls: int | None,
    semantic: Any = None,
    learned_before: frozenset[str] | None = None,
) -> tuple[Any, float]:
    """The live coach for one call and its monologue limit (it parses the rule pack: not on
    the GUI thread). `settings` has `rule_pack` and `monologue_seconds` (`CoachSettings`, or
    the app's Settings); the rep's own monologue setting, when set, overrides the pack's.
    `semantic` is the loaded semantic layer, None: rules alone. `learned_before`: the
    qualification topics learned on earlier calls with the contact (None: unknown)."""
    try:
        from coach.engine import LiveCoach
        from coach.rules.kinds import MonologueRule
        from coach.rules.pack import load_pack
    except ImportError:
        log.warning("the live coach is not available in this build")
        return None, 120.0
    try:
        pack = load_pack(settings.rule_pack or None)
    except Exception as e:  # noqa: BLE001 - a broken custom pack: say so, use the built-in one
        log.warning("rule pack %s could not be loaded: %s", settings.rule_pack or "(built-in)", e)
        try:
            pack = load_pack()
        except Exception:  # no pack at all: the call runs without the coach
            log.exception("the built-in rule pack could not be loaded")
            return None, 120.0
    rule = pack.first(MonologueRule)
    limit = float(getattr(rule, "limit_seconds", 120.0))
    if rule is not None and settings.monologue_seconds:
        limit = float(settings.monologue_seconds)
        tuned = dataclasses.replace(rule, limit_seconds=limit, warning_seconds=0.75 * limit)
        pack = dataclasses.replace(pack, rules=tuple(tuned if r is rule else r for r in pack.rules))
    coach = LiveCoach(
        pack, previous_calls=previous_calls, semantic=semantic, learned_before=learned_before
    )
    return coach, limit


def running_monologue(metrics: dict, partials: dict[str, str], call_time: float) -> float:
    """The rep's current monologue in seconds. The coach's metrics hold it as of the last
    final utterance; while the rep is still talking (a rep partial, none from the prospect)
    the time since that utterance's end is added, so the timer runs between coach ticks."""
    if not metrics:
        return 0.0
    mono = float(metrics.get("current_monologue_seconds") or 0.0)
    monos = metrics.get("monologues") or []
    if mono and monos and partials.get("rep") and not partials.get("prospect"):
        mono += max(0.0, call_time - float(monos[-1]["end"]))
    return mono
