"""The live coach: turns the stream of utterances from both channels into flags, positive
marks and metrics, with every phrase and number taken from a rule pack.

`LiveCoach` is deterministic and owns no threads: the caller feeds final utterances in time
order (`add_utterance`), calls `tick` while the call runs (monologue and discovery warnings)
and `finish` when it ends; `on_utterance`, `on_tick` and `on_finish` do the same and return
typed events (coach.events: the flags raised and the positive marks earned, in order). `analyze_utterances` runs a whole call through it offline and
returns the `analyze --json` contract of DESIGN.md.

What earlier calls with the contact learned is handed in, never looked up here (the library
and the call history are app/'s to ask): `learned_before` is the set of qualification topics
learned on them, or None when that is unknown. A topic learned before is not missing; a
follow-up (`previous_calls` >= 1) with unknown earlier content is not judged on qualification
unless the pack says so, as false familiarity is not judged on an unknown history.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import TYPE_CHECKING

from coach.events import CoachEvent, FlagRaised, PositiveMarked
from coach.metrics import CallMetrics, Seen
from coach.questions import Question, find_questions
from coach.results import AnalysisResult, PositiveMark
from coach.rules.grammar import normalize, padded
from coach.rules.kinds import (
    DiscoveryRule,
    MonologueRule,
    OverlapRule,
    QualificationRule,
    Rule,
)
from coach.rules.match import find_all
from coach.rules.pack import RulePack, load_pack
from coach.semantic.combine import decide
from coach.types import Flag, Utterance

if TYPE_CHECKING:
    from coach.semantic.layer import SemanticLayer

log = logging.getLogger(__name__)

_LOOKBACK_SECONDS = 60.0  # how far back overlap and context look among recent utterances
_ECHO_STOPWORDS = frozenset(  # words too common to count as echoing the prospect
    {"the", "and", "for", "you", "your", "our", "are", "was", "were", "this", "that", "with"}
    | {"have", "has", "had", "not", "but", "all", "any", "can", "will", "would", "just"}
    | {"really", "very", "too", "much", "more", "some", "what", "who", "how", "why", "when"}
    | {"problem", "worries", "rush", "pressure", "isn't", "aren't", "wasn't", "weren't", "it's"}
)


@lru_cache(maxsize=1)
def default_pack() -> RulePack:
    return load_pack()


@dataclass
class _Monologue:
    start: float
    end: float
    texts: list[str]
    flagged: bool = False


class LiveCoach:
    """Feed final utterances in time order; collect flags, positives and metrics."""

    def __init__(
        self,
        pack: RulePack | None = None,
        previous_calls: int | None = None,
        semantic: SemanticLayer | None = None,
        learned_before: set[str] | frozenset[str] | None = None,
    ) -> None:
        self.pack = pack or default_pack()
        self.previous_calls = previous_calls
        # Topics learned on earlier calls with this contact; None: not known.
        self.learned_before = frozenset(learned_before) if learned_before is not None else None
        # The learned layer (None: phrase rules alone). Thresholds a lead set in the pack win.
        self.semantic = _with_pack_thresholds(semantic, self.pack) if semantic else None
        self._prospect_text = ""
        self.flags: list[Flag] = []
        self.positives: list[PositiveMark] = []
        self._metrics = CallMetrics(self.pack)
        self._recent: list[Seen] = []
        self._last_fired: dict[str, float] = {}
        self._interrupting: set[int] = set()  # id() of rep utterances already flagged
        self._mono: _Monologue | None = None
        self._discovery_fired = False
        self._finished = False
        self._not_judged: set[str] = set()  # rule ids whose `unless` was heard (gatekeeper call)
        th = self.pack.thresholds
        self._dedup = th["dedup_seconds"]
        self._context = th["context_seconds"]
        self._neg_window = int(th["negation_window_words"])
        self._phrase_rules = self.pack.phrase_rules()
        self._overlap = self.pack.first(OverlapRule)
        self._monologue = self.pack.first(MonologueRule)
        self._discovery = self.pack.first(DiscoveryRule)
        self._qualification = self.pack.first(QualificationRule)

    # ------------------------------------------------------------------ per utterance
    def add_utterance(self, u: Utterance) -> list[Flag]:
        """The flags this line raises (its positive marks go to `positives`)."""
        return [e.flag for e in self.on_utterance(u) if isinstance(e, FlagRaised)]

    def on_utterance(self, u: Utterance) -> list[CoachEvent]:
        """Take one final line: the positive marks it earns, then the flags it raises."""
        norm = normalize(u.text)
        questions = find_questions(norm, normalized=True)
        if not questions and "?" in u.text:  # typed transcripts may keep their question marks
            questions = [Question("closed", 0, norm, False)]
        seen = Seen(u, norm, questions, self.pack.is_backchannel(norm))
        self._metrics.add(seen)
        for rule in (self._discovery, self._qualification):
            if rule and rule.unless_regex and rule.unless_regex.search(padded(norm)):
                self._not_judged.add(rule.id)
        self._recent.append(seen)
        self._recent = [s for s in self._recent if u.start - s.utt.end < _LOOKBACK_SECONDS]
        raised: list[Flag] = []
        marks: list[PositiveMark] = []
        if u.speaker == "rep" and not seen.backchannel:
            marks = self._positives(seen)
            raised += self._judge(seen, self._phrases(seen))
        elif u.speaker == "prospect":
            self._prospect_seen(u)
        raised += self._interruptions(seen)
        raised += self._monologues(seen)
        return [PositiveMarked(m) for m in marks] + _raised(self._keep(raised))

    def _positives(self, seen: Seen) -> list[PositiveMark]:
        u = seen.utt
        marks = []
        for q in seen.questions:
            if q.kind != "open":
                continue
            kind, label = (
                ("probing_question", "Probing question")
                if q.probing
                else ("open_question", "Open question")
            )
            marks.append(PositiveMark(kind, u.speaker, u.start, u.end, u.text, q.text, label))
        self.positives.extend(marks)
        return marks

    def _phrases(self, seen: Seen) -> list[Flag]:
        u, words = seen.utt, seen.norm.split()
        # Each rule sees the utterance as said and, when it holds hedges, without them, so
        # "that's just not true" meets "that's not true" without listing every hedge.
        bare = [w for w in words if w not in self.pack.hedges]
        views = [(padded(seen.norm), words)]
        if len(bare) != len(words):
            views.append((padded(" ".join(bare)), bare))
        fired_kinds: set[str] = set()
        out = []
        for rule in self._phrase_rules:
            if rule.kind in fired_kinds or rule.speaker != u.speaker:
                continue
            if rule.previous_calls is not None and self.previous_calls != rule.previous_calls:
                continue
            if rule.unless_regex and any(rule.unless_regex.search(t) for t, _ in views):
                continue
            matches = chain.from_iterable(
                find_all(rule, t, w, self.pack.negators, self._neg_window) for t, w in views
            )
            if rule.echo:  # any of the places will do, as long as it echoes the prospect
                matches = (x for x in matches if self._echoes(u, x.trigger))
            m = next(matches, None)
            if m is None:
                continue
            if rule.context == "after_prospect_statement" and not self._after_statement(u):
                continue
            if rule.quiet_if_question and seen.is_question:
                continue
            if rule.quiet_if_open_question and any(q.kind == "open" for q in seen.questions):
                continue
            key = f"{rule.id}|{m.trigger}"  # the same words again soon after: one flag
            last = self._last_fired.get(key)
            if last is not None and abs(u.start - last) < self._dedup:
                continue
            self._last_fired[key] = u.start
            fired_kinds.add(rule.kind)
            out.append(self._flag(rule, u.start, u.end, u.text, m.trigger))
        return out

    def _prospect_seen(self, u: Utterance) -> None:
        self._prospect_text = u.text
        if self.semantic is not None and self.semantic.needs_prospect and u.text.strip():
            try:  # embed now, so the rep's answer only waits for its own line
                self.semantic.embed(u.text)
            except Exception:  # the layer failing leaves the rules working
                log.exception("semantic layer failed on a prospect line")

    def _judge(self, seen: Seen, rule_flags: list[Flag]) -> list[Flag]:
        """Rule flags, plus the kinds the rules missed that the semantic layer raises."""
        if self.semantic is None or not seen.norm:
            return rule_flags
        u = seen.utt
        try:
            scores = self.semantic.score(u.text, self._prospect_text)
        except Exception:  # the layer failing leaves the rules working
            log.exception("semantic layer failed on a rep line")
            return rule_flags
        decision = decide(
            (f.kind for f in rule_flags), scores, self.previous_calls, self.pack.semantic_veto
        )
        out = [
            dataclasses.replace(f, score=scores[f.kind].score) if f.kind in scores else f
            for f in rule_flags
            if f.kind not in decision.vetoed
        ]
        for s in decision.added:
            key = f"semantic:{s.kind}"
            last = self._last_fired.get(key)
            if last is not None and abs(u.start - last) < self._dedup and s.kind == "content_dump":
                continue  # a list of content read out over several lines: one card
            self._last_fired[key] = u.start
            card = self.pack.semantic.get(s.kind, {})
            out.append(
                Flag(
                    s.kind, "rep", u.start, u.end, u.text,
                    card.get("suggestion", ""), "", card.get("label", s.kind),
                    "semantic", s.score, s.resembles,
                )
            )
        return out

    def _after_statement(self, u: Utterance) -> bool:
        prev = self._metrics.previous_turn(u)
        if prev is None or prev.utt.speaker != "prospect" or prev.is_question:
            return False
        return u.start - prev.utt.end <= self._context

    def _echoes(self, u: Utterance, trigger: str) -> bool:
        """The trigger holds a content word of the prospect's last turn (a negated echo)."""
        prev = self._metrics.previous_turn(u)
        if prev is None or prev.utt.speaker != "prospect":
            return False
        said = set(prev.norm.split()) - _ECHO_STOPWORDS - self.pack.negators
        return any(len(w) >= 3 and _same_word(w, said) for w in trigger.split())

    # ------------------------------------------------------------------ timing
    def _interruptions(self, seen: Seen) -> list[Flag]:
        rule = self._overlap
        if rule is None or seen.backchannel:
            return []
        others = [
            s for s in self._recent if s.utt.speaker != seen.utt.speaker and not s.backchannel
        ]
        pairs = (
            [(seen.utt, s.utt) for s in others]
            if seen.utt.speaker == "rep"
            else [(s.utt, seen.utt) for s in others]
        )
        out = []
        for rep, prospect in pairs:
            if id(rep) in self._interrupting or not _cuts_in(rep, prospect, rule):
                continue
            self._interrupting.add(id(rep))
            self._metrics.interruptions += 1
            out.append(self._flag(rule, rep.start, rep.end, rep.text, rep.text.split()[0]))
        return out

    def _monologues(self, seen: Seen) -> list[Flag]:
        rule, u = self._monologue, seen.utt
        if rule is None or not seen.norm:
            return []
        if u.speaker == "prospect":
            if not seen.backchannel and self._mono and u.end > self._mono.start:
                self._close_monologue()
            return []
        if self._mono and u.start - self._mono.end > rule.gap_break_seconds:
            self._close_monologue()
        if self._mono is None:
            self._mono = _Monologue(u.start, u.end, [])
        self._mono.end = max(self._mono.end, u.end)
        self._mono.texts.append(u.text)
        self._metrics.current_monologue = (self._mono.start, self._mono.end)
        return self._check_monologue(self._mono.end)

    def _check_monologue(self, now: float) -> list[Flag]:
        mono, rule = self._mono, self._monologue
        if mono is None or rule is None or mono.flagged or now - mono.start <= rule.limit_seconds:
            return []
        mono.flagged = True
        text = " ".join(mono.texts)
        text = text if len(text) <= 300 else text[:297] + "..."
        minutes = (now - mono.start) / 60.0
        return [self._flag(rule, mono.start, now, text, f"{minutes:.1f} minutes without a pause")]

    def _close_monologue(self) -> None:
        if self._mono is not None:
            self._metrics.monologues.append((self._mono.start, self._mono.end))
        self._mono = None
        self._metrics.current_monologue = None

    def tick(self, now: float) -> list[Flag]:
        """Timing flags while the call runs: a monologue crossing the limit, too little discovery."""
        out: list[Flag] = []
        if self._mono is not None and self._monologue is not None:
            live_end = (
                now if now - self._mono.end < self._monologue.gap_break_seconds else self._mono.end
            )
            self._metrics.current_monologue = (self._mono.start, live_end)
            out += self._check_monologue(live_end)
        rule = self._discovery
        if rule is not None and not self._discovery_fired and now >= rule.live_check_seconds:
            out += self._discovery_flag(now)
        return self._keep(out)

    def on_tick(self, now: float) -> list[CoachEvent]:
        """`tick` as events."""
        return _raised(self.tick(now))

    def monologue_warning(self, now: float) -> bool:
        """True while the current monologue is past the pack's warning time (live view)."""
        if self._mono is None or self._monologue is None:
            return False
        return now - self._mono.start > self._monologue.warning_seconds

    # ------------------------------------------------------------------ end of call
    def finish(self, end: float) -> list[Flag]:
        """End-of-call flags: too little discovery, qualification topics not learned."""
        if self._finished:
            return []
        self._finished = True
        self._close_monologue()
        out: list[Flag] = []
        if self._discovery is not None and not self._discovery_fired:
            out += self._discovery_flag(end)
        rule = self._qualification
        if rule is not None and self._conversation(rule, end) and self._history_judgeable(rule):
            earlier = self.learned_before or frozenset()
            missing = [t for t in self._metrics.missing_topics(rule.required) if t not in earlier]
            if missing:
                names = ", ".join(missing)
                out.append(self._flag(rule, 0.0, end, f"Not learned: {names}", names))
        return self._keep(out)

    def on_finish(self, end: float) -> list[CoachEvent]:
        """`finish` as events."""
        return _raised(self.finish(end))

    def earlier_calls_unknown(self) -> bool:
        """A follow-up whose earlier calls' content the coach was not given."""
        return bool(self.previous_calls) and self.learned_before is None

    def _history_judgeable(self, rule: QualificationRule) -> bool:
        return rule.judge_follow_ups_without_history or not self.earlier_calls_unknown()

    def _discovery_flag(self, now: float) -> list[Flag]:
        rule = self._discovery
        if rule is None or not self._conversation(rule, now):
            return []
        needed = max(rule.min_open_questions, int(now // rule.seconds_per_open_question))
        asked = self._metrics.probing_questions
        if asked >= needed:
            return []
        self._discovery_fired = True
        text = f"{asked} probing questions in {now / 60.0:.1f} minutes (at least {needed} expected)"
        return [self._flag(rule, 0.0, now, text, f"{asked} probing questions")]

    def _conversation(self, rule: DiscoveryRule | QualificationRule, now: float) -> bool:
        """Long enough, with enough prospect turns, to judge discovery and qualification."""
        turns = self._metrics.turns.get("prospect", 0)
        if rule.id in self._not_judged:
            return False
        return now >= rule.min_call_seconds and turns >= rule.min_prospect_turns

    def monologue_spans(self) -> dict[float, float]:
        """Each finished monologue's start -> its end (a monologue flag is raised at its start)."""
        return dict(self._metrics.monologues)

    def metrics(self, now: float | None = None) -> dict:
        snap = self._metrics.snapshot(now)
        snap["monologue_warning"] = self.monologue_warning(
            now if now is not None else snap["duration_seconds"]
        )
        counts: dict[str, int] = {}
        for f in self.flags:
            counts[f.kind] = counts.get(f.kind, 0) + 1
        snap["flags_by_kind"] = counts
        earlier = self.learned_before or frozenset()
        for name, topic in snap["qualification"].items():
            topic["learned_before"] = name in earlier
        snap["earlier_calls"] = self._earlier_calls_summary()
        return snap

    def _earlier_calls_summary(self) -> dict:
        """What the coach knew of earlier calls with the contact, with one sentence for people."""
        learned = sorted(self.learned_before) if self.learned_before is not None else None
        if not self.previous_calls and not learned:
            note = "First call with this contact." if self.previous_calls == 0 else ""
        elif learned is None:
            rule = self._qualification
            judged = rule is not None and rule.judge_follow_ups_without_history
            note = (
                f"Follow-up call ({self.previous_calls} earlier): what the earlier calls learned"
                " is unknown, so "
                + ("missing topics are flagged as on a first call." if judged
                   else "topics not learned today are not flagged.")
            )
        else:
            labels = {t.name: t.label for t in self.pack.topics}
            names = ", ".join(labels.get(t, t) for t in learned) or "nothing to qualify"
            note = f"Learned on earlier calls: {names}."
        return {"count": self.previous_calls, "learned": learned, "note": note}

    # ------------------------------------------------------------------ helpers
    def _flag(self, rule: Rule, start: float, end: float, text: str, trigger: str) -> Flag:
        return Flag(rule.kind, "rep", start, end, text, rule.suggestion, trigger, rule.label)

    def _keep(self, flags: list[Flag]) -> list[Flag]:
        self.flags.extend(flags)
        return flags


def _raised(flags: list[Flag]) -> list[CoachEvent]:
    return [FlagRaised(f) for f in flags]


def _same_word(word: str, said: set[str]) -> bool:
    """Exact, or one a 4+ letter stem of the other ("risk" / "risky", "long" / "longer")."""
    if word in said:
        return True
    return len(word) >= 4 and any(
        len(s) >= 4 and (s.startswith(word) or word.startswith(s)) for s in said
    )


def _cuts_in(rep: Utterance, prospect: Utterance, rule: OverlapRule) -> bool:
    """True when the rep starts while the prospect is mid-speech and the prospect goes on."""
    t = rep.start
    if prospect.words:
        before = [w for w in prospect.words if w.start < t]
        if not before or t - prospect.words[0].start < rule.min_lead_seconds:
            return False
        still = before[-1].end > t - rule.tolerance_seconds  # speaking at t, not in a pause
        goes_on = any(w.end > t + rule.tolerance_seconds for w in prospect.words)
        return still and goes_on
    return (
        prospect.start <= t - rule.min_lead_seconds and prospect.end >= t + rule.tolerance_seconds
    )


def _with_pack_thresholds(layer: SemanticLayer, pack: RulePack) -> SemanticLayer:
    set_by_lead = {k: v["threshold"] for k, v in pack.semantic.items() if v.get("threshold")}
    return layer.with_thresholds(set_by_lead) if set_by_lead else layer


def analyze_utterances(
    utts: list[Utterance],
    previous_calls: int | None,
    pack: RulePack | None = None,
    semantic: SemanticLayer | None = None,
    learned_before: set[str] | frozenset[str] | None = None,
) -> AnalysisResult:
    """Run a whole call through a LiveCoach; monologue flags get their full span.
    `learned_before`: qualification topics learned on earlier calls with the contact (None:
    unknown)."""
    ordered = sorted(utts, key=lambda u: (u.start, u.end))
    coach = LiveCoach(pack, previous_calls, semantic, learned_before)
    for u in ordered:
        coach.add_utterance(u)
    end = max((u.end for u in ordered), default=0.0)
    coach.finish(end)
    metrics = coach.metrics(end)
    spans = coach.monologue_spans()
    flags = [
        dataclasses.replace(f, end=spans.get(f.start, f.end)) if f.kind == "monologue" else f
        for f in coach.flags
    ]
    flags.sort(key=lambda f: (f.start, f.kind))
    return AnalysisResult(ordered, flags, metrics, list(coach.positives))
