"""What one rep line raises: the pack's phrase rules (said as is and without its hedges, with
their echo, context and question conditions, and the same words again soon after counted
once) and, when a semantic layer is given, the kinds the rules missed that it raises and the
rule flags it vetoes; and the positive marks the line earns (open and probing questions).

`LineJudge` is one part of `coach.engine.LiveCoach`: it remembers the prospect's last line
(the layer's context) and when each rule last fired; the call's turns it reads from the
`CallMetrics` it is given. `rule_flag` is how every rule of the pack becomes a `Flag`.
"""

from __future__ import annotations

import dataclasses
import logging
from itertools import chain
from typing import TYPE_CHECKING

from coach.metrics import CallMetrics, Seen
from coach.results import PositiveMark
from coach.rules.grammar import padded
from coach.rules.kinds import Rule
from coach.rules.match import find_all
from coach.rules.pack import RulePack
from coach.semantic.combine import decide
from coach.types import Flag, Utterance

if TYPE_CHECKING:
    from coach.semantic.layer import SemanticLayer

log = logging.getLogger(__name__)

_ECHO_STOPWORDS = frozenset(  # words too common to count as echoing the prospect
    {"the", "and", "for", "you", "your", "our", "are", "was", "were", "this", "that", "with"}
    | {"have", "has", "had", "not", "but", "all", "any", "can", "will", "would", "just"}
    | {"really", "very", "too", "much", "more", "some", "what", "who", "how", "why", "when"}
    | {"problem", "worries", "rush", "pressure", "isn't", "aren't", "wasn't", "weren't", "it's"}
)


def rule_flag(rule: Rule, start: float, end: float, text: str, trigger: str) -> Flag:
    """The rep's flag a pack rule raises, with the rule's suggestion and label."""
    return Flag(rule.kind, "rep", start, end, text, rule.suggestion, trigger, rule.label)


def positive_marks(seen: Seen) -> list[PositiveMark]:
    """The open questions in a line, each a mark in the rep's favour (probing or not)."""
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
    return marks


def with_pack_thresholds(layer: SemanticLayer, pack: RulePack) -> SemanticLayer:
    """The layer with the thresholds a team lead set in the pack (they win over the layer's)."""
    set_by_lead = {k: v["threshold"] for k, v in pack.semantic.items() if v.get("threshold")}
    return layer.with_thresholds(set_by_lead) if set_by_lead else layer


class LineJudge:
    """Judges the rep's lines one at a time, in call order."""

    def __init__(
        self,
        pack: RulePack,
        metrics: CallMetrics,
        previous_calls: int | None,
        semantic: SemanticLayer | None,
    ) -> None:
        self.pack, self.previous_calls, self.semantic = pack, previous_calls, semantic
        self._metrics = metrics  # read only: the turns before a line
        self._prospect_text = ""
        self._last_fired: dict[str, float] = {}  # rule|trigger (or semantic:kind) -> its start
        th = pack.thresholds
        self._dedup = th["dedup_seconds"]
        self._context = th["context_seconds"]
        self._neg_window = int(th["negation_window_words"])
        self._phrase_rules = pack.phrase_rules()

    def rep_line(self, seen: Seen) -> list[Flag]:
        """The flags a rep line raises: the phrase rules', then the semantic layer's verdict."""
        return self._judge(seen, self._phrases(seen))

    def prospect_line(self, u: Utterance) -> None:
        """Remember the prospect's line: the context of the rep's answer."""
        self._prospect_text = u.text
        if self.semantic is not None and self.semantic.needs_prospect and u.text.strip():
            try:  # embed now, so the rep's answer only waits for its own line
                self.semantic.embed(u.text)
            except Exception:  # the layer failing leaves the rules working
                log.exception("semantic layer failed on a prospect line")

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
            out.append(rule_flag(rule, u.start, u.end, u.text, m.trigger))
        return out

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
            )  # fmt: skip
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


def _same_word(word: str, said: set[str]) -> bool:
    """Exact, or one a 4+ letter stem of the other ("risk" / "risky", "long" / "longer")."""
    if word in said:
        return True
    return len(word) >= 4 and any(
        len(s) >= 4 and (s.startswith(word) or word.startswith(s)) for s in said
    )
