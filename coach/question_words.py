"""The word lists behind lexical question detection (coach.questions): grammar, not data
a team lead tunes, so they live in code beside the rules that use them."""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _phrases(text: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(p.split()) for p in text.split(","))


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

# Words that can open the subject after an inverted auxiliary.
SUBJECT = _words(
    "a all an any anybody anyone everyone folks he her his i it most our people she someone "
    "that the their there these they things this those we y'all you your"
)

PRONOUN = _words("he i it she they we you")

# "the reason is that ...", "what i'm saying is that ..." are statements.
COMPLEMENT_NOUNS = _words(
    "advantage beauty benefit catch challenge concern difference downside fact goal hope idea "
    "is issue key mean meant news part plan point problem question reason result risk saying "
    "thing trick truth upside"
)

# Words before an inverted auxiliary that show it is not a question ("if you can you should").
NOT_BEFORE_AUX = _words(
    "as because he here how i if it she than that there they this we what what's when where "
    "whether which who whom whose why you"
)

# What follows a wh-word that is itself the subject ("who else", "what made you").
WH_SUBJECT_VERBS = _words(
    "about approves are brings brought came can caused changed comes could decides did do "
    "does drives drove else excites gets goes got handles happened happens has have if is "
    "keeps kind leads led made makes manages matters means needs owns part percentage portion "
    "prompted runs should signs sort stands triggered type uses was went were will worries "
    "would"
)

# Words before a wh-word that embed it in a statement ("that's what we do").
EMBEDDING = _words(
    "depends exactly here's is just know like love matter no see show that that's understand "
    "seen saw heard shows shown knows knew learn imagine guess remember forget mean decide "
    "with about of for from on in into than"
)

# Words after which a new clause (and so a question) may start.
CLAUSE_OPENERS = _words(
    "alright also and awesome but cool excellent fair first good gotcha great interesting "
    "next now oh ok okay perfect right see sense so sure thanks then true understood well wow "
    "yeah yes"
)

# Requests to talk count as open questions ("walk me through ...").
REQUESTS = _phrases(
    "tell me, walk me through, talk me through, take me through, help me understand, give me "
    "a sense, give me an idea, give me an example, paint me a picture, paint a picture, i'm "
    "curious, i'd love to hear, i'd love to know, i'd love to understand, i'd like to "
    "understand, i'm wondering, i wonder, say more, describe, explain, elaborate, expand on, "
    "share more, curious about, curious what, curious how, curious why"
)

REQUEST_VERBS = _words(
    "clarify describe describing elaborate expand explain explaining give help paint say "
    "share sharing take talk tell telling walk walking"
)

# Third-person subjects make "tell me" a report ("customers tell me ...").
REPORTERS = _words(
    "always clients companies customers everyone folks he i'll let often others partners "
    "people reps she teams they they'll to users usually which who will would you'll"
)

SMALL_TALK = _phrases(
    "how are you, how are things, how is your day, how's your day, how's it going, how have "
    "you been, how's everything, how was your weekend, how's your week, how you doing, what's "
    "up"
)

SMALL_TALK_TAILS = _words(
    "and been doing going good great holding hope i it's keeping on over so there this today"
)

SCHEDULING = _words(
    "time times day days date email number address zip monday tuesday wednesday thursday "
    "friday tomorrow morning afternoon"
)

TAG_ENDINGS = _phrases(
    "does that make sense, is that fair, sound good, make sense, is that right, right, correct"
)

# Open in form, but they check the pitch landed rather than dig into the prospect's world.
CHECK_INS = _phrases(
    "what do you think, what do you say, how does that sound, how does this sound, how do you "
    "feel about that, how do you feel about this, what questions do you have, what questions "
    "can i answer, what else can i, how about, what's the best way to reach, what's the best "
    "number, what's the best email, who should i send, how would that work for you, how's "
    "that, what do you think about that"
)

# Words that mark an open question as probing the prospect's situation.
PROBES = _words(
    "affect biggest challenge challenges change cost costing currently decide driving else "
    "example goal goals handle happen happens impact look mean measure more priority problem "
    "prompted through today understand why worked working"
)
