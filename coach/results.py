"""What the coach hands out: positive marks and the result of analysing a whole call
(`AnalysisResult.to_json()` is the `analyze --json` contract of DESIGN.md)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from coach.types import Flag, Utterance


@dataclass(frozen=True, slots=True)
class PositiveMark:
    """A good move by the rep, shown in their favour (an open, probing question)."""

    kind: str  # "open_question" | "probing_question"
    speaker: str
    start: float
    end: float
    text: str
    question: str
    label: str

    def to_json(self) -> dict:
        d = dataclasses.asdict(self)
        d["start"], d["end"] = round(self.start, 3), round(self.end, 3)
        return d


@dataclass
class AnalysisResult:
    utterances: list[Utterance]
    flags: list[Flag]
    metrics: dict
    positives: list[PositiveMark] = field(default_factory=list)

    def to_json(self) -> dict:
        """Exactly the `analyze --json` object: utterances, flags, metrics."""
        metrics = dict(self.metrics, positives=[p.to_json() for p in self.positives])
        return {
            "utterances": [u.to_json() for u in self.utterances],
            "flags": [f.to_json() for f in self.flags],
            "metrics": metrics,
        }
