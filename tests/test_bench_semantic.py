"""Smoke test of benchmarks/bench_semantic.py: `--quick` (the per-utterance part on 20 rep
lines, real encoder and shipped layer) prints one JSON object with the documented keys. Checks
the shape only, never a time: timings on a shared machine are not a test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

pytest_plugins = ("tests.model_fixtures",)

ROOT = Path(__file__).resolve().parent.parent


def test_quick_run_prints_the_per_utterance_figures(encoder_path: Path) -> None:
    env = dict(os.environ, CALLCOACH_ENCODER=str(encoder_path))
    out = subprocess.run(
        [sys.executable, "benchmarks/bench_semantic.py", "--quick"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout)
    assert report["benchmark"] == "semantic"
    assert "load" not in report and "live_call" not in report  # --quick skips them
    per = report["per_utterance"]
    assert "error" not in per, per
    assert per["lines"] == 20
    for key in ("p50", "p90", "p99"):
        assert per["encoder_ms"][key] > 0
        assert per["add_utterance_ms"]["rep_with_layer"][key] > 0
    assert per["scoring_ms"]["p50"] > 0 and per["scoring_ms"]["p99"] > 0
    assert per["add_utterance_ms"]["rep_with_layer"]["n"] == 20
    assert len(report["load_average_start"]) == 3
