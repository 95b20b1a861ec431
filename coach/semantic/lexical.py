"""The layer's word model: naive-Bayes log-count ratios over a rep line's words and word pairs,
stacked with the sentence encoder's score.

Why words as well as the encoder: mean-pooled MiniLM embeddings put a harmless line on the
same topic as close as the bad one ("everyone in your area already uses us" and "a lot of
shops in your area use us"), while the few words that make a line argue or press ("oh sure
because", "would you rather", "the last one still") are exactly what a word model weighs.
Measured out of fold on the calibration calls, adding it raised average precision among the
lines the rules miss for arguing .40 -> .57 and pressure .39 -> .74 (README).

Deterministic: counts, smoothing and a one-feature logistic fit; no random start.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from coach.semantic.classifier import fit_logistic
from coach.semantic.examples import semantic_text

ALPHA = 0.5  # additive smoothing of the per-kind counts
MIN_DF = 2  # a word or pair seen in fewer labelled lines is noise, not evidence
# alpha 0.25-2 and min_df 1-3 were tried out of fold; 0.5/2 sat in the middle of the good range.


def grams(rep: str, prospect: str = "") -> frozenset[str]:
    """The words and adjacent word pairs of a rep line (after the recogniser's run-up), and the
    words of the prospect's line before it marked "p:". The prospect's words tell sarcasm and
    correction from agreement ("oh sure" after "we use paper and it works"); out of fold they
    lifted arguing (average precision .53 -> .59-.63 in four of five settings) and left the
    other kinds as they were."""
    words = semantic_text(rep).split()
    said = frozenset(f"p:{w}" for w in semantic_text(prospect).split())
    return frozenset(words) | frozenset(f"{a} {b}" for a, b in pairwise(words)) | said


def vocabulary(lines: Iterable[frozenset[str]], min_df: int = MIN_DF) -> tuple[str, ...]:
    """Every gram in at least `min_df` lines, sorted (so the same data gives the same file)."""
    df: dict[str, int] = {}
    for g in lines:
        for t in g:
            df[t] = df.get(t, 0) + 1
    return tuple(sorted(t for t, n in df.items() if n >= min_df))


def indicators(lines: Sequence[frozenset[str]], vocab: dict[str, int]) -> list[np.ndarray]:
    """Each line as the sorted vocabulary indices of its grams (sorted: a set's order changes
    with the interpreter's string hashing, and float sums in another order differ in the last
    bits, which would make two trainings of the same data write different files)."""
    return [
        np.sort(np.fromiter((vocab[t] for t in g if t in vocab), dtype=np.int32)) for g in lines
    ]


@dataclass(frozen=True)
class WordModel:
    """One kind: a log-count ratio per vocabulary gram and a logistic map of their sum."""

    ratios: np.ndarray  # float32, one per vocabulary gram
    scale: float
    offset: float

    def probability(self, rows: Sequence[np.ndarray]) -> np.ndarray:
        s = np.array([float(self.ratios[r].sum()) for r in rows], dtype=np.float64)
        return (1.0 / (1.0 + np.exp(-np.clip(self.scale * s + self.offset, -30, 30)))).astype(
            np.float32
        )


def fit_words(
    rows: Sequence[np.ndarray], y: np.ndarray, size: int, alpha: float = ALPHA
) -> WordModel:
    """Log-count ratios from lines (vocabulary indices) labelled y, and the map of their sum
    to a probability fitted on the same lines (so a fold and the shipped model are fitted the
    same way, and the out-of-fold score measures what ships)."""
    y = np.asarray(y, dtype=np.float64)
    pos = np.zeros(size)
    neg = np.zeros(size)
    for r, label in zip(rows, y, strict=True):
        (pos if label > 0.5 else neg)[r] += 1.0
    n_pos, n_neg = max(y.sum(), 1.0), max(len(y) - y.sum(), 1.0)
    ratios = (
        np.log((pos + alpha) / (n_pos + 2 * alpha)) - np.log((neg + alpha) / (n_neg + 2 * alpha))
    ).astype(np.float32)
    sums = np.array([float(ratios[r].sum()) for r in rows])
    a, c = fit_logistic(sums[:, None], y, 1e-3)
    return WordModel(ratios, float(a[0]), float(c))
