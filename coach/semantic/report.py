"""How the coach does on labelled lines, rules alone or with the semantic layer: the counts
per kind (tp/fp/fn, precision, recall), a veto study, and the summary a team lead reads after a
retrain. train.py fits the layer and chooses thresholds; this module only measures and words it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coach.semantic.combine import HISTORY_KINDS
from coach.semantic.examples import PHRASE_KINDS, Example
from coach.semantic.layer import SemanticLayer, score_matrix


@dataclass
class Line:
    """A rep line of a calibration call, with what the rules said about it."""

    example: Example
    rule_kinds: frozenset[str]
    call: str


def kind_gate(lines: list[Line], kind: str) -> np.ndarray:
    """Which lines the layer may flag for `kind`: history kinds only on a first call."""
    if kind in HISTORY_KINDS:
        return np.array([ln.example.previous_calls == 0 for ln in lines])
    return np.ones(len(lines), dtype=bool)


def counts(pred: np.ndarray, want: np.ndarray) -> dict:
    """tp/fp/fn with precision and recall (None where undefined) of `pred` against `want`."""
    tp = int(np.sum(pred & want))
    fp = int(np.sum(pred & ~want))
    fn = int(np.sum(~pred & want))
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall": round(tp / (tp + fn), 3) if tp + fn else None,
    }


def layer_scores(layer, er: np.ndarray, ep: np.ndarray, lines: list[Line]) -> dict[str, np.ndarray]:
    if isinstance(layer, OutOfFold):
        return layer.scores()
    return score_matrix(
        layer, er, ep, [ln.example.rep for ln in lines], [ln.example.prospect for ln in lines]
    )


def evaluate_lines(
    lines: list[Line], layer, er: np.ndarray, ep: np.ndarray, veto: float | None = None
) -> dict:
    """Per-kind counts of rules + layer (or rules alone when layer is None) on labelled lines;
    with `veto`, a rule hit the layer scores below it is dropped, as the live coach does."""
    scores = layer_scores(layer, er, ep, lines) if layer is not None else {}
    out = {}
    tot = np.zeros(3, dtype=int)
    for kind in PHRASE_KINDS:
        want = np.array([kind in ln.example.kinds for ln in lines])
        pred = np.array([kind in ln.rule_kinds for ln in lines])
        if kind in scores:
            if veto is not None:
                pred &= scores[kind] >= veto
            t = layer.kinds[kind].threshold
            pred = pred | (kind_gate(lines, kind) & (scores[kind] >= t))
        c = counts(pred, want)
        out[kind] = c
        tot += (c["tp"], c["fp"], c["fn"])
    tp, fp, fn = (int(v) for v in tot)
    out["all"] = {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall": round(tp / (tp + fn), 3) if tp + fn else None,
    }
    return out


class OutOfFold:
    """Stands in for a layer in the report: each line's score is its out-of-fold score."""

    def __init__(self, layer: SemanticLayer, oof: dict[str, np.ndarray], rows=None) -> None:
        self.kinds, self.oof, self._rows = layer.kinds, oof, rows

    def rows(self, rows: np.ndarray) -> OutOfFold:
        return OutOfFold(self, self.oof, rows)

    def scores(self) -> dict[str, np.ndarray]:
        return {
            k: np.nan_to_num(v if self._rows is None else v[self._rows], nan=0.0)
            for k, v in self.oof.items()
        }


def veto_study(lines: list[Line], layer, er: np.ndarray, ep: np.ndarray) -> dict:
    """What dropping rule hits the layer scores below P would do: true and false hits lost."""
    scores = layer_scores(layer, er, ep, lines)
    out = {}
    for p in (0.01, 0.02, 0.05, 0.1, 0.2):
        tp_lost = fp_removed = 0
        for kind, sc in scores.items():
            for ln, s in zip(lines, sc, strict=True):
                if kind in ln.rule_kinds and s < p:
                    if kind in ln.example.kinds:
                        tp_lost += 1
                    else:
                        fp_removed += 1
        out[str(p)] = {"false_alarms_removed": fp_removed, "true_hits_lost": tp_lost}
    return out


def _pct(v: float | None) -> str:
    return "  -" if v is None else f"{v * 100:3.0f} %"


_NAMES = {
    "arguing": "Arguing",
    "pressure": "Pressure",
    "vague_language": "Vague language",
    "false_familiarity": "False familiarity",
    "content_dump": "Content dump",
    "all": "All five",
}


def _lower_targets(report: dict) -> str:
    """ " (92 % for pressure)" for the kinds whose pack sets their own target precision."""
    own = [
        f"{op['target_precision'] * 100:.0f} % for {_NAMES.get(k, k).lower()}"
        for k, op in report["operating_points"].items()
        if op.get("target_precision") not in (None, report["target_precision"])
    ]
    return f" ({', '.join(own)})" if own else ""


def summary(report: dict) -> str:
    """The report in words a team lead reads: per kind, how much the coach catches and how
    often it is right on realistic calls, with the phrase rules alone and with the layer."""
    cal, lab = report["calibration"], report["labelled_lines"]
    taught = report.get("taught", 0)
    out = [
        f"Retrained on {report['examples']:,} labelled lines"
        + (f" ({taught} taught by your team)" if taught else "")
        + f" in {report['seconds']['total']:.0f} s.",
        (
            f"On {report['calibration_calls']} realistic calls ({report['calibration_rep_lines']:,} rep "
            f"lines), each cut set so the coach is right at least "
            f"{report['target_precision'] * 100:.0f} % of the time{_lower_targets(report)} "
            "(or as often as the rules alone):"
        ),
        "",
        f"{'':18} {'catches (recall)':>22}   {'right when it flags':>22}   {'cut':>5}",
        f"{'':18} {'rules':>10} {'+ layer':>11}   {'rules':>10} {'+ layer':>11}",
    ]
    for kind in [*report["operating_points"], "all"]:
        r, a = cal["rules_only"][kind], cal["after"][kind]
        t = report["operating_points"].get(kind, {}).get("threshold")
        out.append(
            f"{_NAMES.get(kind, kind):18} {_pct(r['recall']):>10} {_pct(a['recall']):>11}   "
            f"{_pct(r['precision']):>10} {_pct(a['precision']):>11}   "
            + ("" if t is None else f"{t:5.2f}")
        )
    b, f = lab["before"]["all"], lab["after"]["all"]
    out += [
        "",
        (
            f"On the labelled lines themselves: before {_pct(b['recall']).strip()} caught, "
            f"{_pct(b['precision']).strip()} right; now {_pct(f['recall']).strip()} caught, "
            f"{_pct(f['precision']).strip()} right."
        ),
    ]
    return "\n".join(out)
