"""Who holds the turn, and how: the rep cutting in while the prospect is mid-speech (the pack's
overlap rule) and the rep talking too long without handing the turn over (its monologue rule),
judged as each final line arrives and, for a monologue still going, as the call's clock ticks.

`TurnTiming` is one part of `coach.engine.LiveCoach`: it owns the recent lines of both
channels and the monologue in progress, and records what it finds (interruptions, finished
monologues, the current one) in the call's `CallMetrics`.
"""

from __future__ import annotations

from dataclasses import dataclass

from coach.line_judge import rule_flag
from coach.metrics import CallMetrics, Seen
from coach.rules.kinds import MonologueRule, OverlapRule
from coach.rules.pack import RulePack
from coach.types import Flag, Utterance

_LOOKBACK_SECONDS = 60.0  # how far back overlap looks among recent utterances


@dataclass
class _Monologue:
    start: float
    end: float
    texts: list[str]
    flagged: bool = False


class TurnTiming:
    """Interruptions and monologues over the lines of both channels, in time order."""

    def __init__(self, pack: RulePack, metrics: CallMetrics) -> None:
        self._metrics = metrics
        self._overlap = pack.first(OverlapRule)
        self._monologue = pack.first(MonologueRule)
        self._recent: list[Seen] = []
        self._interrupting: set[int] = set()  # id() of rep utterances already flagged
        self._mono: _Monologue | None = None

    def on_line(self, seen: Seen) -> list[Flag]:
        """A final line of either channel: the interruption it makes (or suffers), then the
        monologue it extends past the limit."""
        u = seen.utt
        self._recent.append(seen)
        self._recent = [s for s in self._recent if u.start - s.utt.end < _LOOKBACK_SECONDS]
        return self._interruptions(seen) + self._monologues(seen)

    def tick(self, now: float) -> list[Flag]:
        """While the call runs: the monologue in progress crossing the limit."""
        if self._mono is None or self._monologue is None:
            return []
        live_end = (
            now if now - self._mono.end < self._monologue.gap_break_seconds else self._mono.end
        )
        self._metrics.current_monologue = (self._mono.start, live_end)
        return self._check_monologue(live_end)

    def warning(self, now: float) -> bool:
        """True while the current monologue is past the pack's warning time (live view)."""
        if self._mono is None or self._monologue is None:
            return False
        return now - self._mono.start > self._monologue.warning_seconds

    def close(self) -> None:
        """The monologue in progress (if any) ends: it counts among the finished ones."""
        if self._mono is not None:
            self._metrics.monologues.append((self._mono.start, self._mono.end))
        self._mono = None
        self._metrics.current_monologue = None

    def _interruptions(self, seen: Seen) -> list[Flag]:
        rule = self._overlap
        if rule is None or seen.backchannel:
            return []
        others = [
            s for s in self._recent if s.utt.speaker != seen.utt.speaker and not s.backchannel
        ]
        pairs = (
            [(seen.utt, s.utt) for s in others]
            if seen.utt.speaker == "rep"
            else [(s.utt, seen.utt) for s in others]
        )
        out = []
        for rep, prospect in pairs:
            if id(rep) in self._interrupting or not _cuts_in(rep, prospect, rule):
                continue
            self._interrupting.add(id(rep))
            self._metrics.interruptions += 1
            out.append(rule_flag(rule, rep.start, rep.end, rep.text, rep.text.split()[0]))
        return out

    def _monologues(self, seen: Seen) -> list[Flag]:
        rule, u = self._monologue, seen.utt
        if rule is None or not seen.norm:
            return []
        if u.speaker == "prospect":
            if not seen.backchannel and self._mono and u.end > self._mono.start:
                self.close()
            return []
        if self._mono and u.start - self._mono.end > rule.gap_break_seconds:
            self.close()
        if self._mono is None:
            self._mono = _Monologue(u.start, u.end, [])
        self._mono.end = max(self._mono.end, u.end)
        self._mono.texts.append(u.text)
        self._metrics.current_monologue = (self._mono.start, self._mono.end)
        return self._check_monologue(self._mono.end)

    def _check_monologue(self, now: float) -> list[Flag]:
        mono, rule = self._mono, self._monologue
        if mono is None or rule is None or mono.flagged or now - mono.start <= rule.limit_seconds:
            return []
        mono.flagged = True
        text = " ".join(mono.texts)
        text = text if len(text) <= 300 else text[:297] + "..."
        minutes = (now - mono.start) / 60.0
        return [rule_flag(rule, mono.start, now, text, f"{minutes:.1f} minutes without a pause")]


def _cuts_in(rep: Utterance, prospect: Utterance, rule: OverlapRule) -> bool:
    """True when the rep starts while the prospect is mid-speech and the prospect goes on."""
    t = rep.start
    if prospect.words:
        before = [w for w in prospect.words if w.start < t]
        if not before or t - prospect.words[0].start < rule.min_lead_seconds:
            return False
        still = before[-1].end > t - rule.tolerance_seconds  # speaking at t, not in a pause
        goes_on = any(w.end > t + rule.tolerance_seconds for w in prospect.words)
        return still and goes_on
    return (
        prospect.start <= t - rule.min_lead_seconds and prospect.end >= t + rule.tolerance_seconds
    )
