"""The coach on whole calls nobody tuned on: blind set 4 (tests/corpus/blind4, written blind
and scored once, 2026-12-05), with the rules alone and with the shipped semantic layer.

Floors are the honest scores of that single scoring, so a change that makes the coach worse
on unseen calls fails here. Do not tune on this set: write a new one instead (see README).
Scored once: rules P 0.94 R 0.64; rules + layer P 0.94 R 0.64 (the layer added no card).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.analyze import read_transcript
from coach.engine import analyze_utterances
from coach.evaluate import evaluate
from coach.semantic.layer import SHIPPED_LAYER, SemanticLayer

BLIND = Path(__file__).resolve().parent / "corpus" / "blind4"
KINDS = ("arguing", "pressure", "vague_language", "false_familiarity", "content_dump")


@pytest.fixture(scope="module")
def layer() -> SemanticLayer:
    from coach.semantic.encoder import load_encoder

    return SemanticLayer.load(SHIPPED_LAYER, load_encoder())


def _pooled(result: dict) -> tuple[float, float]:
    tp = sum(result["kinds"][k]["tp"] for k in KINDS)
    fp = sum(result["kinds"][k]["fp"] for k in KINDS)
    fn = sum(result["kinds"][k]["fn"] for k in KINDS)
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1)


def test_blind_set_is_there_and_untouched() -> None:
    calls = [f for f in BLIND.glob("*.json") if not f.name.endswith("_score.json")]
    assert len(calls) == 24
    assert "scored once" in (BLIND / "README.md").read_text().lower()


def test_rules_alone_hold_their_blind_score() -> None:
    precision, recall = _pooled(evaluate(BLIND))
    assert precision >= 0.93 and recall >= 0.62, (precision, recall)


def test_the_layer_does_not_cost_precision_on_unseen_calls(layer) -> None:
    rules = evaluate(BLIND)
    both = evaluate(BLIND, None, layer)
    _, r_rules = _pooled(rules)
    p_both, r_both = _pooled(both)
    assert r_both >= r_rules
    assert p_both >= 0.9, both["kinds"]


def test_good_blind_calls_get_no_semantic_card(layer) -> None:
    for f in sorted(BLIND.glob("*good*.json")):
        utts, prev = read_transcript(f)
        flags = analyze_utterances(utts, prev, semantic=layer).flags
        assert not [x for x in flags if x.source == "semantic"], (f.name, flags)
