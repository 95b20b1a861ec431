"""Reads a recorded call (a WAV file) into one int16 array per speaker, with clear errors.

Any sample rate; 8/16/24/32-bit PCM or float. Stereo means left = rep, right = prospect;
mono or multi-channel files need an explicit channel map. A truncated file, a file that is
not a WAV, or an empty one raises AudioInputError with one sentence (the CLI exits 2).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

DEFAULT_CHANNEL_MAP = {"rep": 0, "prospect": 1}
_UNKNOWN_SIZES = (0, 0xFFFFFFFF)  # written by recorders that fix the header up at the end


class AudioInputError(ValueError):
    """The call audio cannot be used; the text is one sentence saying why and what to do."""


@dataclass(frozen=True, slots=True)
class CallAudio:
    sample_rate: int
    channels: dict[str, np.ndarray]  # speaker -> int16 mono samples

    @property
    def duration(self) -> float:
        return max((len(a) for a in self.channels.values()), default=0) / self.sample_rate


def _check_riff(path: Path) -> None:
    """Walk the RIFF chunks: reject non-WAVs and files whose data chunk was cut short."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
            raise AudioInputError(
                f"{path} is not a WAV file; give a stereo WAV or a transcript JSON."
            )
        if head[:4] == b"RF64":
            return  # 64-bit sizes live in a ds64 chunk; libsndfile checks those itself
        pos, seen_fmt = 12, False
        while pos + 8 <= size:
            f.seek(pos)
            cid, csize = struct.unpack("<4sI", f.read(8))
            if cid == b"fmt ":
                seen_fmt = True
            elif cid == b"data":
                if not seen_fmt:
                    break
                available = size - pos - 8
                if csize not in _UNKNOWN_SIZES and csize > available:
                    raise AudioInputError(
                        f"{path} is truncated: its header promises {csize} bytes of audio but "
                        f"only {available} are there; re-export or re-record the call."
                    )
                return
            pos += 8 + csize + (csize & 1)
    raise AudioInputError(
        f"{path} is truncated or damaged: it has no complete fmt and data chunks; "
        "re-export or re-record the call."
    )


@dataclass(frozen=True, slots=True)
class CallWav:
    """A checked call recording, not yet read: what `iter_call_blocks` reads from."""

    path: Path
    sample_rate: int
    frames: int
    channel_map: dict[str, int]


def open_call_wav(path: str | Path, channel_map: dict[str, int] | None = None) -> CallWav:
    """Check a call recording (exists, a whole WAV, channels) without reading the audio."""
    path = Path(path)
    if not path.is_file():
        raise AudioInputError(f"{path} does not exist; give the path of a recorded call.")
    _check_riff(path)
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, ValueError) as e:
        raise AudioInputError(f"{path} cannot be read as audio ({e}).") from e
    n_channels = info.channels
    if channel_map is None:
        if n_channels != 2:
            what = "mono" if n_channels == 1 else f"{n_channels}-channel"
            raise AudioInputError(
                f"{path} is {what}: the coach needs a stereo WAV with the rep on the left and "
                "the prospect on the right, or a channel map saying which channel is whose."
            )
        channel_map = DEFAULT_CHANNEL_MAP
    bad = {k: v for k, v in channel_map.items() if not 0 <= v < n_channels}
    if bad:
        raise AudioInputError(
            f"{path} has {n_channels} channel(s); the channel map asks for {bad}."
        )
    if info.frames <= 0:
        raise AudioInputError(f"{path} holds no audio ({info.subtype}, 0 frames).")
    return CallWav(path, int(info.samplerate), int(info.frames), dict(channel_map))


def iter_call_blocks(call: CallWav, block_seconds: float = 10.0) -> Iterator[dict[str, np.ndarray]]:
    """The audio in blocks (speaker -> int16 samples), so long calls never sit in memory whole."""
    block = max(1, int(block_seconds * call.sample_rate))
    try:
        for data in sf.blocks(str(call.path), blocksize=block, dtype="float32", always_2d=True):
            yield {
                speaker: (np.clip(data[:, idx], -1.0, 1.0) * 32767.0).astype(np.int16)
                for speaker, idx in call.channel_map.items()
            }
    except (sf.LibsndfileError, RuntimeError) as e:
        raise AudioInputError(f"{call.path} cannot be read as audio ({e}).") from e


def read_call_wav(path: str | Path, channel_map: dict[str, int] | None = None) -> CallAudio:
    """Read a whole call recording; `channel_map` maps speaker -> channel (default stereo)."""
    call = open_call_wav(path, channel_map)
    blocks = list(iter_call_blocks(call))
    channels = {s: np.concatenate([b[s] for b in blocks]) for s in call.channel_map}
    return CallAudio(sample_rate=call.sample_rate, channels=channels)
