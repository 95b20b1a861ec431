"""Lexical question detection for speech-recogniser text (lower case, no punctuation).

Without a "?" a question is found by its shape: a wh-word followed by an inverted auxiliary
("what do you", "how many people are"), a wh-word that is itself the subject ("who else",
"what made you"), an auxiliary inverted before its subject ("do you", "is there"), or a request
to talk ("tell me", "walk me through", "help me understand"). Wh-questions and requests are
open; yes/no questions are closed, unless they only wrap a request ("can you tell me more").
Embedded clauses ("that's what we do", "i know how it works") have no inversion and stay
statements. Greetings and scheduling ("how are you", "what time works") are not discovery.
"""

from __future__ import annotations

from dataclasses import dataclass

from coach.question_words import (
    AUX,
    CHECK_INS,
    CLAUSE_OPENERS,
    COMPLEMENT_NOUNS,
    EMBEDDING,
    NEG_AUX,
    NOT_BEFORE_AUX,
    PROBES,
    PRONOUN,
    REPORTERS,
    REQUEST_VERBS,
    REQUESTS,
    SCHEDULING,
    SMALL_TALK,
    SMALL_TALK_TAILS,
    SUBJECT,
    TAG_ENDINGS,
    WH,
    WH_CONTRACTED,
    WH_SUBJECT_VERBS,
)
from coach.rules.grammar import normalize

ANY_AUX = AUX | NEG_AUX
MODALS = frozenset({"would", "could", "will", "should", "can", "might"})


@dataclass(frozen=True, slots=True)
class Question:
    kind: str  # "open" | "closed"
    start: int  # index of its first word in the normalised text
    text: str  # the words from the question's start to the end of the utterance
    probing: bool  # an open question that digs into the prospect's situation


def _starts_with(words: list[str], i: int, seq: tuple[str, ...]) -> bool:
    return tuple(words[i : i + len(seq)]) == seq


def _wh_question(words: list[str], i: int) -> bool:
    w = words[i]
    prev = words[i - 1] if i else ""
    if w in WH_CONTRACTED:
        return prev not in EMBEDDING and i + 1 < len(words)
    if w not in WH or i + 1 >= len(words):
        return False
    nxt = words[i + 1]
    if prev in EMBEDDING and nxt not in ANY_AUX:
        return False
    if w in ("who", "which") and i and prev not in CLAUSE_OPENERS:
        return False  # a relative clause: "the person who signs", "a tool which does"
    opens_clause = i == 0 or prev in CLAUSE_OPENERS
    if w in ("what", "who", "which", "how") and nxt in WH_SUBJECT_VERBS:
        # "what happens next" asks; "our team shows what is coming" reports
        inverted = nxt in AUX and i + 2 < len(words) and words[i + 2] in SUBJECT
        modal = nxt in MODALS and prev not in EMBEDDING  # "... what would actually help"
        return opens_clause or inverted or modal
    if w == "how" and nxt in ("come", "so"):
        return True
    # wh + up to three non-pronoun words + auxiliary + subject ("which tools are you using"),
    # or after a noun phrase just the auxiliary ("how many people are on the team")
    # Only "which/what/whose X" and "how many/much X" take a noun before the auxiliary.
    noun_first = w in ("which", "what", "whose") or nxt in ("many", "much", "kind", "long")
    for j in range(i + 1, min(i + 5, len(words))):
        if words[j] in ANY_AUX and (
            (j > i + 1 and noun_first)
            or (j + 1 < len(words) and words[j + 1] in SUBJECT | {"it", "yours"})
        ):
            return True
        if words[j] in PRONOUN or words[j] in WH:
            return False
    return (w in ("why", "how") and nxt == "not") or (w == "why" and nxt == "now")


