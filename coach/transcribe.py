"""Streaming speech-to-text for the coach: one Vosk recognizer per call channel.

- `load_model` / `load_model_async` (from coach.asr_model, re-exported here) load the model
  once per process, the latter on a named background thread so the dialer is usable at once.
- `ChannelTranscriber` owns one KaldiRecognizer on its own named worker thread, fed through a
  queue. `feed` only copies and enqueues: it never blocks the audio path and never drops
  audio. If decoding falls behind, the backlog is reported (log + `on_backlog`) and the
  worker catches up; `feed_silence` keeps the clock right when the caller lost samples.
- Times are call-relative seconds (samples fed since the call started, plus `time_offset`).
- A recognizer is replaced by a fresh one at the first end of utterance after
  `RENEW_AFTER_SECONDS` of its channel's audio (see there: its decoding graph's cache only grows).
- `transcribe_stereo_wav` decodes both channels of a recorded call in parallel.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr
import vosk

from coach.asr_model import MODEL_RATE, load_model, load_model_async
from coach.types import Utterance, Word
from coach.wav_input import AudioInputError, iter_call_blocks, open_call_wav
from models.errors import ModelError

__all__ = [
    "AudioInputError",
    "ChannelTranscriber",
    "ModelError",
    "PartialTranscriptUpdated",
    "TranscriberBacklogged",
    "load_model",
    "load_model_async",
    "transcribe_stereo_wav",
]

log = logging.getLogger(__name__)

MAX_PIECE = MODEL_RATE // 4  # decode in <=0.25 s pieces so endpoints fall where they are
PARTIAL_EVERY = MODEL_RATE // 10  # ask for a partial result every 0.1 s of audio
BACKLOG_REPORT_SECONDS = 1.0
# The small models decode on a graph composed on the fly (HCLr.fst with Gr.fst): each
# recognizer caches the graph states its search visits and frees them only with itself.
# Measured: two recognizers on a 75 s call +133 MB (most of the window's growth in a call),
# one channel over 7.5 min +130 MB and still growing. A recognizer is renewed at the first
# end of utterance after 30 s of its audio, so the cache never holds more than ~30 s of
# speech (window peak on the 75 s call -25 MB, and bounded on long calls). What changes: the
# next utterance starts with fresh speaker adaptation (i-vector), as Vosk itself does every
# 10 min; the rest of the piece that ended the utterance (<= 0.25 s, silence) is not decoded.
# On 16 corpus calls (flite, 1,430 s a channel) WER 11.98 % -> 12.04 % (397 vs 395 errors in
# 3,296 words); decoding CPU rises while caches refill (README, issue 10 memory).
# Why 30 s (benchmarks/bench_asr_memory.py, a 30-minute two-channel call): the recognizers'
# peak growth is +132 MB at 30 s, +179 at 60 s, +238 at 120 s, +472 kept, and the window idles
# at 333 MB, so 30 s is the longest interval tried that keeps it under 500 MB. What it costs is
# cache warm-up after each renewal (~0.9 CPU s each): 0.062 CPU s per audio second vs 0.034 kept.
RENEW_AFTER_SECONDS = 30.0
# A freed recognizer's memory stays in the worker thread's malloc arena (RSS) until glibc is
# asked to give free pages back; the next recognizer's cache then grows into fresh pages.
# malloc_trim after a renewal returns them (2-10 ms on the ASR worker, never an audio thread).
TRIM_AFTER_RENEWAL = True
FILE_BACKLOG_SECONDS = 30.0

_STOP = object()


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim  # glibc only
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


@dataclass(frozen=True, slots=True)
class PartialTranscriptUpdated:
    """The live (not yet final) text of the utterance a speaker is saying."""

    speaker: str
    text: str
    audio_time: float  # call-relative seconds decoded so far on this channel


@dataclass(frozen=True, slots=True)
class TranscriberBacklogged:
    """Decoding fell behind the audio by `backlog_seconds` (reported again when it clears)."""

    speaker: str
    backlog_seconds: float
    cleared: bool = False


def _safe_call(fn: Callable | None, arg: object) -> None:
    if fn is None:
        return
    try:
        fn(arg)
    except Exception:
        log.exception("transcript listener %r failed", fn)


class ChannelTranscriber:
    """One channel's recognizer on its own worker thread (named `asr-<speaker>`)."""

    def __init__(
        self,
        model: vosk.Model,
        speaker: str,
        sample_rate: int = MODEL_RATE,
        on_partial: Callable[[PartialTranscriptUpdated], None] | None = None,
        on_final: Callable[[Utterance], None] | None = None,
        *,
        on_backlog: Callable[[TranscriberBacklogged], None] | None = None,
        time_offset: float = 0.0,
        report_backlog: bool = True,
        renew_after_seconds: float | None = None,
    ) -> None:
        self.speaker = speaker
        self.sample_rate = int(sample_rate)
        self.on_partial, self.on_final, self.on_backlog = on_partial, on_final, on_backlog
        self.time_offset = time_offset
        self.report_backlog = report_backlog  # off for files, which are queued all at once
        # None: RENEW_AFTER_SECONDS (tests and the memory benchmark choose their own)
        self.renew_after_seconds = (
            RENEW_AFTER_SECONDS if renew_after_seconds is None else float(renew_after_seconds)
        )
        self.utterances: list[Utterance] = []
        self._model = model
        self._rec = self._new_recognizer()
        self._rec_start16 = 0  # where the recognizer in use started, in 16 kHz samples fed
        self.renewals = 0
        self._resampler = (
            soxr.ResampleStream(self.sample_rate, MODEL_RATE, 1, dtype="int16", quality="HQ")
            if self.sample_rate != MODEL_RATE
            else None
        )
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._fed = 0  # source samples queued (feeder thread only)
        self._done = 0  # source samples decoded (worker only)
        self._decoded16 = 0  # 16 kHz samples given to Vosk
        self._since_partial = 0
        self._last_partial = ""
        self._backlogged = False
        self._closed = False
        self.error: str | None = None  # set if the worker died; feed() then says so once
        self.max_backlog_seconds = 0.0
        self.decode_seconds = 0.0  # wall time spent inside Vosk
        self.decode_cpu_seconds = 0.0  # CPU time of the worker inside Vosk (load-independent)
        self.partials = 0
        self._thread = threading.Thread(target=self._run, name=f"asr-{speaker}", daemon=True)
        self._thread.start()

    # --- feeder side (any thread; cheap, never blocks) ---
    def feed(self, pcm: np.ndarray) -> None:
        """Queue int16 mono samples at `sample_rate` (copied; the caller may reuse its buffer).

        Call it from one feeder thread per transcriber (the tap reader)."""
        if self._closed:
            raise RuntimeError(f"the {self.speaker} transcriber is closed")
        if self.error is not None:
            raise RuntimeError(f"the {self.speaker} transcriber stopped: {self.error}")
        chunk = np.array(pcm, dtype=np.int16, copy=True).reshape(-1)
        if chunk.size:
            self._fed += chunk.size
            self._queue.put(chunk)

    def feed_silence(self, n_samples: int) -> None:
        """Stand in for samples the caller lost, so later timestamps stay call-relative."""
        if n_samples > 0:
            self.feed(np.zeros(int(n_samples), dtype=np.int16))

    @property
    def backlog_seconds(self) -> float:
        return max(0, self._fed - self._done) / self.sample_rate

    def close(self, timeout: float | None = None) -> list[Utterance]:
        """Flush the last utterance, stop the worker and return every final utterance."""
        if not self._closed:
            self._closed = True
            self._queue.put(_STOP)
        self._thread.join(timeout)
        return self.utterances

    def stats(self) -> dict:
        decoded = self._done / self.sample_rate
        return {
            "speaker": self.speaker,
            "fed_seconds": round(self._fed / self.sample_rate, 3),
            "decoded_seconds": round(decoded, 3),
            "backlog_seconds": round(self.backlog_seconds, 3),
            "max_backlog_seconds": round(self.max_backlog_seconds, 3),
            "decode_seconds": round(self.decode_seconds, 3),
            "rtf": round(self.decode_seconds / decoded, 4) if decoded else None,
            "decode_cpu_seconds": round(self.decode_cpu_seconds, 3),
            "finals": len(self.utterances),
            "renewals": self.renewals,
            "partials": self.partials,
            "error": self.error,
        }

    # --- worker side ---
    def _run(self) -> None:
        try:
            stopping = False
            while not stopping:
                batch = [self._queue.get()]
                # behind? take what is queued (up to a piece) in one call: fewer, larger calls
                size = 0 if batch[0] is _STOP else batch[0].size
                while size < MAX_PIECE and batch[-1] is not _STOP:
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                    if batch[-1] is not _STOP:
                        size += batch[-1].size
                if batch[-1] is _STOP:
                    stopping = True
                    batch.pop()
                if batch:
                    self._decode(batch[0] if len(batch) == 1 else np.concatenate(batch))
            self._finish()
        except Exception as e:
            # the audio queued after this point will not be transcribed: say so, loudly
            self.error = f"{type(e).__name__}: {e}"
            log.exception("the %s transcriber stopped on an error", self.speaker)

    def _decode(self, chunk: np.ndarray) -> None:
        for start in range(0, chunk.size, MAX_PIECE):
            piece = chunk[start : start + MAX_PIECE]
            data = self._resampler.resample_chunk(piece) if self._resampler else piece
            self._accept(data)
            self._done += piece.size
            self._check_backlog()

    def _accept(self, data: np.ndarray, last: bool = False) -> None:
        t0, c0 = time.perf_counter(), time.thread_time()
        if data.size:
            self._decoded16 += data.size
            self._since_partial += data.size
            is_final = self._rec.AcceptWaveform(data.tobytes())
        else:
            is_final = False
        if last:
            self._emit_final(self._rec.FinalResult())
        elif is_final:
            self._emit_final(self._rec.Result())
            if self._decoded16 - self._rec_start16 >= self.renew_after_seconds * MODEL_RATE:
                self._rec, self._rec_start16 = self._new_recognizer(), self._decoded16
                self.renewals += 1
                if TRIM_AFTER_RENEWAL and _TRIM is not None:
                    _TRIM(0)
        elif self.on_partial is not None and self._since_partial >= PARTIAL_EVERY:
            self._since_partial = 0
            text = json.loads(self._rec.PartialResult()).get("partial", "")
            if text != self._last_partial:
                self._last_partial = text
                self.partials += 1
                event = PartialTranscriptUpdated(
                    self.speaker, text, self.time_offset + self._decoded16 / MODEL_RATE
                )
                self._spent(t0, c0)
                _safe_call(self.on_partial, event)
                return
        self._spent(t0, c0)

    def _spent(self, t0: float, c0: float) -> None:
        self.decode_seconds += time.perf_counter() - t0
        self.decode_cpu_seconds += time.thread_time() - c0

    def _new_recognizer(self) -> vosk.KaldiRecognizer:
        rec = vosk.KaldiRecognizer(self._model, MODEL_RATE)
        rec.SetWords(True)
        return rec

    def _emit_final(self, raw: str) -> None:
        self._last_partial = ""
        res = json.loads(raw)
        offset = self.time_offset + self._rec_start16 / MODEL_RATE  # the recognizer's own zero
        words = tuple(
            Word(w["word"], offset + w["start"], offset + w["end"], w.get("conf", 1.0))
            for w in res.get("result", ())
        )
        text = res.get("text", "").strip()
        if not text or not words:
            return
        utt = Utterance(self.speaker, words[0].start, words[-1].end, text, words)  # type: ignore[arg-type]
        self.utterances.append(utt)
        _safe_call(self.on_final, utt)

    def _finish(self) -> None:
        tail = (
            self._resampler.resample_chunk(np.zeros(0, dtype=np.int16), last=True)
            if self._resampler
            else np.zeros(0, dtype=np.int16)
        )
        self._accept(tail, last=True)
        self._check_backlog()

    def _check_backlog(self) -> None:
        backlog = self.backlog_seconds
        self.max_backlog_seconds = max(self.max_backlog_seconds, backlog)
        if not self.report_backlog:
            return
        if not self._backlogged and backlog > BACKLOG_REPORT_SECONDS:
            self._backlogged = True
            log.warning("%s transcription is %.1f s behind; catching up", self.speaker, backlog)
            _safe_call(self.on_backlog, TranscriberBacklogged(self.speaker, backlog))
        elif self._backlogged and backlog < BACKLOG_REPORT_SECONDS / 4:
            self._backlogged = False
            log.info("%s transcription caught up", self.speaker)
            _safe_call(self.on_backlog, TranscriberBacklogged(self.speaker, backlog, cleared=True))


def transcribe_stereo_wav(
    path: str | Path,
    model_path: str | Path | None = None,
    channel_map: dict[str, int] | None = None,
) -> list[Utterance]:
    """Transcribe a recorded call (left = rep, right = prospect) with both channels decoded
    in parallel; utterances sorted by start time. Raises AudioInputError or ModelError."""
    call = open_call_wav(path, channel_map)
    model = load_model(model_path)
    workers = [
        ChannelTranscriber(model, speaker, call.sample_rate, report_backlog=False)
        for speaker in call.channel_map
    ]
    try:
        for block in iter_call_blocks(call):
            # a file may wait for the decoder (unlike a live tap): keep memory bounded
            while max(tr.backlog_seconds for tr in workers) > FILE_BACKLOG_SECONDS:
                if any(tr.error for tr in workers):
                    break
                time.sleep(0.05)
            for tr in workers:
                tr.feed(block[tr.speaker])
    finally:
        utterances = [u for tr in workers for u in tr.close()]
    failed = [tr for tr in workers if tr.error]
    if failed:
        raise RuntimeError(f"Transcribing {path} failed: {failed[0].error}.")
    return sorted(utterances, key=lambda u: (u.start, u.speaker))
