"""Live transcription paced in real time (20 ms frames on both channels, like the softphone
taps): partial and final results arrive soon after the words are spoken, with no backlog.
The bounds are looser than the benchmark's targets (0.7 s / 1.2 s, met there) so a busy
machine does not flake; they still fail if partials or finals wait for the end of speech
plus a pause, or for the end of the call."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from coach.transcribe import ChannelTranscriber, PartialTranscriptUpdated, load_model
from coach.types import Utterance

pytestmark = pytest.mark.asr
pytest_plugins = ("tests.model_fixtures",)
SECONDS = 12.9  # the first three lines of the scripted call


def test_real_time_feed_gives_prompt_partials_and_finals(
    tts_call: tuple[Path, list], model_path: Path
) -> None:
    data, rate = sf.read(str(tts_call[0]), dtype="int16")
    data = data[: int(SECONDS * rate)]
    frame = rate // 50
    t0 = 0.0
    partials: list[tuple[float, PartialTranscriptUpdated]] = []
    finals: list[tuple[float, Utterance]] = []
    lock = threading.Lock()

    def on_partial(ev: PartialTranscriptUpdated) -> None:
        with lock:
            partials.append((time.perf_counter() - t0, ev))

    def on_final(u: Utterance) -> None:
        with lock:
            finals.append((time.perf_counter() - t0, u))

    model = load_model(model_path)
    workers = [
        ChannelTranscriber(model, spk, rate, on_partial=on_partial, on_final=on_final)
        for spk in ("rep", "prospect")
    ]
    t0 = time.perf_counter()
    for n, i in enumerate(range(0, len(data), frame)):
        delay = t0 + (n + 1) * frame / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        for ch, tr in enumerate(workers):
            tr.feed(np.ascontiguousarray(data[i : i + frame, ch]))
    for tr in workers:
        tr.close(timeout=30)

    lines = [ln for ln in tts_call[1] if ln.end < SECONDS]
    assert len(finals) == len(lines) == 3
    final_latency = [wall - u.end for wall, u in finals]
    first_partial_latency = []
    for _, u in finals:
        shown = [w for w, ev in partials if ev.speaker == u.speaker and ev.text and w > u.start]
        first_partial_latency.append(shown[0] - u.words[0].end)
    print(f"final latency {final_latency}, first-word partial latency {first_partial_latency}")
    assert max(final_latency) < 2.0
    assert max(first_partial_latency) < 2.0
    assert all(tr.stats()["max_backlog_seconds"] < 0.5 for tr in workers)
