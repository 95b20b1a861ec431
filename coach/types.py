"""The coach's shared vocabulary: words, utterances, flags (the `analyze` JSON contract)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Speaker = Literal["rep", "prospect"]

FLAG_KINDS = (
    "arguing",
    "interruption",
    "vague_language",
    "false_familiarity",
    "content_dump",
    "pressure",
    "monologue",
    "no_discovery",
    "missed_qualification",
)


@dataclass(frozen=True, slots=True)
class Word:
    word: str
    start: float
    end: float
    conf: float = 1.0


@dataclass(frozen=True, slots=True)
class Utterance:
    """One final stretch of speech from one channel; times in seconds from call start."""

    speaker: Speaker
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = field(default=())

    def to_json(self) -> dict:
        return {"speaker": self.speaker, "start": round(self.start, 3),
                "end": round(self.end, 3), "text": self.text}


@dataclass(frozen=True, slots=True)
class Flag:
    kind: str
    speaker: str
    start: float
    end: float
    text: str
    suggestion: str
    trigger: str = ""  # the words that fired the rule
    label: str = ""  # short title for a card
    source: str = "rule"  # "rule" (a phrase rule) or "semantic" (the learned layer)
    score: float | None = None  # the semantic layer's score for this kind, when it ran
    resembles: str = ""  # a semantic card: the labelled example the line is closest to

    def to_json(self) -> dict:
        d = asdict(self)
        if self.score is not None:
            d["score"] = round(self.score, 3)
        d["start"] = round(self.start, 3)
        d["end"] = round(self.end, 3)
        return d
