"""Coach rules benchmark: time per utterance through LiveCoach, prints one JSON object.

Feeds every utterance of the labelled corpus (tests/corpus) through a fresh LiveCoach per
call, many rounds, and reports per-utterance latency (mean, p50, p99, max in microseconds)
for rep and prospect utterances (wall clock, and thread CPU time, which other processes'
load does not inflate), the pack load time and the end-of-call `finish` time.

Usage: .venv/bin/python benchmarks/bench_rules.py [--rounds N] [--rules PACK]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coach.analyze import read_transcript
from coach.engine import LiveCoach
from coach.rules.pack import load_pack


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--rules", default=None, help="rule pack file or folder")
    args = parser.parse_args()

    t0 = time.perf_counter()
    pack = load_pack(args.rules)
    load_ms = (time.perf_counter() - t0) * 1000
    calls = [read_transcript(p) for p in sorted((ROOT / "tests" / "corpus").glob("*.json"))]
    calls = [(sorted(u, key=lambda x: x.start), prev) for u, prev in calls]
    times: dict[str, list[float]] = {"rep": [], "prospect": []}
    cpu: list[float] = []  # thread CPU time: what the rules cost without other processes' load
    finish: list[float] = []
    for _ in range(args.rounds):
        for utts, prev in calls:
            coach = LiveCoach(pack, prev)
            for u in utts:
                t, c = time.perf_counter(), time.thread_time()
                coach.add_utterance(u)
                times[u.speaker].append(time.perf_counter() - t)
                cpu.append(time.thread_time() - c)
            t = time.perf_counter()
            coach.finish(utts[-1].end)
            coach.metrics()
            finish.append(time.perf_counter() - t)

    def stats(values: list[float]) -> dict:
        us = [v * 1e6 for v in values]
        return {
            "n": len(us),
            "mean_us": round(statistics.fmean(us), 1),
            "p50_us": round(_pct(us, 0.5), 1),
            "p99_us": round(_pct(us, 0.99), 1),
            "max_us": round(max(us), 1),
        }

    everything = times["rep"] + times["prospect"]
    out = {
        "pack": pack.name,
        "rules": len(pack.rules),
        "pack_load_ms": round(load_ms, 1),
        "calls": len(calls),
        "rounds": args.rounds,
        "per_utterance": stats(everything),
        "rep_utterance": stats(times["rep"]),
        "prospect_utterance": stats(times["prospect"]),
        "per_utterance_cpu": stats(cpu),
        "finish_and_metrics": stats(finish),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "target_us": 1000,
        "within_target": _pct([v * 1e6 for v in cpu], 0.99) < 1000,
    }
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
