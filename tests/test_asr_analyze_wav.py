"""`python main.py analyze CALL.wav --json` end to end on flite-rendered calls with the real
speech model: the transcript is close to the script and the expected flags appear at the
lines that should raise them; bad audio exits 2 with one sentence."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile as sf

from tests.tts_call import reference_text, word_error_rate

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.asr
pytest_plugins = ("tests.model_fixtures",)


def _analyze(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py", "analyze", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _flags_at(flags: list[dict], lines: list, text_start: str) -> set[str]:
    line = next(ln for ln in lines if ln.text.startswith(text_start))
    return {
        f["kind"]
        for f in flags
        if f["speaker"] == line.speaker and abs(f["start"] - line.start) < 0.6
    }


def test_analyze_sales_call_wav_flags_vague_language_and_content_dump(
    tts_call: tuple[Path, list], model_path: Path
) -> None:
    wav, lines = tts_call
    r = _analyze(str(wav), "--json", "--model", str(model_path))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    utts = out["utterances"]
    assert len(utts) == len(lines)
    assert [u["speaker"] for u in utts] == [ln.speaker for ln in lines]
    wer = word_error_rate(reference_text(lines), " ".join(u["text"] for u in utts))
    print(f"analyze transcript WER {wer:.3f}")
    assert wer < 0.35
    flags = out["flags"]
    assert "vague_language" in _flags_at(flags, lines, "you reached out to us")
    assert "content_dump" in _flags_at(flags, lines, "i can send you our white paper")
    # the good discovery questions raise nothing
    for good in ("what made you start looking", "who else is involved", "when would you like"):
        assert _flags_at(flags, lines, good) == set(), good
    kinds = {f["kind"] for f in flags}
    assert not kinds & {"arguing", "interruption", "pressure", "false_familiarity"}
    assert out["metrics"]["talk_ratio"] == pytest.approx(
        sum(u["end"] - u["start"] for u in utts if u["speaker"] == "rep")
        / sum(u["end"] - u["start"] for u in utts),
        abs=0.1,
    )


def test_analyze_rough_call_wav_flags_history_arguing_cut_in_and_pressure(
    rough_call: tuple[Path, list], model_path: Path
) -> None:
    wav, lines = rough_call
    r = _analyze(str(wav), "--json", "--previous-calls", "0", "--model", str(model_path))
    assert r.returncode == 0, r.stderr
    flags = json.loads(r.stdout)["flags"]
    assert "false_familiarity" in _flags_at(flags, lines, "hi mark great to talk again")
    cut_in = _flags_at(flags, lines, "no that is not right")
    assert {"arguing", "interruption"} <= cut_in
    assert "pressure" in _flags_at(flags, lines, "i need an answer from you today")
    readable = _analyze(str(wav), "--previous-calls", "0", "--model", str(model_path))
    assert readable.returncode == 0 and "need an answer" in readable.stdout


def test_analyze_bad_wav_exits_2_with_one_sentence(
    tts_call: tuple[Path, list], model_path: Path, tmp_path: Path
) -> None:
    data, rate = sf.read(str(tts_call[0]), dtype="int16")
    mono = tmp_path / "mono.wav"
    sf.write(str(mono), data[: rate * 5, 0], rate)
    cut = tmp_path / "cut.wav"
    cut.write_bytes(tts_call[0].read_bytes()[:100_000])
    for bad, words in ((mono, "is mono"), (cut, "is truncated")):
        r = _analyze(str(bad), "--json", "--model", str(model_path))
        assert r.returncode == 2, r.stderr
        assert words in r.stderr and "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
    no_model = _analyze(str(tts_call[0]), "--json", "--model", str(tmp_path / "no-model"))
    assert no_model.returncode == 2 and "models install" in no_model.stderr
