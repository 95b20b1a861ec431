"""The live coach: turns the stream of utterances from both channels into flags, positive
marks and metrics, with every phrase and number taken from a rule pack.

`LiveCoach` is deterministic and owns no threads: the caller feeds final utterances in time
order (`add_utterance`), calls `tick` while the call runs (monologue and discovery warnings)
and `finish` when it ends; `on_utterance`, `on_tick` and `on_finish` do the same and return
typed events (coach.events: the flags raised and the positive marks earned, in order).
`analyze_utterances` runs a whole call through it offline and returns the `analyze --json`
contract of DESIGN.md.

This module reads each line once (normalised, its questions found, backchannel or not), counts
it in the call's metrics and hands it to the three parts that judge it: what a rep line says
(`coach.line_judge`: phrase rules, the semantic layer, positive marks), who holds the turn
(`coach.turn_timing`: interruptions, monologues) and what only the whole call shows
(`coach.call_checks`: discovery, qualification, what earlier calls learned). What earlier calls
with the contact learned is handed in (`learned_before`, None when unknown), never looked up.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import TYPE_CHECKING

from coach.call_checks import CallChecks
from coach.events import CoachEvent, FlagRaised, PositiveMarked
from coach.line_judge import LineJudge, positive_marks, with_pack_thresholds
from coach.metrics import CallMetrics, Seen
from coach.questions import Question, find_questions
from coach.results import AnalysisResult, PositiveMark
from coach.rules.grammar import normalize
from coach.rules.pack import RulePack, load_pack
from coach.turn_timing import TurnTiming
from coach.types import Flag, Utterance

if TYPE_CHECKING:
    from coach.semantic.layer import SemanticLayer

__all__ = ["AnalysisResult", "LiveCoach", "analyze_utterances", "default_pack"]


@lru_cache(maxsize=1)
def default_pack() -> RulePack:
    return load_pack()


class LiveCoach:
    """Feed final utterances in time order; collect flags, positives and metrics."""

    def __init__(
        self,
        pack: RulePack | None = None,
        previous_calls: int | None = None,
        semantic: SemanticLayer | None = None,
        learned_before: set[str] | frozenset[str] | None = None,
    ) -> None:
        self.pack = pack or default_pack()
        self.previous_calls = previous_calls
        # Topics learned on earlier calls with this contact; None: not known.
        self.learned_before = frozenset(learned_before) if learned_before is not None else None
        # The learned layer (None: phrase rules alone). Thresholds a lead set in the pack win.
        self.semantic = with_pack_thresholds(semantic, self.pack) if semantic else None
        self.flags: list[Flag] = []
        self.positives: list[PositiveMark] = []
        self._metrics = CallMetrics(self.pack)
        self._lines = LineJudge(self.pack, self._metrics, previous_calls, self.semantic)
        self._timing = TurnTiming(self.pack, self._metrics)
        self._checks = CallChecks(self.pack, self._metrics, previous_calls, self.learned_before)
        self._finished = False

    def add_utterance(self, u: Utterance) -> list[Flag]:
        """The flags this line raises (its positive marks go to `positives`)."""
        return [e.flag for e in self.on_utterance(u) if isinstance(e, FlagRaised)]

    def on_utterance(self, u: Utterance) -> list[CoachEvent]:
        """Take one final line: the positive marks it earns, then the flags it raises."""
        norm = normalize(u.text)
        questions = find_questions(norm, normalized=True)
        if not questions and "?" in u.text:  # typed transcripts may keep their question marks
            questions = [Question("closed", 0, norm, False)]
        seen = Seen(u, norm, questions, self.pack.is_backchannel(norm))
        self._metrics.add(seen)
        self._checks.hear(norm)
        raised: list[Flag] = []
        marks: list[PositiveMark] = []
        if u.speaker == "rep" and not seen.backchannel:
            marks = positive_marks(seen)
            self.positives.extend(marks)
            raised += self._lines.rep_line(seen)
        elif u.speaker == "prospect":
            self._lines.prospect_line(u)
        raised += self._timing.on_line(seen)
        return [PositiveMarked(m) for m in marks] + _raised(self._keep(raised))

    def tick(self, now: float) -> list[Flag]:
        """Timing flags while the call runs: a monologue crossing the limit, too little discovery."""
        return self._keep(self._timing.tick(now) + self._checks.tick(now))

    def on_tick(self, now: float) -> list[CoachEvent]:
        """`tick` as events."""
        return _raised(self.tick(now))

    def monologue_warning(self, now: float) -> bool:
        """True while the current monologue is past the pack's warning time (live view)."""
        return self._timing.warning(now)

    def finish(self, end: float) -> list[Flag]:
        """End-of-call flags: too little discovery, qualification topics not learned."""
        if self._finished:
            return []
        self._finished = True
        self._timing.close()
        return self._keep(self._checks.finish(end))

    def on_finish(self, end: float) -> list[CoachEvent]:
        """`finish` as events."""
        return _raised(self.finish(end))

    def earlier_calls_unknown(self) -> bool:
        """A follow-up whose earlier calls' content the coach was not given."""
        return self._checks.earlier_calls_unknown()

    def monologue_spans(self) -> dict[float, float]:
        """Each finished monologue's start -> its end (a monologue flag is raised at its start)."""
        return dict(self._metrics.monologues)

    def metrics(self, now: float | None = None) -> dict:
        """The call's metrics so far (at `now`, or at the last line's end), with the flags by
        kind and what earlier calls learned."""
        snap = self._metrics.snapshot(now)
        snap["monologue_warning"] = self.monologue_warning(
            now if now is not None else snap["duration_seconds"]
        )
        counts: dict[str, int] = {}
        for f in self.flags:
            counts[f.kind] = counts.get(f.kind, 0) + 1
        snap["flags_by_kind"] = counts
        earlier = self.learned_before or frozenset()
        for name, topic in snap["qualification"].items():
            topic["learned_before"] = name in earlier
        snap["earlier_calls"] = self._checks.earlier_calls_summary()
        return snap

    def _keep(self, flags: list[Flag]) -> list[Flag]:
        self.flags.extend(flags)
        return flags


def _raised(flags: list[Flag]) -> list[CoachEvent]:
    return [FlagRaised(f) for f in flags]


def analyze_utterances(
    utts: list[Utterance],
    previous_calls: int | None,
    pack: RulePack | None = None,
    semantic: SemanticLayer | None = None,
    learned_before: set[str] | frozenset[str] | None = None,
) -> AnalysisResult:
    """Run a whole call through a LiveCoach; monologue flags get their full span.
    `learned_before`: qualification topics learned on earlier calls with the contact (None:
    unknown)."""
    ordered = sorted(utts, key=lambda u: (u.start, u.end))
    coach = LiveCoach(pack, previous_calls, semantic, learned_before)
    for u in ordered:
        coach.add_utterance(u)
    end = max((u.end for u in ordered), default=0.0)
    coach.finish(end)
    metrics = coach.metrics(end)
    spans = coach.monologue_spans()
    flags = [
        dataclasses.replace(f, end=spans.get(f.start, f.end)) if f.kind == "monologue" else f
        for f in coach.flags
    ]
    flags.sort(key=lambda f: (f.start, f.kind))
    return AnalysisResult(ordered, flags, metrics, list(coach.positives))
