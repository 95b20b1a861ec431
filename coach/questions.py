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

from coach.rules.grammar import normalize

WH = {"what", "how", "why", "when", "where", "who", "which", "whose", "whom"}
WH_CONTRACTED = {
    "what's": "what",
    "how's": "how",
    "where's": "where",
    "who's": "who",
    "when's": "when",
    "why's": "why",
    "whats": "what",
}
AUX = {
    "do",
    "does",
    "did",
    "is",
    "are",
    "was",
    "were",
    "would",
    "will",
    "can",
    "could",
    "should",
    "have",
    "has",
    "had",
    "might",
    "may",
    "shall",
    "am",
    "'s",
}
NEG_AUX = {
    "don't",
    "doesn't",
    "didn't",
    "isn't",
    "aren't",
    "wasn't",
    "weren't",
    "won't",
    "wouldn't",
    "can't",
    "couldn't",
    "shouldn't",
    "haven't",
    "hasn't",
}
SUBJECT = {
    "you",
    "your",
    "we",
    "they",
    "it",
    "that",
    "this",
    "there",
    "he",
    "she",
    "the",
    "our",
    "their",
    "those",
    "these",
    "i",
    "a",
    "an",
    "anyone",
    "anybody",
    "someone",
    "everyone",
    "people",
    "folks",
    "y'all",
    "any",
    "most",
    "all",
    "things",
    "his",
    "her",
}
PRONOUN = {"i", "we", "you", "they", "he", "she", "it"}
# "the reason is that ...", "what i'm saying is that ..." are statements.
COMPLEMENT_NOUNS = {
    "reason",
    "point",
    "thing",
    "problem",
    "issue",
    "fact",
    "truth",
    "idea",
    "goal",
    "plan",
    "hope",
    "news",
    "difference",
    "catch",
    "beauty",
    "key",
    "challenge",
    "question",
    "concern",
    "risk",
    "benefit",
    "advantage",
    "saying",
    "mean",
    "meant",
    "is",
    "part",
    "result",
    "trick",
    "upside",
    "downside",
}
# Words before an inverted auxiliary that show it is not a question ("if you can you should").
NOT_BEFORE_AUX = (
    PRONOUN
    | WH
    | {
        "if",
        "whether",
        "as",
        "than",
        "because",
        "that",
        "this",
        "which",
        "here",
        "there",
        "what's",
        "so that",
        "where",
    }
)
WH_SUBJECT_VERBS = {
    "happens",
    "happened",
    "made",
    "makes",
    "brought",
    "brings",
    "prompted",
    "drove",
    "drives",
    "led",
    "leads",
    "triggered",
    "caused",
    "changed",
    "keeps",
    "worries",
    "excites",
    "matters",
    "stands",
    "else",
    "if",
    "about",
    "handles",
    "owns",
    "decides",
    "manages",
    "uses",
    "approves",
    "signs",
    "runs",
    "got",
    "would",
    "will",
    "could",
    "should",
    "needs",
    "gets",
    "goes",
    "went",
    "comes",
    "came",
    "means",
    "kind",
    "type",
    "sort",
    "part",
    "percentage",
    "portion",
    "does",
    "do",
    "did",
    "is",
    "are",
    "was",
    "were",
    "can",
    "has",
    "have",
}
EMBEDDING = {
    "that's",
    "is",
    "know",
    "see",
    "exactly",
    "here's",
    "that",
    "understand",
    "matter",
    "no",
    "depends",
    "like",
    "love",
    "just",
    "do",
    "does",
    "did",
    "show",
}
CLAUSE_OPENERS = {
    "so",
    "and",
    "but",
    "okay",
    "ok",
    "now",
    "also",
    "then",
    "well",
    "right",
    "great",
    "perfect",
    "sure",
    "yeah",
    "yes",
    "alright",
    "cool",
    "gotcha",
    "interesting",
    "first",
    "next",
    "oh",
    "understood",
    "fair",
    "true",
    "good",
    "wow",
    "awesome",
    "excellent",
    "thanks",
    "see",
    "sense",
}
REQUESTS = (
    ("tell", "me"),
    ("walk", "me", "through"),
    ("talk", "me", "through"),
    ("take", "me", "through"),
    ("help", "me", "understand"),
    ("give", "me", "a", "sense"),
    ("give", "me", "an", "idea"),
    ("give", "me", "an", "example"),
    ("paint", "me", "a", "picture"),
    ("paint", "a", "picture"),
    ("i'm", "curious"),
    ("i'd", "love", "to", "hear"),
    ("i'd", "love", "to", "know"),
    ("i'd", "love", "to", "understand"),
    ("i'd", "like", "to", "understand"),
    ("i'm", "wondering"),
    ("i", "wonder"),
    ("say", "more"),
    ("describe",),
    ("explain",),
    ("elaborate",),
    ("expand", "on"),
    ("share", "more"),
    ("curious", "about"),
    ("curious", "what"),
    ("curious", "how"),
    ("curious", "why"),
)
REQUEST_VERBS = {
    "tell",
    "walk",
    "talk",
    "take",
    "help",
    "describe",
    "explain",
    "share",
    "elaborate",
    "expand",
    "give",
    "paint",
    "clarify",
    "say",
    "telling",
    "walking",
    "sharing",
    "describing",
    "explaining",
}
# Third-person subjects make "tell me" a report ("customers tell me ...").
REPORTERS = {
    "they",
    "people",
    "customers",
    "clients",
    "users",
    "folks",
    "everyone",
    "he",
    "she",
    "others",
    "partners",
    "reps",
    "teams",
    "companies",
    "who",
    "which",
    "to",
    "always",
    "often",
    "usually",
    "let",
    "will",
    "would",
    "they'll",
    "you'll",
    "i'll",
}
SMALL_TALK = (
    ("how", "are", "you"),
    ("how", "are", "things"),
    ("how", "is", "your", "day"),
    ("how's", "your", "day"),
    ("how's", "it", "going"),
    ("how", "have", "you", "been"),
    ("how's", "everything"),
    ("how", "was", "your", "weekend"),
    ("how's", "your", "week"),
    ("how", "you", "doing"),
    ("what's", "up"),
)
SMALL_TALK_TAILS = {
    "doing",
    "today",
    "this",
    "going",
    "keeping",
    "holding",
    "been",
    "so",
    "and",
    "i",
    "it's",
    "hope",
    "great",
    "good",
    "there",
    "on",
    "over",
}
SCHEDULING = ("time", "times", "day", "days", "date", "email", "number", "address", "zip")
TAG_ENDINGS = (
    ("does", "that", "make", "sense"),
    ("is", "that", "fair"),
    ("sound", "good"),
    ("make", "sense"),
    ("is", "that", "right"),
    ("right",),
    ("correct",),
)
# Open in form, but they check the pitch landed rather than dig into the prospect's world.
CHECK_INS = tuple(
    tuple(c.split())
    for c in (
        "what do you think",
        "what do you say",
        "how does that sound",
        "how does this sound",
        "how do you feel about that",
        "how do you feel about this",
        "what questions do you have",
        "what questions can i answer",
        "what else can i",
        "how about",
        "what's the best way to reach",
        "what's the best number",
        "what's the best email",
        "who should i send",
        "how would that work for you",
        "how's that",
        "what do you think about that",
    )
)
PROBES = {
    "else",
    "why",
    "example",
    "mean",
    "impact",
    "affect",
    "cost",
    "costing",
    "happens",
    "happen",
    "biggest",
    "challenge",
    "challenges",
    "problem",
    "goal",
    "goals",
    "priority",
    "currently",
    "today",
    "prompted",
    "driving",
    "through",
    "understand",
    "more",
    "handle",
    "decide",
    "measure",
    "look",
    "change",
    "worked",
    "working",
}


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
    if prev in EMBEDDING and nxt not in AUX | NEG_AUX:
        return False
    if w in ("who", "which") and i and prev not in CLAUSE_OPENERS:
        return False  # a relative clause: "the person who signs", "a tool which does"
    opens_clause = i == 0 or prev in CLAUSE_OPENERS
    if w in ("what", "who", "which", "how") and nxt in WH_SUBJECT_VERBS:
        # "what happens next" asks; "our team shows what is coming" reports
        inverted = nxt in AUX and i + 2 < len(words) and words[i + 2] in SUBJECT
        return opens_clause or inverted
    if w == "how" and nxt in ("come", "so"):
        return True
    # wh + up to three non-pronoun words + auxiliary + subject ("which tools are you using"),
    # or after a noun phrase just the auxiliary ("how many people are on the team")
    # Only "which/what/whose X" and "how many/much X" take a noun before the auxiliary.
    noun_first = w in ("which", "what", "whose") or nxt in ("many", "much", "kind", "long")
    for j in range(i + 1, min(i + 5, len(words))):
        if words[j] in AUX | NEG_AUX and (
            (j > i + 1 and noun_first)
            or (j + 1 < len(words) and words[j + 1] in SUBJECT | {"it", "yours"})
        ):
            return True
        if words[j] in PRONOUN or words[j] in WH:
            return False
    return (w in ("why", "how") and nxt == "not") or (w == "why" and nxt == "now")


def _aux_question(words: list[str], i: int) -> bool:
    w = words[i]
    if w not in AUX | NEG_AUX or w == "'s" or i + 1 >= len(words):
        return False
    nxt = words[i + 1]
    prev = words[i - 1] if i else ""
    if nxt not in SUBJECT:
        return False
    if prev in NOT_BEFORE_AUX or prev in AUX | NEG_AUX:
        return False
    if w in ("is", "was") and nxt == "that" and prev in COMPLEMENT_NOUNS:
        return False
    if w in ("is", "was") and nxt in ("the", "a", "an", "your", "our", "their") and i > 0:
        # "our price is the lowest" is a statement; at the start of a clause it asks.
        return prev in ("so", "and", "but", "okay", "ok", "now", "also", "then", "well", "right")
    if w in ("have", "had") and nxt in ("a", "an", "the"):
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
            if words[i] in ("what", "what's", "when", "which") and any(
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
