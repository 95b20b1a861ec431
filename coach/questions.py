"""Lexical question detection for speech-recogniser text (lower case, no punctuation).

Vosk hands over long utterances without punctuation, so a question often starts mid-utterance
("i'm just checking in what is driving the project"). Every word is tried as a question start.
Without a "?" a question is found by its shape: a wh-word followed by an inverted auxiliary
("what do you", "how many people are"), a wh-word that is itself the subject ("who else",
"what made you", "what is driving"), an auxiliary inverted before its subject ("do you",
"is there", "does your team need"), a request to talk ("tell me", "walk me through"), an
indirect question ("i'm curious what", "i wonder if you") or a tag at the end ("... right").
Wh-questions and requests are open; yes/no questions are closed, unless they only wrap a
request ("can you tell me more"). An open question is probing unless it only checks the pitch
landed ("what do you think"). Embedded clauses ("that's what we do", "i know how it works"),
free relatives ("what we do is", "how we do it is simple", "what's nice is") and relative
clauses ("clients who are") stay statements; greetings and scheduling ("how are you", "what
time works") are not discovery. Tunable lists come from the rule pack (coach.question_words).
"""

from __future__ import annotations

from dataclasses import dataclass

from coach.question_words import (
    AUX,
    BASE_VERBS,
    CLAUSE_FINAL,
    CLAUSE_OPENERS,
    COMPLEMENT_NOUNS,
    DO,
    EMBEDDING,
    MID_ADVERBS,
    MODALS,
    NEG_AUX,
    NOT_BEFORE_AUX,
    NOT_TAG_BEFORE,
    OBJECTS,
    PRONOUN,
    PRONOUN_SUBJECT,
    REPORTERS,
    REQUEST_VERBS,
    RIGHT_ADVERB_VERBS,
    SUBJECT,
    WH,
    WH_CONTRACTED,
    WH_SUBJECT_VERBS,
    QuestionWords,
    pack_question_words,
)
from coach.rules.grammar import normalize

ANY_AUX = AUX | NEG_AUX
_AMOUNT = frozenset({"many", "much", "long", "often", "big", "of"})
_YOU = frozenset({"you", "your", "you're", "you've", "you'd", "you'll", "yours", "y'all"})


@dataclass(frozen=True, slots=True)
class Question:
    kind: str  # "open" | "closed"
    start: int  # index of its first word in the normalised text
    text: str  # the words from the question's start to the end of the utterance
    probing: bool  # an open question that digs into the prospect's situation


def _at(words: list[str], i: int, seq: tuple[str, ...]) -> bool:
    return tuple(words[i : i + len(seq)]) == seq


def _first_at(words: list[str], i: int, phrases: tuple[tuple[str, ...], ...]):
    return next((p for p in phrases if words[i] == p[0] and _at(words, i, p)), None)


def _after_boundary(words: list[str], i: int, qw: QuestionWords) -> bool:
    """A new clause may start at word i."""
    if i == 0 or words[i - 1] in CLAUSE_OPENERS:
        return True
    return any(i >= len(p) and tuple(words[i - len(p) : i]) == p for p in qw.boundaries)


def _pseudo_cleft(words: list[str], i: int) -> bool:
    """ "what matters most is speed", "what's nice is the team": a wh-clause as subject."""
    if i + 1 < len(words) and (words[i + 1] in ANY_AUX or words[i + 1] == "else"):
        return False  # "what is driving", "how do approvals work"
    if words[i] in ("how", "which") and i + 1 < len(words) and words[i + 1] in _AMOUNT:
        return False  # "how many of those are", "which of those is"
    for k in range(i + 2, min(i + 10, len(words))):
        w = words[k]
        if w in ("is", "was"):
            after = words[k + 1] if k + 1 < len(words) else ""
            if after in ("there", "it"):
                return k + 3 < len(words)  # "what that does is it flags ..." / "what is it"
            return bool(after) and not after.endswith("ing")
        if w in WH or w in ("and", "but", "so", "or") or _inverted(words, k):
            return False
    return False


def _inverted(words: list[str], j: int) -> bool:
    """An auxiliary at j followed by its subject ("are you", "does the team")."""
    return (
        j + 1 < len(words)
        and words[j] in ANY_AUX
        and words[j] != "'s"
        and words[j + 1] in SUBJECT | {"yours"}
    )


