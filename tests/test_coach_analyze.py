"""`main.py analyze`: the JSON contract of DESIGN.md, the readable report, and bad input
(one sentence on stderr, exit code 2, never a traceback)."""

from __future__ import annotations

import json
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
CALL = ROOT / "tests" / "corpus" / "16_mixed_bag.json"


def _analyze(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py", "analyze", *args],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_json_output_keeps_the_design_contract() -> None:
    r = _analyze(str(CALL), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) == {"utterances", "flags", "metrics"}
    for u in out["utterances"]:
        assert set(u) == {"speaker", "start", "end", "text"} and u["speaker"] in ("rep", "prospect")
    kinds = {f["kind"] for f in out["flags"]}
    assert {"false_familiarity", "vague_language", "content_dump", "arguing", "pressure"} <= kinds
    for f in out["flags"]:
        assert {"kind", "speaker", "start", "end", "text", "suggestion"} <= set(f)
        assert isinstance(f["start"], float | int) and f["suggestion"]
    m = out["metrics"]
    for key in (
        "talk_ratio",
        "longest_monologue_seconds",
        "open_questions",
        "closed_questions",
        "patience_seconds",
        "interruptions",
        "words_per_minute",
        "qualification",
    ):
        assert key in m
    assert m["qualification"]["budget"]["evidence"]["text"] == "maybe twenty thousand"


def test_previous_calls_flag_overrides_the_transcript() -> None:
    r = _analyze(str(CALL), "--json", "--previous-calls", "3")
    kinds = {f["kind"] for f in json.loads(r.stdout)["flags"]}
    assert "false_familiarity" not in kinds


def test_readable_report() -> None:
    r = _analyze(str(CALL))
    assert r.returncode == 0, r.stderr
    assert "Talk ratio" in r.stdout and "! False familiarity" in r.stdout
    assert "frank hi it's nora" in r.stdout


def _write_wav(path: Path, channels: int, frames: int = 1600) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.zeros(frames * channels, dtype=np.int16).tobytes())


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("bad.json", '{"utterances": [', "not valid JSON"),
        ("list.json", "[1, 2]", "no 'utterances' list"),
        (
            "nofield.json",
            '{"utterances": [{"speaker": "rep", "start": 0, "text": "hi"}]}',
            "no 'end'",
        ),
        (
            "who.json",
            '{"utterances": [{"speaker": "boss", "start": 0, "end": 1, "text": "x"}]}',
            "boss",
        ),
        ("prev.json", '{"previous_calls": -1, "utterances": []}', "previous_calls"),
    ],
)
def test_bad_transcripts_exit_2_with_one_sentence(
    tmp_path: Path, name: str, content: str, words: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    r = _analyze(str(path), "--json")
    assert r.returncode == 2 and r.stdout == ""
    assert words in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_mono_and_truncated_wavs_exit_2(tmp_path: Path) -> None:
    mono = tmp_path / "mono.wav"
    _write_wav(mono, 1)
    r = _analyze(str(mono), "--json")
    assert r.returncode == 2 and "mono" in r.stderr and "Traceback" not in r.stderr
    cut = tmp_path / "cut.wav"
    _write_wav(cut, 2, frames=16000)
    cut.write_bytes(cut.read_bytes()[:20000])
    r = _analyze(str(cut), "--json")
    assert r.returncode == 2 and "truncated" in r.stderr and "Traceback" not in r.stderr
    r = _analyze(str(tmp_path / "missing.json"))
    assert r.returncode == 2 and "does not exist" in r.stderr


def test_broken_rule_pack_exits_2(tmp_path: Path) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text("name: x\nrules:\n  - id: x\n    kind: arguing\n", encoding="utf-8")
    r = _analyze(str(CALL), "--rules", str(pack))
    assert r.returncode == 2 and f"{pack} line 3" in r.stderr and "label" in r.stderr


def test_transcript_with_a_byte_order_mark_and_empty_call(tmp_path: Path) -> None:
    bom = tmp_path / "bom.json"
    bom.write_bytes(
        b'\xef\xbb\xbf{"utterances": [{"speaker": "rep", "start": 0, "end": 1, "text": "just checking in"}]}'
    )
    r = _analyze(str(bom), "--json")
    assert r.returncode == 0, r.stderr
    assert [f["kind"] for f in json.loads(r.stdout)["flags"]] == ["vague_language"]
    empty = tmp_path / "empty.json"
    empty.write_text('{"utterances": []}', encoding="utf-8")
    r = _analyze(str(empty), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["flags"] == []
