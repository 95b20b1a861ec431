"""Precision and recall of the coach per flag kind against a labelled corpus of calls.

A corpus call is a transcript JSON (as `analyze` reads it) whose utterances carry
`"expect": [kinds]` and whose top level may carry `"expect_call": [kinds]` for the
whole-call kinds (monologue, no_discovery, missed_qualification). A flag counts for the
utterance it starts on; a whole-call flag counts for the call.
"""

from __future__ import annotations

import json
from pathlib import Path

from coach.analyze import read_transcript
from coach.engine import analyze_utterances
from coach.rules.pack import RulePack
from coach.types import FLAG_KINDS

CALL_KINDS = ("monologue", "no_discovery", "missed_qualification")


def _utterance_index(starts: list[float], flag_start: float) -> int | None:
    best = min(range(len(starts)), key=lambda i: abs(starts[i] - flag_start), default=None)
    if best is None or abs(starts[best] - flag_start) > 0.01:
        return None
    return best


def evaluate(corpus: str | Path, pack: RulePack | None = None, semantic=None) -> dict:
    """{"kinds": {kind: {tp, fp, fn, precision, recall}}, "misses": [...], "false_alarms": [...]}"""
    # A corpus folder may keep its scores beside the calls (e.g. rules_only_score.json).
    files = sorted(f for f in Path(corpus).glob("*.json") if not f.stem.endswith("_score"))
    expected: set[tuple] = set()
    predicted: set[tuple] = set()
    texts: dict[tuple, str] = {}
    rep_utterances = 0
    for f in files:
        raw = json.loads(f.read_text(encoding="utf-8"))
        utts, prev = read_transcript(f)
        ordered = sorted(range(len(utts)), key=lambda i: (utts[i].start, utts[i].end))
        for i, item in enumerate(raw["utterances"]):
            rep_utterances += item["speaker"] == "rep"
            texts[(f.stem, i)] = item["text"]
            for kind in item.get("expect", []):
                expected.add((f.stem, i, kind))
        for kind in raw.get("expect_call", []):
            expected.add((f.stem, None, kind))
        result = analyze_utterances([utts[i] for i in ordered], prev, pack, semantic)
        starts = [utts[i].start for i in ordered]
        for flag in result.flags:
            if flag.kind in CALL_KINDS:
                predicted.add((f.stem, None, flag.kind))
                continue
            pos = _utterance_index(starts, flag.start)
            idx = ordered[pos] if pos is not None else -1
            predicted.add((f.stem, idx, flag.kind))
            texts.setdefault((f.stem, idx), flag.text)
    kinds = {}
    for kind in FLAG_KINDS:
        e = {x for x in expected if x[2] == kind}
        p = {x for x in predicted if x[2] == kind}
        tp, fp, fn = len(e & p), len(p - e), len(e - p)
        kinds[kind] = {
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": round(tp / (tp + fp), 3) if tp + fp else None,
            "recall": round(tp / (tp + fn), 3) if tp + fn else None,
        }

    def describe(items: set[tuple]) -> list[dict]:
        return [
            {
                "call": c,
                "kind": k,
                "text": texts.get((c, i), "(whole call)") if i is not None else "(whole call)",
            }
            for c, i, k in sorted(
                items, key=lambda x: (x[0], x[1] if x[1] is not None else -1, x[2])
            )
        ]

    return {
        "calls": len(files),
        "rep_utterances": rep_utterances,
        "kinds": kinds,
        "misses": describe(expected - predicted),
        "false_alarms": describe(predicted - expected),
    }
