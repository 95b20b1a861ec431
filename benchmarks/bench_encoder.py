"""Sentence-encoder benchmark: prints one JSON object.

Measures the numpy all-MiniLM-L6-v2 encoder (coach/semantic/encoder.py) as the live coach
uses it: load time, then milliseconds per utterance at batch 1 with BLAS pinned to one thread
(p50/p90/p99 over 100 realistic rep lines from tests/corpus/*.json, after a warm-up), the
same lines as one batched `encode` call, and resident memory after load and after encoding.
--blas-threads N also times batch 1 with N BLAS threads, to show why the encoder pins one.

Usage: .venv/bin/python benchmarks/bench_encoder.py [--encoder PATH] [--lines 100]
       [--min-words 15] [--rounds 3] [--blas-threads 2] [--out FILE]
(encoder lookup as in the app: --encoder, CALLCOACH_ENCODER, settings, installed models).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.semantic.encoder import SentenceEncoder
from models.lookup import find_encoder


def rss_mb() -> float:
    # Current (not peak) resident set: /proc/self/statm's second field, in pages.
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 1e6


def rep_lines(n: int, min_words: int) -> list[str]:
    """The first `n` distinct rep lines of `min_words`+ words from the corpus, in file order
    (the budget is stated for ~20-word utterances; short "yeah" lines would flatter it)."""
    seen: dict[str, None] = {}
    for path in sorted((ROOT / "tests" / "corpus").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for u in data.get("utterances", []):
            text = u.get("text", "")
            if u.get("speaker") == "rep" and len(text.split()) >= min_words:
                seen.setdefault(text, None)
    return list(seen)[:n]


def percentiles(ms: list[float]) -> dict[str, float]:
    p50, p90, p99 = np.percentile(ms, [50, 90, 99])
    return {
        "p50": round(float(p50), 2),
        "p90": round(float(p90), 2),
        "p99": round(float(p99), 2),
        "mean": round(float(np.mean(ms)), 2),
    }


def time_batch1(encoder: SentenceEncoder, lines: list[str], rounds: int) -> list[float]:
    ms = []
    for _ in range(rounds):
        for line in lines:
            t = time.perf_counter()
            encoder.encode_one(line)
            ms.append((time.perf_counter() - t) * 1000)
    return ms


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--encoder", help="encoder folder (default: the lookup order)")
    ap.add_argument("--lines", type=int, default=100)
    ap.add_argument("--min-words", type=int, default=15, help="skip shorter rep lines")
    ap.add_argument("--rounds", type=int, default=3, help="passes over the lines at batch 1")
    ap.add_argument("--blas-threads", type=int, default=0, help="also time with N BLAS threads")
    ap.add_argument("--out", help="also write the JSON here")
    args = ap.parse_args()

    path = find_encoder(args.encoder)
    rss_before = rss_mb()
    t = time.perf_counter()
    encoder = SentenceEncoder.load(path)
    load_s = time.perf_counter() - t
    rss_loaded = rss_mb()
    lines = rep_lines(args.lines, args.min_words)
    tokens = [encoder.tokenize([line])[0].shape[1] for line in lines]
    for line in lines[:10]:  # warm-up: first BLAS calls, page faults on the weights
        encoder.encode_one(line)
    batch1 = time_batch1(encoder, lines, args.rounds)
    t = time.perf_counter()
    encoder.encode(lines)
    batched_ms = (time.perf_counter() - t) * 1000 / len(lines)
    out = {
        "encoder": str(path),
        "lines": len(lines),
        "words_per_line": round(float(np.mean([len(x.split()) for x in lines])), 1),
        "tokens_per_line": round(float(np.mean(tokens)), 1),
        "load_s": round(load_s, 3),
        "rss_before_load_mb": round(rss_before, 1),
        "rss_after_load_mb": round(rss_loaded, 1),
        "batch1_ms_one_blas_thread": percentiles(batch1),
        "batched_ms_per_line": round(batched_ms, 2),
        "rss_after_encoding_mb": round(rss_mb(), 1),
    }
    if args.blas_threads:
        from threadpoolctl import threadpool_limits

        # Bypass the encoder's own pin: call the forward pass under N threads.
        with threadpool_limits(args.blas_threads, user_api="blas"):
            ms = []
            for line in lines:
                ids, mask = encoder.tokenize([line])
                t = time.perf_counter()
                encoder._forward(ids, mask)
                ms.append((time.perf_counter() - t) * 1000)
        out[f"batch1_ms_{args.blas_threads}_blas_threads"] = percentiles(ms)
    text = json.dumps(out, indent=1)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
