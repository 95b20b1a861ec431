"""Per-call recordings kept as stereo FLAC (left = rep, right = prospect), readable by the
user only.

The live recorder writes a WAV while the call runs (so a crash keeps all but the last
second); after the call, or on the next start for an interrupted one, `store_recording`
converts it to FLAC in the library's recordings folder. A WAV whose header was never
finished (the process died) is read from its data chunk to the end of the file. This module
only handles files: which call points at which recording is the call history's business
(the caller encodes here first, then submits one short write of the path).
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import soundfile as sf

BLOCK_FRAMES = 16000 * 30  # convert in 30 s blocks so a 60-minute call never sits in memory


def recordings_dir(base: str | Path) -> Path:
    path = Path(base) / "recordings"
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def _damaged_wav(path: Path) -> tuple[np.ndarray, int]:
    """Samples of a 16-bit PCM WAV whose sizes were never written (process killed)."""
    raw = path.read_bytes()
    if raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise ValueError(f"{path.name} is not a WAV file.")
    pos, channels, rate, bits = 12, 1, 16000, 16
    while pos + 8 <= len(raw):
        cid, size = raw[pos : pos + 4], struct.unpack("<I", raw[pos + 4 : pos + 8])[0]
        if cid == b"fmt ":
            _, channels, rate, _, _, bits = struct.unpack("<HHIIHH", raw[pos + 8 : pos + 24])
        elif cid == b"data":
            if bits != 16:
                raise ValueError(f"{path.name}: only 16-bit PCM can be recovered.")
            data = raw[pos + 8 :]
            usable = len(data) // (2 * channels) * 2 * channels
            return np.frombuffer(data[:usable], dtype="<i2").reshape(-1, channels), rate
        pos += 8 + size + (size & 1)
    raise ValueError(f"{path.name} has no audio data.")


def store_recording(src: str | Path, dest_dir: str | Path, call_uuid: str) -> Path:
    """Convert `src` (WAV or anything libsndfile reads) to `dest_dir/<call_uuid>.flac`, 0600."""
    src, dest_dir = Path(src), Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / f"{call_uuid}.flac"
    tmp = dest.with_suffix(".flac.part")
    old_umask = os.umask(0o077)
    try:
        try:
            info = sf.info(str(src))
            frames_ok = info.frames > 0 or src.stat().st_size <= 44
        except (sf.LibsndfileError, RuntimeError):
            frames_ok = False
        if frames_ok:
            with sf.SoundFile(
                str(tmp), "w", info.samplerate, info.channels, "PCM_16", format="FLAC"
            ) as out:
                for block in sf.blocks(
                    str(src), blocksize=BLOCK_FRAMES, dtype="int16", always_2d=True
                ):
                    out.write(block)
        else:
            data, rate = _damaged_wav(src)
            sf.write(str(tmp), data, rate, subtype="PCM_16", format="FLAC")
        os.replace(tmp, dest)
    finally:
        os.umask(old_umask)
        if tmp.exists():
            tmp.unlink()
    os.chmod(dest, 0o600)
    return dest


def read_segment(
    path: str | Path, start_s: float, end_s: float | None = None
) -> tuple[np.ndarray, int]:
    """Frames [start_s, end_s) of a recording as int16 (frames x channels) and the rate."""
    with sf.SoundFile(str(path)) as f:
        rate = f.samplerate
        f.seek(max(0, min(f.frames, int(start_s * rate))))
        count = -1 if end_s is None else max(0, int((end_s - start_s) * rate))
        return f.read(count, dtype="int16", always_2d=True), rate


def duration(path: str | Path) -> float:
    info = sf.info(str(path))
    return info.frames / float(info.samplerate)
