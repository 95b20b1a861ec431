"""The float32 building blocks of the sentence encoder's BERT forward pass: erf and GELU
(numpy has no erf), LayerNorm down the feature columns, and one transformer layer's weights in
the transposed layout the pass multiplies by. encoder.py runs the pass; this module owns the math.

NumPy 2 pitfall: a numpy float64 *scalar* in an expression upcasts a float32 array to float64,
so constants here are Python floats (weak under NEP 50) or np.float32.
"""

from __future__ import annotations

import math

import numpy as np

# erf(x) = x * P(x^2) / Q(x^2) on [-4, 4] (Eigen's float32 erf; beyond 4, erf = ±1 in float32).
# Max error 6.9e-8 in exact arithmetic, <= 4.5e-7 evaluated in float32 near |x| = 3 (a few
# float32 ulps of 1.0), measured against math.erf on 2M points over [-6, 6].
_ERF_P = tuple(
    np.float32(c)
    for c in (
        -2.72614225801306e-10,
        2.77068142495902e-08,
        -2.10102402082508e-06,
        -5.69250639462346e-05,
        -7.34990630326855e-04,
        -2.95459980854025e-03,
        -1.60960333262415e-02,
    )
)
_ERF_Q = tuple(
    np.float32(c)
    for c in (
        -1.45660718464996e-05,
        -2.13374055278905e-04,
        -1.68282697438203e-03,
        -7.37332916720468e-03,
        -1.42647390514189e-02,
    )
)
_INV_SQRT2 = np.float32(1.0 / math.sqrt(2.0))


def erf(x: np.ndarray) -> np.ndarray:
    """Vectorised float32 erf (numpy has none; math.erf via np.vectorize is ~20x slower)."""
    x = np.clip(x, np.float32(-4.0), np.float32(4.0))
    x2 = x * x
    p = x2 * _ERF_P[0]
    p += _ERF_P[1]
    for c in _ERF_P[2:]:
        p *= x2
        p += c
    q = x2 * _ERF_Q[0]
    q += _ERF_Q[1]
    for c in _ERF_Q[2:]:
        q *= x2
        q += c
    p *= x
    p /= q
    return p


def gelu(x: np.ndarray) -> np.ndarray:
    """HF BERT's "gelu": 0.5 * x * (1 + erf(x / sqrt(2))), in place on a temporary."""
    y = erf(x * _INV_SQRT2)
    y += np.float32(1.0)
    y *= x
    y *= np.float32(0.5)
    return y


def layer_norm(x: np.ndarray, g: np.ndarray, b: np.ndarray, eps: np.float32) -> np.ndarray:
    """LayerNorm over the features of x (features, tokens), i.e. down each column."""
    mean = x.mean(axis=0, keepdims=True)
    d = x - mean
    var = (d * d).mean(axis=0, keepdims=True)
    d /= np.sqrt(var + eps)
    d *= g
    d += b
    return d


class Layer:
    """One transformer layer's weights in torch's (out, in) layout, biases as columns."""

    def __init__(self, w: dict[str, np.ndarray], i: int, head_dim: int) -> None:
        p = f"encoder.layer.{i}."
        # The 1/sqrt(head_dim) score scale is folded into the query projection.
        scale = np.float32(1.0 / math.sqrt(head_dim))
        q_w = w[p + "attention.self.query.weight"] * scale
        q_b = w[p + "attention.self.query.bias"] * scale
        k_w, k_b = w[p + "attention.self.key.weight"], w[p + "attention.self.key.bias"]
        v_w, v_b = w[p + "attention.self.value.weight"], w[p + "attention.self.value.bias"]
        self.qkv_w = np.concatenate([q_w, k_w, v_w], axis=0)
        self.qkv_b = col(np.concatenate([q_b, k_b, v_b]))
        self.o_w = np.ascontiguousarray(w[p + "attention.output.dense.weight"])
        self.o_b = col(w[p + "attention.output.dense.bias"])
        self.ln1_g = col(w[p + "attention.output.LayerNorm.weight"])
        self.ln1_b = col(w[p + "attention.output.LayerNorm.bias"])
        self.i_w = np.ascontiguousarray(w[p + "intermediate.dense.weight"])
        self.i_b = col(w[p + "intermediate.dense.bias"])
        self.f_w = np.ascontiguousarray(w[p + "output.dense.weight"])
        self.f_b = col(w[p + "output.dense.bias"])
        self.ln2_g = col(w[p + "output.LayerNorm.weight"])
        self.ln2_b = col(w[p + "output.LayerNorm.bias"])


def col(v: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(v.reshape(-1, 1))
