"""A channel's recognizer is renewed at an end of utterance after RENEW_AFTER_SECONDS of audio
(its decoding-graph cache only grows): the transcript keeps call-relative times across the
renewals and its quality, with the real Vosk model on the flite-rendered call."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from coach import transcribe
from coach.transcribe import ChannelTranscriber, load_model
from tests.tts_call import reference_text, word_error_rate

pytestmark = pytest.mark.asr
pytest_plugins = ("tests.model_fixtures",)


def _rep_channel(tts_call: tuple[Path, list], renew_s: float, monkeypatch) -> ChannelTranscriber:
    path, _ = tts_call
    data, rate = sf.read(str(path), dtype="int16")
    rep = np.ascontiguousarray(data[:, 0])
    monkeypatch.setattr(transcribe, "RENEW_AFTER_SECONDS", renew_s)
    asr = ChannelTranscriber(load_model(), "rep", rate)
    for i in range(0, rep.size, rate // 20):  # 50 ms reads, as the live taps deliver them
        asr.feed(rep[i : i + rate // 20])
    asr.close(timeout=120)
    return asr


def test_times_and_words_survive_renewals(
    tts_call: tuple[Path, list], model_path: Path, monkeypatch
) -> None:
    _, lines = tts_call
    renewed = _rep_channel(tts_call, 6.0, monkeypatch)
    assert renewed.renewals >= 2, renewed.stats()
    utts = renewed.utterances
    assert [u.start for u in utts] == sorted(u.start for u in utts)
    for line in (x for x in lines if x.speaker == "rep"):
        near = [u for u in utts if abs(u.start - line.start) < 0.45]
        assert near, f"no utterance starts near {line.start:.2f} s ({line.text})"
        assert abs(near[0].end - line.end) < 0.45
    kept = _rep_channel(tts_call, 1e9, monkeypatch)
    assert kept.renewals == 0
    ref = reference_text(lines, "rep")
    wer_renewed = word_error_rate(ref, " ".join(u.text for u in utts))
    wer_kept = word_error_rate(ref, " ".join(u.text for u in kept.utterances))
    assert wer_renewed <= wer_kept + 0.05, (wer_renewed, wer_kept)
