"""Per-call measurements, updated utterance by utterance: talk ratio, monologues, questions,
patience, interruptions, words per minute and qualification coverage with evidence.

Targets come from the rule pack's thresholds (published sales research: rep talk share near
43% and never above 65%, 11-14 questions in a discovery call, a 0.6-1 s pause before
answering), so a team lead can tune them without code.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from statistics import mean, median

from coach.questions import Question
from coach.rules.grammar import padded
from coach.rules.kinds import QualificationRule
from coach.rules.pack import RulePack
from coach.types import Utterance

_MAX_PATIENCE_GAP = 5.0  # a longer silence is not a reply, it is a lull


@dataclass
class Seen:
    """One utterance as the coach saw it."""

    utt: Utterance
    norm: str
    questions: list[Question]
    backchannel: bool

    @property
    def is_question(self) -> bool:
        return bool(self.questions)


@dataclass
class Coverage:
    asked: Utterance | None = None  # the rep's question about the topic
    answered: Utterance | None = None  # the prospect talking about it

    @property
    def covered(self) -> bool:
        return self.asked is not None or self.answered is not None


@dataclass
class CallMetrics:
    pack: RulePack
    talk: dict[str, float] = field(default_factory=lambda: {"rep": 0.0, "prospect": 0.0})
    words: dict[str, int] = field(default_factory=lambda: {"rep": 0, "prospect": 0})
    open_questions: int = 0
    closed_questions: int = 0
    probing_questions: int = 0
    pauses: list[float] = field(default_factory=list)
    interruptions: int = 0
    turns: dict[str, int] = field(default_factory=lambda: {"rep": 0, "prospect": 0})
    monologues: list[tuple[float, float]] = field(default_factory=list)
    current_monologue: tuple[float, float] | None = None
    coverage: dict[str, Coverage] = field(default_factory=dict)
    first_start: float | None = None
    last_end: float = 0.0
    _turns: list[Seen] = field(default_factory=list)  # non-backchannel utterances by start

    def add(self, seen: Seen) -> None:
        u = seen.utt
        self.first_start = u.start if self.first_start is None else min(self.first_start, u.start)
        self.last_end = max(self.last_end, u.end)
        if seen.norm:
            self.talk[u.speaker] += max(0.0, u.end - u.start)
            self.words[u.speaker] += len(seen.norm.split())
        if u.speaker == "rep" and not seen.backchannel:
            for q in seen.questions:
                if q.kind == "open":
                    self.open_questions += 1
                    self.probing_questions += q.probing
                else:
                    self.closed_questions += 1
        if seen.backchannel:
            return
        self.turns[u.speaker] += 1
        prev = self.previous_turn(u)
        if u.speaker == "rep" and prev is not None and prev.utt.speaker == "prospect":
            gap = u.start - prev.utt.end
            if 0.0 <= gap <= _MAX_PATIENCE_GAP:
                self.pauses.append(gap)
        self._cover(seen)
        bisect.insort(self._turns, seen, key=lambda s: s.utt.start)

    def previous_turn(self, u: Utterance) -> Seen | None:
        """The latest non-backchannel utterance that started before `u`."""
        for s in reversed(self._turns):
            if s.utt.start < u.start and s.utt is not u:
                return s
        return None

    def _cover(self, seen: Seen) -> None:
        u = seen.utt
        if u.speaker == "rep" and not seen.is_question:
            return  # a rep pitching "our price is ..." learns nothing about theirs
        text = padded(seen.norm)
        slot = "answered" if u.speaker == "prospect" else "asked"
        matched = False  # a required topic other than the catch-all one
        for topic in self.pack.topics:
            cov = self.coverage.setdefault(topic.name, Coverage())
            if topic.regex.search(text):
                matched |= topic.name in self._required and not topic.probing_questions
                if getattr(cov, slot) is None:
                    setattr(cov, slot, u)
        if u.speaker == "rep" and not matched and any(q.probing for q in seen.questions):
            # A probing question about their world is need discovery even in other words.
            for topic in self.pack.topics:
                cov = self.coverage[topic.name]
                if topic.probing_questions and cov.asked is None:
                    cov.asked = u

    @property
    def _required(self) -> tuple[str, ...]:
        rule = self.pack.first(QualificationRule)
        return rule.required if isinstance(rule, QualificationRule) else ()

    def missing_topics(self, required: tuple[str, ...]) -> list[str]:
        return [t for t in required if not self.coverage.get(t, Coverage()).covered]

    def snapshot(self, now: float | None = None) -> dict:
        th = self.pack.thresholds
        end = max(self.last_end, now or 0.0)
        total = self.talk["rep"] + self.talk["prospect"]
        ratio = self.talk["rep"] / total if total else None
        monos = [*self.monologues, *([self.current_monologue] if self.current_monologue else [])]
        longest = max((b - a for a, b in monos), default=0.0)
        current = 0.0
        if self.current_monologue:
            a, b = self.current_monologue
            current = b - a
        wpm = {
            s: round(self.words[s] / (self.talk[s] / 60.0), 1) if self.talk[s] > 1.0 else None
            for s in ("rep", "prospect")
        }
        patience = round(mean(self.pauses), 2) if self.pauses else None
        status = None
        if ratio is not None:
            status = "too_high" if ratio > th["talk_ratio_limit"] else "ok"
        return {
            "duration_seconds": round(end, 2),
            "talk_seconds": {s: round(v, 2) for s, v in self.talk.items()},
            "talk_ratio": round(ratio, 3) if ratio is not None else None,
            "talk_ratio_target": th["talk_ratio_target"],
            "talk_ratio_limit": th["talk_ratio_limit"],
            "talk_ratio_status": status,
            "longest_monologue_seconds": round(longest, 2),
            "current_monologue_seconds": round(current, 2),
            "monologues": [{"start": round(a, 2), "end": round(b, 2)} for a, b in monos],
            "open_questions": self.open_questions,
            "closed_questions": self.closed_questions,
            "probing_questions": self.probing_questions,
            "questions_target": [int(th["questions_target_min"]), int(th["questions_target_max"])],
            "patience_seconds": patience,
            "patience_median_seconds": round(median(self.pauses), 2) if self.pauses else None,
            "patience_target": [th["patience_min_seconds"], th["patience_max_seconds"]],
            "interruptions": self.interruptions,
            "words_per_minute": wpm,
            "qualification": {
                t.name: self._coverage_json(t.name, t.label) for t in self.pack.topics
            },
        }

    def _coverage_json(self, name: str, label: str) -> dict:
        cov = self.coverage.get(name, Coverage())
        evidence = cov.answered or cov.asked
        return {
            "label": label,
            "covered": cov.covered,
            "evidence": evidence.to_json() if evidence else None,
        }
