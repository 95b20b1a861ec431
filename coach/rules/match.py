"""Matching one phrase rule against one normalised utterance (unless-phrases, negation, position)."""

from __future__ import annotations

from collections.abc import Iterator
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


def find_all(
    rule: PhraseRule, padded_text: str, words: list[str], negators: frozenset[str], window: int
) -> Iterator[Match]:
    """Every place the rule may fire in the utterance, left to right."""
    if rule.unless_regex is not None and rule.unless_regex.search(padded_text):
        return
    pos = 0
    while True:
        m = rule.regex.search(padded_text, pos)
        if m is None:
            return
        idx = word_index(padded_text, m.start())
        pos = m.start() + 1
        if rule.at_start and idx >= _START_WORDS:
            return
        if rule.negatable and negated(words, idx, negators, window):
            continue
        yield Match(m.group().strip(), idx)


def find(
    rule: PhraseRule, padded_text: str, words: list[str], negators: frozenset[str], window: int
) -> Match | None:
    """The first place the rule fires in the utterance, or None."""
    return next(find_all(rule, padded_text, words, negators, window), None)
