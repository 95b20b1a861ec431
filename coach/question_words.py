"""The word lists behind lexical question detection (coach.questions).

Two kinds of list live here. Grammar (auxiliaries, pronouns, the words that embed a clause) is
code: changing it changes what a question *is*. What a team lead may tune (requests to talk,
check-ins, small talk, scheduling words, tag endings, the phrases after which a new question
may start) is data in the rule pack, under `questions:` (resources/rules/questions.yaml), and
is loaded into `QuestionWords` here, with errors naming the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


WH = _words("how what when where which who whom whose why")

WH_CONTRACTED = {
    "what's": "what",
    "how's": "how",
    "where's": "where",
    "who's": "who",
    "when's": "when",
    "why's": "why",
    "whats": "what",
}

AUX = _words(
    "'s am are can could did do does had has have is may might shall should was were will would"
)

NEG_AUX = _words(
    "aren't can't couldn't didn't doesn't don't hasn't haven't isn't shouldn't wasn't weren't "
    "won't wouldn't"
)

MODALS = _words("would could will should can might may")
DO = _words("do does did")

# Words that can open the subject after an inverted auxiliary.
SUBJECT = _words(
    "a all an any anybody anyone anything everyone everybody everything folks he her his i it "
    "most our people she someone something somebody that the their there these they things "
    "this those we y'all you your"
)

PRONOUN = _words("he i it she they we you")

# A pronoun subject right after a wh-word makes a free relative, not a question
# ("what we do is", "how we do it", "when you get a chance", "what i'm hearing is").
PRONOUN_SUBJECT = PRONOUN | _words(
    "i'm i'd i've i'll we're we've we'd we'll you're you've you'd you'll they're they've they'd "
    "they'll he's she's it's he'd she'd"
)

# "the reason is that ...", "the great thing is you can ..." are statements.
COMPLEMENT_NOUNS = _words(
    "advantage beauty benefit catch challenge concern deal difference downside fact goal hope "
    "idea is issue key mean meant news part plan point problem question reason result risk "
    "saying thing trick truth upside calling"
)

# Words before an inverted auxiliary that show it is not a question ("if you can you should").
NOT_BEFORE_AUX = _words(
    "as because he here how i if it she than that there they this to we what what's when "
    "where whether which who whom whose why you"
)

# What follows a wh-word that is itself the subject ("who else", "what made you").
WH_SUBJECT_VERBS = _words(
    "about approves are brings brought came can caused changed comes could decides did do "
    "does drives drove else excites gets goes got handles happened happens has have if is "
    "keeps kind leads led made makes manages matters means needs owns part percentage portion "
    "prompted runs should signs sort stands triggered type uses was went were will worries "
    "would"
)

# Words before a wh-word that embed it in a statement ("that's what we do", "i'll explain how").
EMBEDDING = _words(
    "depends exactly here's is just know like love matter no see show that's understand "
    "seen saw heard shows shown knows knew learn imagine guess remember forget mean decide "
    "with about of for from on in into than explain explains figure out ask asked tell tells "
    "told track tracks check checks sure care wonder wondering curious choose pick hear "
    "notice noticed describe discuss discussed showing telling what's"
)

# Object pronouns before a wh-subject ("show you what happens", "tells you who is late").
OBJECTS = _words("you me us them him her")

# Words after which a new clause (and so a question) may start.
CLAUSE_OPENERS = _words(
    "alright also and awesome but cool excellent fair first good gotcha great interesting "
    "next now oh ok okay perfect right see sense so sure thanks then true understood well wow "
    "yeah yes"
)

# Words that end a clause: a "who"/"which" after them starts a question, not a relative
# clause ("budgets are tight this quarter who owns ...", "measuring it which numbers ...").
CLAUSE_FINAL = _words(
    "it them that this there here too today now yet already then lately again year quarter "
    "month week morning afternoon time"
)

# Adverbs that may sit between a subject and a verb ("we can also do", "we'll then have").
MID_ADVERBS = _words("also then now just really still even always never usually probably")

# Bare verbs that show "does your team ..." is do-support, not "our team does your ...".
BASE_VERBS = _words(
    "need use have want know handle work feel look get run see take plan expect think do like "
    "send review track manage keep go come make cover share support buy pay happen mean spend "
    "deal hire report approve sign own agree care matter prefer fit sound help store hold "
    "include allow let require cost affect mind"
)

# Third-person subjects make "tell me" a report ("customers tell me ...").
REPORTERS = _words(
    "always clients companies customers everyone folks he i'll let often others partners "
    "people reps she teams they they'll to users usually which who will would you'll"
)

# Words just before a tag that make it part of the statement ("that's right", "is correct").
NOT_TAG_BEFORE = _words("that's is all exactly that you're quite alright")

# Verbs a few words before a final "right" that make it an adverb ("get the pricing right").
RIGHT_ADVERB_VERBS = _words("get got getting gets make making made do doing done set setting up")

REQUEST_VERBS = _words(
    "clarify describe describing elaborate expand explain explaining give help paint say "
    "share sharing take talk tell telling walk walking"
)

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class QuestionWords:
    """The tunable lists from the rule pack's `questions:` section."""

    requests: tuple[Phrase, ...]  # requests to talk: open questions ("walk me through")
    indirect: tuple[Phrase, ...]  # "i'm curious" + wh (open) or + if/whether (closed)
    wondering: tuple[Phrase, ...]  # like indirect, but only when it asks about "you"
    boundaries: tuple[Phrase, ...]  # phrases after which a new question may start
    tags: tuple[Phrase, ...]  # tag questions at the end ("does that make sense")
    check_ins: tuple[Phrase, ...]  # open in form, not probing ("what do you think")
    logistics: tuple[Phrase, ...]  # contact logistics, closed ("who should i send it to")
    small_talk: tuple[Phrase, ...]  # greetings, not discovery ("how are you")
    small_talk_tails: frozenset[str]  # what may follow a greeting ("doing", "today")
    scheduling: frozenset[str]  # wh + these is logistics, a closed question ("what time")


