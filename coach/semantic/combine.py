"""How rule hits and semantic scores make one decision per rep line (one place, used by the
live coach and by training's calibration, so both judge a line the same way).

A rule hit keeps its highlighted words and rewrite. A kind the rules missed fires when the
layer scores the line at or above the kind's threshold; familiarity only on a first call.
The veto (drop a rule hit the layer scores far below every positive example) is off unless
measured to help: see `coach train --json`, "veto".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from coach.semantic.layer import Score

HISTORY_KINDS = frozenset({"false_familiarity"})  # need 0 earlier calls to be judged


@dataclass(frozen=True)
class Decision:
    added: tuple[Score, ...]  # kinds the rules missed that the layer raises
    vetoed: frozenset[str]  # rule kinds the veto drops


def decide(
    rule_kinds: Iterable[str],
    scores: Mapping[str, Score],
    previous_calls: int | None,
    veto_below: float | None = None,
) -> Decision:
    rule_kinds = set(rule_kinds)
    added = []
    for kind, s in scores.items():
        if kind in rule_kinds or not s.fires:
            continue
        if kind in HISTORY_KINDS and previous_calls != 0:
            continue
        added.append(s)
    vetoed: set[str] = set()
    if veto_below is not None:
        vetoed = {k for k in rule_kinds if k in scores and scores[k].score < veto_below}
    return Decision(tuple(sorted(added, key=lambda s: -s.score)), frozenset(vetoed))
