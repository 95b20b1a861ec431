"""Renders a scripted two-voice sales call to a stereo WAV with flite (left = rep, right =
prospect), with every line placed at a known time, and scores transcripts against the script.

Used by the ASR tests and by benchmarks/bench_asr.py:

    lines = render_call(SALES_CALL, "call.wav")          # -> [ScriptLine(speaker, text, start, end)]
    word_error_rate(reference_text(lines, "rep"), hypothesis)
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

VOICES = {"rep": "slt", "prospect": "rms"}

# A short discovery call. The rep's lines include a vague opener ("you reached out to us") and
# a content dump ("i can send you our white paper and a case study") for the coach to flag.
SALES_CALL: list[tuple[str, str]] = [
    ("rep", "hi this is sarah from northwind software is this a good time"),
    ("prospect", "yes i have a few minutes what is this about"),
    ("rep", "you reached out to us a while ago so i wanted to touch base"),
    ("prospect", "right we were looking at tools for our sales team"),
    ("rep", "what made you start looking for a new tool"),
    ("prospect", "our reps spend too much time on manual notes after every call"),
    ("rep", "i can send you our white paper and a case study"),
    ("prospect", "sure but what i really need is a price for twenty people"),
    ("rep", "who else is involved in the decision on your side"),
    ("prospect", "my manager signs off on anything over the budget"),
    ("rep", "when would you like to have something in place"),
    ("prospect", "we would like to start before the end of the quarter"),
]


# A rougher call: the rep assumes a history that does not exist, argues, cuts the prospect off
# (the third item is the gap before a line; negative = starts before the last line ends).
ROUGH_CALL: list[tuple] = [
    ("rep", "hi mark great to talk again as we discussed last time i will keep this short"),
    ("prospect", "sorry i do not think we have spoken before"),
    ("rep", "we help sales teams book more meetings every single week"),
    ("prospect", "we already have a tool for that and it works well for us today"),
    ("rep", "no that is not right our tool is much better than theirs", -1.6),
    ("prospect", "i do not have time for this right now"),
    ("rep", "i need an answer from you today"),
]


@dataclass(frozen=True, slots=True)
class ScriptLine:
    speaker: str
    text: str
    start: float
    end: float


def _speak(text: str, voice: str, rate: int) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "line.wav"
        subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(out)], check=True)
        audio, sr = sf.read(str(out), dtype="float32")
    if audio.ndim > 1:
        audio = audio.mean(axis=1)
    if sr != rate:
        audio = soxr.resample(audio, sr, rate)
    return audio.astype(np.float32)


def render_call(
    script: list[tuple],
    path: str | Path,
    *,
    voices: dict[str, str] | None = None,
    gap: float = 0.8,
    lead_in: float = 0.5,
    tail: float = 1.5,
    sample_rate: int = 16000,
    subtype: str = "PCM_16",
) -> list[ScriptLine]:
    """Write the call to `path` and return each line with its start/end in the file.

    A script item is (speaker, text) or (speaker, text, gap before it); a negative gap makes
    the line overlap the one before (the speaker cuts in).
    """
    voices = {**VOICES, **(voices or {})}
    clips = [(item[0], item[1], _speak(item[1], voices[item[0]], sample_rate)) for item in script]
    lines: list[ScriptLine] = []
    t = lead_in
    for item, (spk, text, clip) in zip(script, clips, strict=True):
        if lines:
            t = lines[-1].end + (item[2] if len(item) > 2 else gap)
        start = max(0.0, t)
        lines.append(ScriptLine(spk, text, start, start + len(clip) / sample_rate))
    total = int((max(line.end for line in lines) + tail) * sample_rate)
    stereo = np.zeros((total, 2), dtype=np.float32)
    for line, (_, _, clip) in zip(lines, clips, strict=True):
        ch = 0 if line.speaker == "rep" else 1
        i = round(line.start * sample_rate)
        stereo[i : i + len(clip), ch] += clip
    sf.write(str(path), np.clip(stereo, -1, 1), sample_rate, subtype=subtype)
    return lines


def reference_text(lines: list[ScriptLine], speaker: str | None = None) -> str:
    return " ".join(line.text for line in lines if speaker in (None, line.speaker))


def _words(text: str) -> list[str]:
    return re.sub(r"[^a-z' ]+", " ", text.lower()).split()


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance in words, reference length): substitutions + deletions + insertions."""
    ref, hyp = _words(reference), _words(hypothesis)
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1], len(ref)


def word_error_rate(reference: str, hypothesis: str) -> float:
    errors, n = word_errors(reference, hypothesis)
    return errors / max(n, 1)