_PHRASE_KEYS = ("requests", "indirect", "wondering", "boundaries", "tags", "check_ins")
_PHRASE_KEYS += ("logistics", "small_talk")
_WORD_KEYS = ("small_talk_tails", "scheduling")


def load_question_words(files: tuple[str, ...]) -> QuestionWords:
    """Merge the `questions:` sections of a pack's files; RulePackError names file and line."""
    from coach.rules.grammar import normalize
    from coach.rules.yamlmarks import LineDict, RulePackError, load_yaml

    lists: dict[str, list[str]] = {k: [] for k in (*_PHRASE_KEYS, *_WORD_KEYS)}
    for f in files:
        doc = load_yaml(Path(f))
        if not isinstance(doc, LineDict) or "questions" not in doc:
            continue
        section = doc["questions"]
        if not isinstance(section, LineDict):
            raise RulePackError(
                f"{f} line {doc.lines['questions']}: 'questions' must be a mapping."
            )
        for key, value in section.items():
            line = section.lines[key]
            if key not in lists:
                raise RulePackError(f"{f} line {line}: unknown list {key!r} under 'questions'.")
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise RulePackError(f"{f} line {line}: 'questions.{key}' must be a list of texts.")
            lists[key].extend(normalize(v) for v in value)
    missing = [k for k, v in lists.items() if not v]
    if missing:
        raise RulePackError(f"{files[-1] if files else 'the pack'}: no 'questions.{missing[0]}'.")

    def phrases(key: str) -> tuple[Phrase, ...]:
        # longest first, so "what do you think about that" wins over "what do you think"
        return tuple(sorted({tuple(p.split()) for p in lists[key]}, key=len, reverse=True))

    return QuestionWords(
        *(phrases(k) for k in _PHRASE_KEYS), *(frozenset(lists[k]) for k in _WORD_KEYS)
    )


@lru_cache(maxsize=8)
def pack_question_words(sources: tuple[str, ...] | None = None) -> QuestionWords:
    """The question words of a pack's files (`RulePack.sources`), or of the default pack."""
    if sources is None:
        from coach.rules.pack import DEFAULT_PACK

        sources = tuple(str(p) for p in sorted(DEFAULT_PACK.glob("*.yaml")))
    return load_question_words(sources)
