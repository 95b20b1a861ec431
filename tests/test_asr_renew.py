"""A channel's recognizer is renewed at an end of utterance after RENEW_AFTER_SECONDS of audio
(its decoding-graph cache only grows): the transcript keeps call-relative times across the
renewals and its quality, with the real Vosk model on the flite-rendered call; and renewing
bounds the memory a long call takes (benchmarks/bench_asr_memory.py in fresh processes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from coach.transcribe import ChannelTranscriber, load_model
from tests.tts_call import reference_text, word_error_rate

pytestmark = pytest.mark.asr
pytest_plugins = ("tests.model_fixtures",)

ROOT = Path(__file__).resolve().parent.parent


def _rep_channel(tts_call: tuple[Path, list], renew_s: float) -> ChannelTranscriber:
    path, _ = tts_call
    data, rate = sf.read(str(path), dtype="int16")
    rep = np.ascontiguousarray(data[:, 0])
    asr = ChannelTranscriber(load_model(), "rep", rate, renew_after_seconds=renew_s)
    for i in range(0, rep.size, rate // 20):  # 50 ms reads, as the live taps deliver them
        asr.feed(rep[i : i + rate // 20])
    asr.close(timeout=120)
    return asr


def test_times_and_words_survive_renewals(tts_call: tuple[Path, list], model_path: Path) -> None:
    _, lines = tts_call
    renewed = _rep_channel(tts_call, 6.0)  # the call is 52 s: several renewals
    assert renewed.renewals >= 2, renewed.stats()
    utts = renewed.utterances
    assert [u.start for u in utts] == sorted(u.start for u in utts)
    for line in (x for x in lines if x.speaker == "rep"):
        near = [u for u in utts if abs(u.start - line.start) < 0.45]
        assert near, f"no utterance starts near {line.start:.2f} s ({line.text})"
        assert abs(near[0].end - line.end) < 0.45
    kept = _rep_channel(tts_call, 1e9)
    assert kept.renewals == 0
    ref = reference_text(lines, "rep")
    wer_renewed = word_error_rate(ref, " ".join(u.text for u in utts))
    wer_kept = word_error_rate(ref, " ".join(u.text for u in kept.utterances))
    assert wer_renewed <= wer_kept + 0.05, (wer_renewed, wer_kept)


def test_renewal_bounds_a_long_calls_memory(model_path: Path, tmp_path: Path) -> None:
    """Two channels of corpus calls for 100 s, each run in a fresh process: the recognizers kept
    grow past the renewed ones (measured +140-175 MB kept vs +90-110 MB renewed every 20 s)."""
    out = subprocess.run(
        [sys.executable, "benchmarks/bench_asr_memory.py", "--minutes", "1.67", "--compare",
         "20,never", "--sample-seconds", "20", "--cache", str(tmp_path), "--model", str(model_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    renewed, kept = json.loads(out.stdout)["runs"]
    assert renewed["renew_seconds"] == 20 and kept["renew_seconds"] is None
    assert min(renewed["renewals"].values()) >= 3 and sum(kept["renewals"].values()) == 0
    assert renewed["growth_mb"]["hwm"] < kept["growth_mb"]["hwm"] - 25, (renewed, kept)
    # the timeline ends on the call's end, and the words were decoded on both
    assert renewed["timeline"][-1]["audio_s"] == pytest.approx(100, abs=1)
    assert renewed["wer"]["all"]["words"] > 150
    assert renewed["wer"]["all"]["wer"] <= kept["wer"]["all"]["wer"] + 0.04, (renewed, kept)
