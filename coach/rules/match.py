"""Matching one phrase rule against one normalised utterance (unless-phrases, negation, position)."""

from __future__ import annotations

from dataclasses import dataclass

from coach.rules.grammar import word_index
from coach.rules.kinds import PhraseRule

_START_WORDS = 3  # "at_start" allows a couple of lead-in words ("well", "oh", "so")


@dataclass(frozen=True, slots=True)
class Match:
    trigger: str  # the words that fired the rule
    word: int  # index of the first trigger word


def negated(words: list[str], index: int, negators: frozenset[str], window: int) -> bool:
    """True when a negator stands within `window` words before `index`.

    A bare "no" opening the utterance or doubled ("no no") is an interjection, not a
    negation of what follows: "no no you're wrong" is still arguing.
    """
    for j in range(max(0, index - window), index):
        w = words[j]
        if w not in negators:
            continue
        if w == "no" and (j == 0 or words[j - 1] == "no" or words[j + 1 : j + 2] == ["no"]):
            continue
        return True
    return False


def find(
    rule: PhraseRule, padded_text: str, words: list[str], negators: frozenset[str], window: int
) -> Match | None:
    """The first place the rule fires in the utterance, or None."""
    if rule.unless_regex is not None and rule.unless_regex.search(padded_text):
        return None
    pos = 0
    while True:
        m = rule.regex.search(padded_text, pos)
        if m is None:
            return None
        idx = word_index(padded_text, m.start())
        pos = m.start() + 1
        if rule.at_start and idx >= _START_WORDS:
            return None
        if rule.negatable and negated(words, idx, negators, window):
            continue
        return Match(m.group().strip(), idx)
