"""Fitting the semantic layer: per-kind classifiers on the labelled examples, thresholds chosen
on realistic whole calls, and the report that says what changed.

Thresholds are the lever (the classifiers rank well; where to cut decides precision): each
kind's is the cut that gives the most recall on the calibration calls while the coach's
precision there (rules and layer together) stays at or above the target. The calibration
calls are never trained on, so their scores look like the scores of calls to come.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

import resources
from coach.engine import LiveCoach, default_pack
from coach.rules.pack import RulePack
from coach.semantic.classifier import FEATURES, features, fit_logistic, predict
from coach.semantic.embeddings import EmbeddingStore
from coach.semantic.examples import PHRASE_KINDS, Example, call_examples, dedupe, semantic_text
from coach.semantic.layer import (
    KindModel,
    SemanticLayer,
    knn_margins,
    mix,
    with_words,
)
from coach.semantic.lexical import fit_words, grams, indicators, vocabulary
from coach.semantic.report import Line, OutOfFold, counts, evaluate_lines, kind_gate, veto_study
from coach.types import Utterance

CALIBRATION = resources.path("coach", "calibration", "json")
TARGET_PRECISION = 0.95
MIN_THRESHOLD = 0.5
TAUGHT_WEIGHT = 8  # = the neighbours averaged: one close taught example can carry a margin
L2 = 0.3  # chosen by out-of-fold average precision on the calibration calls (0.03-10 tried)


@dataclass
class TrainResult:
    layer: SemanticLayer
    report: dict = field(default_factory=dict)


def calibration_calls(folder: str | Path = CALIBRATION) -> list[tuple[str, dict]]:
    return [
        (f.stem, json.loads(f.read_text(encoding="utf-8")))
        for f in sorted(Path(folder).glob("*.json"))
    ]


def rule_lines(calls: Iterable[tuple[str, dict]], pack: RulePack | None) -> list[Line]:
    """Each rep line of each call with the phrase kinds the rules raise on it in the call."""
    out = []
    for name, doc in calls:
        prev = doc.get("previous_calls")
        coach = LiveCoach(pack, previous_calls=prev)
        utts = sorted(doc["utterances"], key=lambda u: (u["start"], u["end"]))
        examples = iter(call_examples(utts, prev, name))
        for u in utts:
            got = coach.add_utterance(Utterance(u["speaker"], u["start"], u["end"], u["text"]))
            if u["speaker"] == "rep":
                kinds = frozenset(f.kind for f in got if f.kind in PHRASE_KINDS)
                out.append(Line(next(examples), kinds, name))
    return out


def example_rule_lines(examples: Iterable[Example], pack: RulePack | None) -> list[Line]:
    """Single labelled lines judged by the rules after their prospect line."""
    out = []
    for e in examples:
        coach = LiveCoach(pack, previous_calls=e.previous_calls)
        if e.prospect:
            coach.add_utterance(Utterance("prospect", 0.0, 3.0, e.prospect))
        got = coach.add_utterance(Utterance("rep", 3.7, 6.0, e.rep))
        out.append(Line(e, frozenset(f.kind for f in got if f.kind in PHRASE_KINDS), e.source))
    return out


def choose_threshold(
    scores: np.ndarray, rule: np.ndarray, want: np.ndarray, gate: np.ndarray, target: float
) -> tuple[float, dict, dict]:
    """(threshold, combined counts there, rules-only counts) for one kind on calibration lines.

    Lines the rules left open are taken best score first; the cut keeps the longest run whose
    precision (rules and layer together) stays >= target, or >= the rules' own precision when
    the rules alone are below it. It sits halfway into the gap below the last line taken, so
    a slightly lower score on a new call does not fall off the edge; with no line taken, it
    sits halfway between the best-scoring harmless line and 1."""
    rules_only = counts(rule, want)
    floor = min(target, rules_only["precision"] if rules_only["precision"] is not None else 1.0)
    open_lines = np.flatnonzero(gate & ~rule)
    ranked = open_lines[np.argsort(-scores[open_lines], kind="stable")]
    tp, fp = rules_only["tp"], rules_only["fp"]
    taken = 0
    for i, j in enumerate(ranked, 1):
        if scores[j] < MIN_THRESHOLD:
            break
        tp, fp = tp + bool(want[j]), fp + (not want[j])
        if tp / (tp + fp) >= floor:
            taken = i
    above = 1.0 if taken == 0 else float(scores[ranked[taken - 1]])
    below = float(scores[ranked[taken]]) if taken < len(ranked) else MIN_THRESHOLD
    t = max(MIN_THRESHOLD, (above + max(below, MIN_THRESHOLD)) / 2.0)
    pred = rule | (gate & ~rule & (scores >= t))
    return round(t, 4), counts(pred, want), rules_only


def _labels(examples: list[Example], kind: str) -> tuple[np.ndarray, np.ndarray]:
    idx, y = [], []
    for i, e in enumerate(examples):
        lab = e.labels(kind)
        if lab is not None:
            idx.append(i)
            y.append(1.0 if lab else 0.0)
    return np.array(idx, dtype=int), np.array(y)


def layer_knn() -> int:
    from coach.semantic import layer

    return layer.KNN


def layer_lr_weight() -> float:
    from coach.semantic import layer

    return layer.LR_WEIGHT


def layer_word_weight() -> float:
    from coach.semantic import layer

    return layer.WORD_WEIGHT


def _fold(e: Example, folds: int) -> int:
    # Lines of one call stay together (they share a scenario); single lines spread by text.
    group = e.source if e.source.startswith("call:") else e.rep
    return zlib.crc32(group.encode("utf-8")) % folds


def train(
    examples: list[Example],
    calls: list[tuple[str, dict]],
    encode: Callable[[list[str]], np.ndarray],
    store: EmbeddingStore,
    pack: RulePack | None = None,
    target: float = TARGET_PRECISION,
    previous: SemanticLayer | None = None,
    progress: Callable[[int, int], None] | None = None,
    folds: int = 4,
) -> TrainResult:
    """Fit every kind on `examples` and the calibration `calls`' lines; choose thresholds on
    the calls' out-of-fold scores (each scored by a model that did not see its call)."""
    t0 = time.perf_counter()
    rules = pack or default_pack()
    veto = rules.semantic_veto  # the live coach drops these rule hits too
    # A kind may aim lower than `target` (semantic.yaml `target_precision:`): where a missed
    # line costs more than a false card, as pressure does on unseen calls.
    targets = {
        kind: rules.semantic.get(kind, {}).get("target_precision") or target
        for kind in PHRASE_KINDS
    }
    cal = rule_lines(calls, pack)
    for ln in cal:
        ln.example = replace(ln.example, source=f"call:{ln.call}")
    pool = dedupe([*examples, *(ln.example for ln in cal)])
    # What a lead taught counts TAUGHT_WEIGHT times (in the linear fit and among the nearest
    # neighbours): a handful of their examples must be able to move the coach.
    taught = sum(e.source == "taught" for e in pool)
    distinct = len(pool)  # the report counts lines, not their weights
    pool += [e for e in pool if e.source == "taught" for _ in range(TAUGHT_WEIGHT - 1)]
    lab = example_rule_lines(pool[:distinct], pack)
    texts = [semantic_text(e.rep) for e in pool] + [semantic_text(e.prospect) for e in pool]
    store.embed(texts, encode, progress=progress)
    t_embed = time.perf_counter() - t0
    er = store.embed([semantic_text(e.rep) for e in pool], encode)
    ep = store.embed([semantic_text(e.prospect) for e in pool], encode)
    x = features(er, ep, FEATURES)
    fold = np.array([_fold(e, folds) for e in pool])
    row = {
        (e.rep.lower(), e.prospect.lower(), e.previous_calls == 0): i for i, e in enumerate(pool)
    }
    cal_rows = np.array(
        [
            row[
                (
                    ln.example.rep.lower(),
                    ln.example.prospect.lower(),
                    ln.example.previous_calls == 0,
                )
            ]
            for ln in cal
        ],
        dtype=int,
    )

    kinds: dict[str, KindModel] = {}
    operating: dict[str, dict] = {}
    oof_all: dict[str, np.ndarray] = {}
    sims = er @ er.T
    # The word model: its vocabulary from every line, and for each fold one from the other
    # folds' lines alone, so a held-out line's rare words count as they will on a new call.
    gram_sets = [grams(e.rep, e.prospect) for e in pool]
    vocab = vocabulary(gram_sets)
    word_rows = indicators(gram_sets, {t: i for i, t in enumerate(vocab)})
    fold_rows = []
    for k in range(folds):
        fv = vocabulary(g for g, f in zip(gram_sets, fold, strict=True) if f != k)
        fold_rows.append((len(fv), indicators(gram_sets, {t: i for i, t in enumerate(fv)})))
    for kind in PHRASE_KINDS:
        idx, y = _labels(pool, kind)
        if y.sum() < 2 or (1 - y).sum() < 2:
            continue  # nothing to learn from
        labels = np.full(len(pool), -1, dtype=np.int8)
        labels[idx] = y.astype(np.int8)
        w, b = fit_logistic(x[idx], y, L2)
        words = fit_words([word_rows[i] for i in idx], y, len(vocab))
        oof_lr = np.full(len(pool), np.nan, dtype=np.float32)
        oof_m = np.zeros(len(pool), dtype=np.float32)
        oof_words = np.zeros(len(pool), dtype=np.float32)
        for k in range(folds):
            tr, te = fold[idx] != k, fold[idx] == k
            if not te.any() or not 0 < y[tr].sum() < tr.sum():
                continue
            wk, bk = fit_logistic(x[idx][tr], y[tr], L2, iterations=4, start=(w, b))
            oof_lr[idx[te]] = predict(x[idx][te], wk, bk)
            size, rows_k = fold_rows[k]
            wm = fit_words([rows_k[i] for i in idx[tr]], y[tr], size)
            oof_words[idx[te]] = wm.probability([rows_k[i] for i in idx[te]])
            train_labels = np.full(len(pool), -1, dtype=np.int8)
            train_labels[idx[tr]] = y[tr].astype(np.int8)
            oof_m[idx[te]] = knn_margins(sims[idx[te]], train_labels)
        # The neighbour margin becomes a probability by a one-feature fit on held-out margins.
        a, c = fit_logistic(oof_m[idx, None], y, 1e-3)
        scale, offset = float(a[0]), float(c)
        oof_nn = 1.0 / (1.0 + np.exp(-(scale * oof_m + offset)))
        oof = with_words(mix(np.nan_to_num(oof_lr, nan=0.0), oof_nn), oof_words).astype(np.float32)
        oof[np.isnan(oof_lr)] = np.nan
        oof_all[kind] = oof
        sc = np.nan_to_num(oof[cal_rows], nan=0.0)
        want = np.array([kind in ln.example.kinds for ln in cal])
        rule = np.array([kind in ln.rule_kinds for ln in cal])
        if veto is not None:
            rule &= sc >= veto
        t, at, rules_only = choose_threshold(sc, rule, want, kind_gate(cal, kind), targets[kind])
        kinds[kind] = KindModel(w, b, t, labels, scale, offset, words)
        operating[kind] = {
            "threshold": t,
            "target_precision": targets[kind],
            "examples": {"positive": int(y.sum()), "negative": int((1 - y).sum())},
            "calibration": at,
            "calibration_rules_only": rules_only,
        }
    meta = {
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "examples": distinct,
        "calibration_calls": len(calls),
        "target_precision": target,
        "feature_mode": FEATURES,
        "neighbours": layer_knn(),
        "linear_weight": layer_lr_weight(),
        "word_weight": layer_word_weight(),
        "encoder": "all-MiniLM-L6-v2@1110a243fdf4706b3f48f1d95db1a4f5529b4d41",
    }
    layer = SemanticLayer(kinds, er, tuple(e.rep for e in pool), meta, vocab=vocab)
    oof_layer = OutOfFold(layer, oof_all)
    report = {
        "examples": distinct,
        "taught": taught,
        "calibration_calls": len(calls),
        "calibration_rep_lines": len(cal),
        "target_precision": target,
        "veto_below": veto,
        "operating_points": operating,
        "labelled_lines": {
            "before": evaluate_lines(lab, previous, er[:distinct], ep[:distinct], veto),
            "after": evaluate_lines(lab, layer, er[:distinct], ep[:distinct], veto),
            "after_cross_validated": evaluate_lines(
                lab, oof_layer.rows(np.arange(distinct)), er[:distinct], ep[:distinct], veto
            ),
        },
        "calibration": {
            "rules_only": evaluate_lines(cal, None, er[cal_rows], ep[cal_rows]),
            "before": evaluate_lines(cal, previous, er[cal_rows], ep[cal_rows], veto),
            "after": evaluate_lines(
                cal, oof_layer.rows(cal_rows), er[cal_rows], ep[cal_rows], veto
            ),
        },
        "veto": veto_study(lab, oof_layer.rows(np.arange(distinct)), er[:distinct], ep[:distinct]),
        "seconds": {"embed": round(t_embed, 2), "total": round(time.perf_counter() - t0, 2)},
        "encoded_lines": store.added,
    }
    layer.meta["report"] = {k: report[k] for k in ("operating_points", "calibration")}
    return TrainResult(layer, report)
