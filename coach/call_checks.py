"""What is judged over the whole call rather than line by line: discovery (enough open,
probing questions for the time elapsed; checked live once the pack's time has passed, and at
the end) and qualification (the required topics learned by the end, or on an earlier call with
the contact), and what the coach knew of those earlier calls, in one sentence for people.

Neither is judged on a call that was no conversation (too short, too few prospect turns, or
one where a pack's `unless` phrase was heard, e.g. a gatekeeper). What earlier calls learned is
handed in, never looked up here: `learned_before` is the set of topics learned on them, or None
when that is unknown; a follow-up with unknown earlier content is not judged on qualification
unless the pack says so. `CallChecks` is one part of `coach.engine.LiveCoach`.
"""

from __future__ import annotations

from coach.line_judge import rule_flag
from coach.metrics import CallMetrics
from coach.rules.grammar import padded
from coach.rules.kinds import DiscoveryRule, QualificationRule
from coach.rules.pack import RulePack
from coach.types import Flag


class CallChecks:
    """Discovery and qualification for one call; the lines' norms are heard as they come."""

    def __init__(
        self,
        pack: RulePack,
        metrics: CallMetrics,
        previous_calls: int | None,
        learned_before: frozenset[str] | None,
    ) -> None:
        self.pack, self.previous_calls, self.learned_before = pack, previous_calls, learned_before
        self._metrics = metrics  # read only: turns, probing questions, topics covered
        self._discovery = pack.first(DiscoveryRule)
        self._qualification = pack.first(QualificationRule)
        self._discovery_fired = False
        self._not_judged: set[str] = set()  # rule ids whose `unless` was heard (gatekeeper call)

    def hear(self, norm: str) -> None:
        """A line of either channel (normalised): a rule's `unless` in it exempts the call."""
        for rule in (self._discovery, self._qualification):
            if rule and rule.unless_regex and rule.unless_regex.search(padded(norm)):
                self._not_judged.add(rule.id)

    def tick(self, now: float) -> list[Flag]:
        """While the call runs: too little discovery, once the pack's live check time passed."""
        rule = self._discovery
        if rule is not None and not self._discovery_fired and now >= rule.live_check_seconds:
            return self._discovery_flag(now)
        return []

    def finish(self, end: float) -> list[Flag]:
        """At the end: too little discovery (unless already flagged), topics not learned."""
        out: list[Flag] = []
        if self._discovery is not None and not self._discovery_fired:
            out += self._discovery_flag(end)
        rule = self._qualification
        if rule is not None and self._conversation(rule, end) and self._history_judgeable(rule):
            earlier = self.learned_before or frozenset()
            missing = [t for t in self._metrics.missing_topics(rule.required) if t not in earlier]
            if missing:
                names = ", ".join(missing)
                out.append(rule_flag(rule, 0.0, end, f"Not learned: {names}", names))
        return out

    def earlier_calls_unknown(self) -> bool:
        """A follow-up whose earlier calls' content the coach was not given."""
        return bool(self.previous_calls) and self.learned_before is None

    def earlier_calls_summary(self) -> dict:
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
            )  # fmt: skip
        else:
            labels = {t.name: t.label for t in self.pack.topics}
            names = ", ".join(labels.get(t, t) for t in learned) or "nothing to qualify"
            note = f"Learned on earlier calls: {names}."
        return {"count": self.previous_calls, "learned": learned, "note": note}

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
        return [rule_flag(rule, 0.0, now, text, f"{asked} probing questions")]

    def _conversation(self, rule: DiscoveryRule | QualificationRule, now: float) -> bool:
        """Long enough, with enough prospect turns, to judge discovery and qualification."""
        turns = self._metrics.turns.get("prospect", 0)
        if rule.id in self._not_judged:
            return False
        return now >= rule.min_call_seconds and turns >= rule.min_prospect_turns
