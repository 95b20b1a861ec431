"""The library's command line, run as a user would: `main.py import`, `library ...`,
`session ...`, each in a subprocess against a real data folder in tmp."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CALL = {
    "previous_calls": 0,
    "utterances": [
        {"speaker": "rep", "start": 0.5, "end": 3.0,
         "text": "Hi Dana, as we discussed I am just checking in about the webinar"},
        {"speaker": "prospect", "start": 3.2, "end": 6.0, "text": "We have no budget this quarter"},
        {"speaker": "rep", "start": 6.5, "end": 9.0,
         "text": "What is driving the timeline for the project?"},
        {"speaker": "prospect", "start": 9.5, "end": 14.0, "text": "The board wants it by June"},
    ],
}  # fmt: skip


def run(data: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "CALLCOACH_DATA_DIR": str(data), "CALLCOACH_CONFIG_DIR": str(data)}
    r = subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


def test_import_search_review_session_pdf(tmp_path):
    data = tmp_path / "rep"
    call = tmp_path / "call.json"
    call.write_text(json.dumps(CALL))
    out = run(data, "import", str(call), "--contact", "Dana Smith", "--rep", "alice",
              "--started-at", "2026-03-03T10:00", "--json")  # fmt: skip
    imported = json.loads(out.stdout)
    assert imported["flags"] >= 1

    review = json.loads(run(data, "library", "review", imported["uuid"], "--json").stdout)
    kinds = {f["kind"] for f in review["flags"]}
    assert "false_familiarity" in kinds  # previous_calls 0 came through to the coach
    assert review["call"]["rep"] == "alice" and review["metrics"]["talk_ratio"] > 0

    hits = json.loads(run(data, "library", "search", "budgets", "--json").stdout)
    assert [(h["call_id"], h["speaker"]) for h in hits] == [(imported["call_id"], "prospect")]
    assert "Dana Smith" in run(data, "library", "calls", "--flag", "false_familiarity").stdout
    assert "No calls match." in run(data, "library", "calls", "--flag", "pressure").stdout
    dash = json.loads(run(data, "library", "dashboard", "--rep", "alice", "--json").stdout)
    assert dash["weeks"][0]["week"] == "2026-03-02" and dash["totals"]["connects"] == 1

    sid = run(data, "session", "create", "--rep", "alice", "--since", "2026-03-01",
              "--until", "2026-03-31", "--title", "March", "--lead", "Lee").stdout.strip()  # fmt: skip
    moments = json.loads(run(data, "session", "moments", sid, "--json").stdout)
    flag = next(m for m in moments if m["kind"] == "false_familiarity")
    item = run(data, "session", "add", sid, "--flag", str(flag["flag_id"])).stdout.strip()
    run(data, "session", "comment", item, "It was your first call with Dana", "--author", "Lee")
    run(data, "session", "discussed", item)
    shown = run(data, "session", "show", sid).stdout
    assert "[x] 1." in shown and "It was your first call with Dana" in shown
    pdf = tmp_path / "march.pdf"
    run(data, "session", "export-pdf", sid, str(pdf))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    assert "It was your first call with Dana" in text.stdout

    csv_path = tmp_path / "m.csv"
    run(data, "library", "export-csv", str(csv_path), "--rep", "alice")
    assert csv_path.read_text().count("\n") == 2


def test_bundle_between_two_machines_via_cli(tmp_path):
    rep, lead = tmp_path / "rep", tmp_path / "lead"
    call = tmp_path / "call.json"
    call.write_text(json.dumps(CALL))
    for name in ("Dana Smith", "Omar Diaz"):
        run(rep, "import", str(call), "--contact", name, "--rep", "alice")
    bundle = tmp_path / "alice.ccbundle"
    assert "Exported 2 calls" in run(rep, "library", "export-bundle", str(bundle)).stdout
    first = json.loads(run(lead, "library", "import-bundle", str(bundle), "--json").stdout)
    second = json.loads(run(lead, "library", "import-bundle", str(bundle), "--json").stdout)
    assert len(first["imported"]) == 2 and first["skipped"] == []
    assert second["imported"] == [] and sorted(second["skipped"]) == sorted(first["imported"])
    calls = json.loads(run(lead, "library", "calls", "--json").stdout)
    assert sorted(c["contact_name"] for c in calls) == ["Dana Smith", "Omar Diaz"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "nope.wav", "--contact", "X"], "There is no file nope.wav"),
        (["library", "search", "budget", "--since", "March"], "is not a date"),
        (["library", "calls", "--flag", "rudeness"], "Unknown flag kind"),
        (["library", "review", "12345"], "There is no call 12345"),
        (["library", "import-bundle", "main.py"], "not a Call Coach bundle"),
        (["session", "export-pdf", "77", "x.pdf"], "no coaching session 77"),
        (["library", "search", "  "], "at least one word"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_2(tmp_path, args, message):
    r = run(tmp_path / "data", *args, check=False)
    assert r.returncode == 2, r.stdout + r.stderr
    assert message in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


@pytest.mark.asr
def test_import_a_recorded_wav_transcribes_coaches_and_keeps_flac(tmp_path):
    from tests.tts_call import SALES_CALL, render_call

    wav = tmp_path / "call.wav"
    render_call(SALES_CALL, wav)
    data = tmp_path / "data"
    out = run(data, "import", str(wav), "--contact", "Sam Park", "--rep", "sarah", "--json")
    call_id = json.loads(out.stdout)["call_id"]
    review = json.loads(run(data, "library", "review", str(call_id), "--json").stdout)
    speakers = {u["speaker"] for u in review["utterances"]}
    assert speakers == {"rep", "prospect"}
    assert {"vague_language", "content_dump"} & {f["kind"] for f in review["flags"]}
    flac = Path(review["call"]["recording_path"])
    assert flac.suffix == ".flac" and flac.stat().st_mode & 0o777 == 0o600
    hits = json.loads(run(data, "library", "search", "white paper", "--json").stdout)
    assert hits and hits[0]["call_id"] == call_id