def _wh_question(words: list[str], i: int, boundary: bool) -> bool:
    w = words[i]
    n = len(words)
    prev = words[i - 1] if i else ""
    if w in WH_CONTRACTED:
        return prev not in EMBEDDING and i + 1 < n and not _pseudo_cleft(words, i)
    if w not in WH or i + 1 >= n:
        return False
    nxt = words[i + 1]
    if prev in ("and", "or") and any(
        words[k] in WH and words[k - 1] in EMBEDDING for k in range(1, i - 1)
    ):
        return _inverted(words, i + 1)  # "they know which sites are done and which are late"
    if not boundary and (prev in EMBEDDING or prev in OBJECTS):
        return _inverted(words, i + 1)  # "i know what you mean"; "tell me what do you ..."
    if nxt in PRONOUN_SUBJECT:
        return False  # "what we do is", "how we do it", "when you get a chance"
    if _inverted(words, i + 1):
        return True  # "what do you", "where are your drivers", "how long has that"
    if _pseudo_cleft(words, i):
        return False
    if w in ("who", "which") and not boundary and prev not in CLAUSE_FINAL:
        # a relative clause ("the person who signs", "a tool which does") unless the shape
        # only fits a question: "which crm are you on", "who else"
        if nxt == "else":
            return True
        if w == "which":
            return any(_inverted(words, j) for j in range(i + 2, min(i + 5, n)))
        return False
    if (
        w == "which"
        and nxt in ("is", "was", "means")
        and i + 2 < n
        and (words[i + 2] in WH or words[i + 2] in ("the", "a", "great", "good", "exactly"))
    ):
        return False  # "which is why we offer a trial"
    if w in ("what", "who", "which", "how") and nxt in WH_SUBJECT_VERBS:
        if nxt in DO or nxt in MODALS or boundary:
            return True  # "what does slow mean", "what would help", "so what happens next"
        if w in ("what", "who") and nxt in ("is", "are", "was", "were", "has", "have"):
            after = words[i + 2] if i + 2 < n else ""
            if after.endswith("ing") or after in ("been", "behind", "going", "the", "your"):
                return True  # "what is driving", "who has been"
        if nxt in ("else", "made", "brought", "prompted", "happened", "happens", "changed"):
            return True  # "... linkedin what made you move"
        if prev not in EMBEDDING and prev not in OBJECTS and w in ("what", "who"):
            return nxt not in AUX  # "who owns", "what drives"; not "what is"
    if w == "how" and nxt in ("come", "so"):
        return True
    if boundary and w in ("who", "what") and nxt not in ("a", "an") and nxt.endswith(("s", "ed")):
        return True  # "and who controls it", "and what slows it down"
    # wh + a noun phrase + auxiliary ("which tools are you using", "how many people are on")
    noun_first = w in ("which", "what", "whose") or nxt in ("many", "much", "kind", "long", "of")
    if nxt in ("that", "this", "it", "those", "these"):
        noun_first = False  # "what that does is ..."
    for j in range(i + 1, min(i + 7, n)):
        if words[j] in ANY_AUX and ((j > i + 1 and noun_first) or _inverted(words, j)):
            return True
        if words[j] in PRONOUN_SUBJECT or words[j] in WH:
            return False
    return (w in ("why", "how") and nxt == "not") or (w == "why" and nxt == "now")


def _aux_question(words: list[str], i: int, boundary: bool, found: bool) -> bool:
    w = words[i]
    if w not in ANY_AUX or w == "'s" or i + 1 >= len(words):
        return False
    nxt = words[i + 1]
    prev = words[i - 1] if i else ""
    after = words[i + 2] if i + 2 < len(words) else ""
    if nxt == "now" and w in ("is", "would") and after in ("a", "the", "good", "bad", "still"):
        return not i or prev not in NOT_BEFORE_AUX  # "is now a bad time"
    if nxt not in SUBJECT:
        return False
    if prev == "or" and found:
        return False  # "is that fast enough or do you need real time" asks once
    if prev in ("that", "this") and (w in MODALS or w in DO) and nxt in PRONOUN:
        pass  # "a video on that would it help" (a relative "that" takes no inversion)
    elif not boundary and (prev in NOT_BEFORE_AUX or prev in ANY_AUX):
        return False
    if (
        prev in MID_ADVERBS
        and i > 1
        and (words[i - 2] in PRONOUN_SUBJECT or words[i - 2] in MODALS)
    ):
        return False  # "we can also do a pilot"
    if w in NEG_AUX and i > 0 and not boundary:
        return False  # "the budget wasn't there"; "isn't that ..." opens its clause
    if w in ("is", "was") and prev in COMPLEMENT_NOUNS:
        return False  # "the reason is that", "the good news is you"
    if w in ("is", "was") and nxt in PRONOUN and nxt != "it" and not boundary:
        return False  # "the great thing is you can cancel"
    if w in ("is", "was", "are", "were") and nxt in ("the", "a", "an", "your", "our", "their"):
        return not i or boundary  # "our price is the lowest" is a statement
    if w in ("have", "had", "has") and nxt in ("a", "an", "the"):
        return False  # "have a good one", "had a great week"
    if w in DO and nxt in ("the", "a", "an", "this", "that", "it", "your", "our", "their"):
        if not i or boundary:
            return True
        # "our team does your onboarding" vs "nothing to install does your it team need"
        return nxt not in ("the", "a", "an", "our") and any(
            v in BASE_VERBS for v in words[i + 2 : i + 6]
        )
    return True


