"""Transcription with the real Vosk model on a flite-rendered two-voice call: word error
rate against the script, call-relative timings, streaming behaviour, input errors."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr

from coach.transcribe import (
    AudioInputError,
    ChannelTranscriber,
    ModelError,
    PartialTranscriptUpdated,
    TranscriberBacklogged,
    load_model,
    load_model_async,
    transcribe_stereo_wav,
)
from coach.types import Utterance
from tests.tts_call import SALES_CALL, reference_text, render_call, word_error_rate

pytestmark = pytest.mark.asr
pytest_plugins = ("tests.model_fixtures",)
WER_BOUND = 0.35


@pytest.fixture(scope="module")
def offline(tts_call: tuple[Path, list], model_path: Path) -> list[Utterance]:
    return transcribe_stereo_wav(tts_call[0], model_path)


def _channel(path: Path, idx: int) -> tuple[np.ndarray, int]:
    data, rate = sf.read(str(path), dtype="int16")
    return np.ascontiguousarray(data[:, idx]), rate


def _match_lines(utts: list[Utterance], lines: list, tol: float = 0.45) -> None:
    for line in lines:
        near = [u for u in utts if u.speaker == line.speaker and abs(u.start - line.start) < tol]
        assert near, f"no {line.speaker} utterance starts near {line.start:.2f} s ({line.text})"
        assert abs(near[0].end - line.end) < tol


def test_stereo_call_transcript_matches_the_script(
    tts_call: tuple[Path, list], offline: list[Utterance]
) -> None:
    _, lines = tts_call
    assert [u.start for u in offline] == sorted(u.start for u in offline)
    assert {u.speaker for u in offline} == {"rep", "prospect"}
    _match_lines(offline, lines)
    for u in offline:
        assert u.words and u.words[0].start == u.start and u.words[-1].end == u.end
        assert all(a.start <= b.start for a, b in zip(u.words, u.words[1:], strict=False))
    rates = {
        spk: word_error_rate(
            reference_text(lines, spk), " ".join(u.text for u in offline if u.speaker == spk)
        )
        for spk in ("rep", "prospect")
    }
    total = word_error_rate(reference_text(lines), " ".join(u.text for u in offline))
    print(f"WER rep={rates['rep']:.3f} prospect={rates['prospect']:.3f} all={total:.3f}")
    assert total < WER_BOUND and max(rates.values()) < WER_BOUND
    rep_text = " ".join(u.text for u in offline if u.speaker == "rep")
    assert "white paper" in rep_text and "case study" in rep_text


@pytest.mark.parametrize(
    ("rate", "subtype", "prospect_voice"), [(8000, "PCM_U8", "awb"), (44100, "FLOAT", "kal16")]
)
def test_any_rate_sample_format_and_voice(
    tmp_path: Path, model_path: Path, rate: int, subtype: str, prospect_voice: str
) -> None:
    path = tmp_path / f"call_{rate}.wav"
    lines = render_call(
        SALES_CALL[:4],
        path,
        sample_rate=rate,
        subtype=subtype,
        voices={"prospect": prospect_voice},
    )
    assert sf.info(str(path)).samplerate == rate and sf.info(str(path)).subtype == subtype
    utts = transcribe_stereo_wav(path, model_path)
    _match_lines(utts, lines)
    wer = word_error_rate(reference_text(lines), " ".join(u.text for u in utts))
    print(f"{rate} Hz {subtype}: WER {wer:.3f}")
    assert wer < WER_BOUND


def test_bad_audio_input_gives_one_clear_error(
    tts_call: tuple[Path, list], tmp_path: Path, model_path: Path
) -> None:
    rep, rate = _channel(tts_call[0], 0)
    mono = tmp_path / "mono.wav"
    sf.write(str(mono), rep, rate)
    with pytest.raises(AudioInputError, match="is mono: the coach needs a stereo WAV"):
        transcribe_stereo_wav(mono, model_path)
    only_rep = transcribe_stereo_wav(mono, model_path, channel_map={"rep": 0})
    assert only_rep and {u.speaker for u in only_rep} == {"rep"}
    cut = tmp_path / "cut.wav"
    cut.write_bytes(tts_call[0].read_bytes()[:200_000])
    with pytest.raises(AudioInputError, match="is truncated"):
        transcribe_stereo_wav(cut, model_path)
    text = tmp_path / "notes.wav"
    text.write_text("these are notes, not audio")
    with pytest.raises(AudioInputError, match="is not a WAV file"):
        transcribe_stereo_wav(text, model_path)
    with pytest.raises(AudioInputError, match="does not exist"):
        transcribe_stereo_wav(tmp_path / "missing.wav", model_path)
    empty = tmp_path / "empty.wav"
    sf.write(str(empty), np.zeros((0, 2), dtype=np.int16), 16000)
    with pytest.raises(AudioInputError, match="holds no audio"):
        transcribe_stereo_wav(empty, model_path)
    with pytest.raises(ModelError, match="does not exist"):
        transcribe_stereo_wav(tts_call[0], tmp_path / "no-model")


def test_streaming_never_blocks_and_gives_partials_then_finals(
    tts_call: tuple[Path, list], offline: list[Utterance], model_path: Path
) -> None:
    rep, rate = _channel(tts_call[0], 0)
    partials: list[PartialTranscriptUpdated] = []
    finals: list[Utterance] = []
    tr = ChannelTranscriber(
        load_model(model_path), "rep", rate, on_partial=partials.append, on_final=finals.append
    )
    assert "asr-rep" in {t.name for t in threading.enumerate()}
    frame = rate // 50  # 20 ms, as the softphone taps deliver them
    slowest = 0.0
    for i in range(0, len(rep), frame):
        t0 = time.perf_counter()
        tr.feed(rep[i : i + frame])
        slowest = max(slowest, time.perf_counter() - t0)
    assert slowest < 0.01, f"feed() took {slowest * 1000:.1f} ms"
    result = tr.close(timeout=60)
    assert "asr-rep" not in {t.name for t in threading.enumerate()}
    assert result == finals
    assert [u.text for u in finals] == [u.text for u in offline if u.speaker == "rep"]
    assert tr.stats()["decoded_seconds"] == tr.stats()["fed_seconds"]
    texts = [p.text for p in partials if p.text]
    assert len(texts) >= len(finals)
    # every final was previewed: some partial holds the start of it before it is final
    for u in finals:
        assert any(u.text.startswith(t.split()[0]) for t in texts)
    assert all(a.audio_time <= b.audio_time for a, b in itertools.pairwise(partials))


def test_resampled_stream_keeps_call_relative_times(
    tts_call: tuple[Path, list], model_path: Path
) -> None:
    _, lines = tts_call
    prospect, rate = _channel(tts_call[0], 1)
    hi = soxr.resample(prospect[: rate * 26], rate, 48000).astype(np.int16)
    tr = ChannelTranscriber(load_model(model_path), "prospect", 48000)
    for i in range(0, len(hi), 480):
        tr.feed(hi[i : i + 480])
    utts = tr.close(timeout=60)
    _match_lines(utts, [ln for ln in lines if ln.speaker == "prospect" and ln.end < 26])


def test_backlog_is_reported_and_caught_up_without_dropping_audio(
    tts_call: tuple[Path, list], offline: list[Utterance], model_path: Path
) -> None:
    rep, rate = _channel(tts_call[0], 0)
    events: list[TranscriberBacklogged] = []
    tr = ChannelTranscriber(load_model(model_path), "rep", rate, on_backlog=events.append)
    tr.feed_silence(2 * rate)  # the caller lost 2 s: times must still line up
    tr.feed(rep)  # a long stall on the feeder side dumps everything at once
    utts = tr.close(timeout=60)
    assert events[0].backlog_seconds > 1.0 and not events[0].cleared
    assert events[-1].cleared
    stats = tr.stats()
    assert stats["decoded_seconds"] == stats["fed_seconds"] == pytest.approx(len(rep) / rate + 2)
    assert stats["max_backlog_seconds"] > 1.0
    expected = [u for u in offline if u.speaker == "rep"]
    # the silence in front shifts the decoder's adaptation a little, so words may differ
    assert len(utts) == len(expected)
    joined = " ".join(u.text for u in utts)
    assert word_error_rate(" ".join(u.text for u in expected), joined) < 0.1
    assert [u.start for u in utts] == pytest.approx([u.start + 2 for u in expected], abs=0.1)


def test_a_failing_listener_is_logged_and_does_not_stop_transcription(
    tts_call: tuple[Path, list], model_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rep, rate = _channel(tts_call[0], 0)

    def explode(_: object) -> None:
        raise RuntimeError("listener bug")

    tr = ChannelTranscriber(
        load_model(model_path), "rep", rate, on_final=explode, on_partial=explode
    )
    with caplog.at_level(logging.ERROR, logger="coach.transcribe"):
        tr.feed(rep[: rate * 13])
        utts = tr.close(timeout=60)
    assert len(utts) >= 2
    assert any("listener" in r.getMessage() for r in caplog.records)


def test_model_is_loaded_once_and_can_load_in_background(model_path: Path, tmp_path: Path) -> None:
    model = load_model(model_path)
    assert load_model(str(model_path)) is model
    fut = load_model_async(model_path)
    assert fut.result(timeout=60) is model
    bad = tmp_path / "bad"
    bad.mkdir()
    failed = load_model_async(bad)
    assert isinstance(failed.exception(timeout=60), ModelError)