def _aux_question(words: list[str], i: int) -> bool:
    w = words[i]
    if w not in ANY_AUX or w == "'s" or i + 1 >= len(words):
        return False
    nxt = words[i + 1]
    prev = words[i - 1] if i else ""
    if nxt not in SUBJECT:
        return False
    if prev in NOT_BEFORE_AUX or prev in ANY_AUX:
        return False
    if w in NEG_AUX and i > 0 and prev not in CLAUSE_OPENERS:
        return False  # "the budget wasn't there"; "isn't that ..." opens its clause
    if w in ("is", "was") and nxt == "that" and prev in COMPLEMENT_NOUNS:
        return False
    if (
        w in ("is", "was", "are", "were")
        and nxt in ("the", "a", "an", "your", "our", "their")
        and i > 0
    ):
        # "our price is the lowest" is a statement; at the start of a clause it asks.
        return prev in ("so", "and", "but", "okay", "ok", "now", "also", "then", "well", "right")
    if w in ("have", "had", "has") and nxt in ("a", "an", "the"):
        return False  # "have a good one", "had a great week"
    # "we do the onboarding", "our team does it" are statements unless a clause opens there
    objects = ("the", "a", "an", "this", "that", "it", "your", "our", "their")
    return not (
        w in ("do", "does", "did") and nxt in objects and i > 0 and prev not in CLAUSE_OPENERS
    )


def _request(words: list[str], i: int) -> bool:
    for seq in REQUESTS:
        if _starts_with(words, i, seq):
            prev = words[i - 1] if i else ""
            if seq[0] in ("describe", "explain", "elaborate"):
                return i == 0 or prev in ("you", "please", "could", "can")
            if seq[0] in ("tell", "say") and prev in REPORTERS:
                return False
            return not (
                seq[0] in ("walk", "talk", "take", "help") and prev in ("let", "to", "i'll")
            )
    return False


def find_questions(text: str, *, normalized: bool = False) -> list[Question]:
    """Every question in an utterance, in order; overlapping onsets count once."""
    words = (text if normalized else normalize(text)).split()
    found: list[Question] = []
    skip_until = -1
    for i in range(len(words)):
        if i < skip_until:
            continue
        talk = next((s for s in SMALL_TALK if _starts_with(words, i, s)), None)
        if talk is not None and (
            i + len(talk) >= len(words) or words[i + len(talk)] in SMALL_TALK_TAILS
        ):
            skip_until = i + 4  # "how are you doing today", not "how are you funding this"
            continue
        kind = None
        if _request(words, i) or _wh_question(words, i):
            kind = "open"
            if words[i] in ("what", "what's", "when", "which", "how") and any(
                w in SCHEDULING for w in words[i + 1 : i + 3]
            ):
                kind = "closed"
        elif _aux_question(words, i):
            kind = "closed"
            if any(w in REQUEST_VERBS for w in words[i + 2 : i + 5]):
                kind = "open"  # "can you tell me more", "would you walk me through"
        if kind is None:
            continue
        tail = words[i:]
        probing = (
            kind == "open"
            and not any(_starts_with(words, i, c) for c in CHECK_INS)
            and any(w in PROBES or w in ("you", "your") for w in tail[:12])
        )
        found.append(Question(kind, i, " ".join(tail), probing))
        skip_until = i + 4
    if not found and len(words) >= 4:
        for tag in TAG_ENDINGS:
            if tuple(words[-len(tag) :]) == tag and words[-len(tag) - 1] not in (
                "that's",
                "is",
                "all",
                "exactly",
                "that",
                "you're",
                "quite",
                "alright",
            ):
                found.append(Question("closed", len(words) - len(tag), " ".join(tag), False))
                break
    return found


def has_question(text: str, *, normalized: bool = False) -> bool:
    return bool(find_questions(text, normalized=normalized))


def classify(text: str) -> str | None:
    """ "open" if the utterance asks any open question, else "closed" or None."""
    qs = find_questions(text)
    if not qs:
        return None
    return "open" if any(q.kind == "open" for q in qs) else "closed"