def _indirect(words: list[str], i: int, qw: QuestionWords) -> str | None:
    """ "i'm curious what made you" (open), "i wonder if you've looked" (closed)."""
    for phrases, needs_you in ((qw.indirect, False), (qw.wondering, True)):
        p = _first_at(words, i, phrases)
        if p is None:
            continue
        rest = words[i + len(p) : i + len(p) + 8]
        if needs_you and not any(w in _YOU for w in rest):
            return None
        if rest[:1] and rest[0] in ("if", "whether"):
            return "closed"
        return "open"
    return None


def _request(words: list[str], i: int, qw: QuestionWords) -> bool:
    p = _first_at(words, i, qw.requests)
    if p is None:
        return False
    prev = words[i - 1] if i else ""
    if p[0] in ("describe", "explain", "elaborate", "share"):
        return i == 0 or prev in ("you", "please", "could", "can")
    if p[0] in ("tell", "say") and prev in REPORTERS:
        return False
    return not (p[0] in ("walk", "talk", "take", "help") and prev in ("let", "to", "i'll"))


def _check_in(words: list[str], i: int, qw: QuestionWords) -> bool:
    p = _first_at(words, i, qw.check_ins)
    if p is None:
        return False
    nxt = words[i + len(p)] if i + len(p) < len(words) else ""
    return nxt not in ANY_AUX  # "what do you think is behind that" digs


def find_questions(
    text: str, *, normalized: bool = False, words: QuestionWords | None = None
) -> list[Question]:
    """Every question in an utterance, in order; overlapping onsets count once.

    `words`: the pack's question lists (`pack_question_words(pack.sources)`), default pack if
    None."""
    qw = words or pack_question_words()
    ws = (text if normalized else normalize(text)).split()
    found: list[Question] = []
    skip_until = -1
    for i in range(len(ws)):
        if i < skip_until:
            continue
        talk = _first_at(ws, i, qw.small_talk)
        if talk is not None and (
            i + len(talk) >= len(ws) or ws[i + len(talk)] in qw.small_talk_tails
        ):
            skip_until = i + 4  # "how are you doing today", not "how are you funding this"
            continue
        boundary = _after_boundary(ws, i, qw)
        kind = _indirect(ws, i, qw)
        if kind is None and (_request(ws, i, qw) or _wh_question(ws, i, boundary)):
            kind = "open"
            if _first_at(ws, i, qw.logistics) or (
                ws[i] in ("what", "what's", "when", "which", "how")
                and any(w in qw.scheduling for w in ws[i + 1 : i + 3])
            ):
                kind = "closed"
        elif kind is None and _aux_question(ws, i, boundary, bool(found)):
            kind = "closed"
            verbs = ws[i + 2 : i + 5]
            if any(w in REQUEST_VERBS and (w != "help" or "me" in verbs) for w in verbs):
                kind = "open"  # "can you tell me more", "would you walk me through"
        if kind is None and boundary and ws[i] in ("what", "which") and i + 1 < len(ws):
            kind = "closed" if ws[i + 1] in qw.scheduling else None  # "what time works"
        if kind is None:
            continue
        probing = kind == "open" and not _check_in(ws, i, qw)
        found.append(Question(kind, i, " ".join(ws[i:]), probing))
        aux = i
        for j in range(i + 1, min(i + 7, len(ws))):
            if ws[j] in WH or ws[j] in ("and", "but", "or", "so"):
                break
            if ws[j] in ANY_AUX:
                aux = j
                break
        skip_until = max(i + 4, aux + 2)  # "what kind of customers are you" asks once
    if not found and len(ws) >= 4:
        for tag in qw.tags:
            if (
                tuple(ws[-len(tag) :]) == tag
                and ws[-len(tag) - 1] not in NOT_TAG_BEFORE
                and not (tag == ("right",) and RIGHT_ADVERB_VERBS & set(ws[-5:-1]))
            ):
                found.append(Question("closed", len(ws) - len(tag), " ".join(tag), False))
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
