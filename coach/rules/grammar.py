"""The phrase grammar of rule packs: text normalisation and compiling phrases into regexes.

A phrase is matched against Vosk-style text (lower case, no punctuation) word by word:

    words        i can send you          whole words only, in this order
    (a|b c)      one of the alternatives (each may be several words, groups nest)
    [x y]        optional words
    *            any one word
    ...          up to three words of any kind
    {slot}       any phrase listed under `slots:` in the pack (a slot may use the grammar too)
    $            the end of the utterance

Every word atom compiles to `word ` (the word and one trailing space) and the text is matched
as ` w1 w2 ... wn `, so word boundaries need no look-arounds and atoms concatenate freely.
"""

from __future__ import annotations

import re

_FILLERS = frozenset({"uh", "um", "uhm", "erm", "er", "ah", "hmm", "mm", "mhm", "eh"})
_KEEP = re.compile(r"[^a-z0-9' ]+")
_TOKEN = re.compile(r"\.\.\.|[()\[\]|*$]|\{[a-z_][a-z0-9_]*\}|[a-z0-9'&-]+")


class GrammarError(ValueError):
    """A phrase does not follow the grammar; the message says what is wrong."""


# Transcripts typed without apostrophes ("thats not right") get them back, so one phrase
# covers both; only forms that are not also ordinary words ("well", "were", "lets") are listed.
_CONTRACTIONS = (
    "that's it's what's there's here's where's who's how's why's when's he's she's i'm i've "
    "i'll i'd you're you've you'll you'd they're they've they'll they'd we've we'd don't "
    "doesn't didn't isn't aren't wasn't weren't can't won't wouldn't shouldn't couldn't "
    "haven't hasn't hadn't ain't y'all that'll there'll what'd"
)
_APOSTROPHES = {w.replace("'", ""): w for w in _CONTRACTIONS.split(" ")}


def normalize(text: str) -> str:
    """Lower-case words separated by single spaces, fillers (um, uh) removed."""
    text = text.lower().replace("\u2019", "'").replace("-", " ")
    words = [w.strip("'") for w in _KEEP.sub(" ", text).split()]
    return " ".join(_APOSTROPHES.get(w, w) for w in words if w and w not in _FILLERS)


def tokenize(phrase: str) -> list[str]:
    phrase = phrase.lower().replace("\u2019", "'")
    pos, tokens = 0, []
    while pos < len(phrase):
        if phrase[pos].isspace():
            pos += 1
            continue
        m = _TOKEN.match(phrase, pos)
        if not m:
            raise GrammarError(f"unexpected character {phrase[pos]!r} in phrase {phrase!r}")
        tokens.append(m.group())
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, phrase: str, slots: dict[str, str]) -> None:
        self.phrase = phrase
        self.tokens = tokenize(phrase)
        self.pos = 0
        self.slots = slots

    def parse(self) -> str:
        if not self.tokens:
            raise GrammarError("empty phrase")
        out = self._sequence(closers=())
        if self.pos != len(self.tokens):
            raise GrammarError(f"unbalanced {self.tokens[self.pos]!r} in phrase {self.phrase!r}")
        return out

    def _sequence(self, closers: tuple[str, ...]) -> str:
        parts: list[str] = []
        while self.pos < len(self.tokens) and self.tokens[self.pos] not in closers:
            parts.append(self._atom())
        return "".join(parts)

    def _atom(self) -> str:
        tok = self.tokens[self.pos]
        self.pos += 1
        if tok == "(":
            return "(?:" + self._alternatives(")") + ")"
        if tok == "[":
            return "(?:" + self._alternatives("]") + ")?"
        if tok == "*":
            return r"[^ ]+ "
        if tok == "...":
            return r"(?:[^ ]+ ){0,3}"
        if tok == "$":
            return "$"
        if tok.startswith("{"):
            name = tok[1:-1]
            if name not in self.slots:
                raise GrammarError(f"unknown slot {tok} in phrase {self.phrase!r}")
            return "(?:" + self.slots[name] + ")"
        if tok in (")", "]", "|"):
            raise GrammarError(f"unexpected {tok!r} in phrase {self.phrase!r}")
        return re.escape(tok) + " "

    def _alternatives(self, closer: str) -> str:
        alts = [self._sequence(closers=("|", closer))]
        while self.pos < len(self.tokens) and self.tokens[self.pos] == "|":
            self.pos += 1
            alts.append(self._sequence(closers=("|", closer)))
        if self.pos >= len(self.tokens) or self.tokens[self.pos] != closer:
            raise GrammarError(f"missing {closer!r} in phrase {self.phrase!r}")
        self.pos += 1
        if any(not a for a in alts):
            raise GrammarError(f"empty alternative in phrase {self.phrase!r}")
        return "|".join(alts)


def compile_phrase(phrase: str, slots: dict[str, str] | None = None) -> str:
    """The regex source (without the leading space) for one phrase."""
    return _Parser(phrase, slots or {}).parse()


def compile_phrases(phrases: list[str], slots: dict[str, str] | None = None) -> re.Pattern[str]:
    """One regex for a list of phrases; match it against `padded(text)`."""
    body = "|".join(f"(?:{compile_phrase(p, slots)})" for p in phrases)
    return re.compile(f" (?:{body})")


def padded(normalized: str) -> str:
    return f" {normalized} "


def word_index(padded_text: str, char_pos: int) -> int:
    """How many words precede the character position in a padded text."""
    return padded_text.count(" ", 0, char_pos + 1) - 1
