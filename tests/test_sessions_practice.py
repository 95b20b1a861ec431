"""Practice partner: script validation (file, line, reason), branching on what is heard, and a
real practice call — the rep's engine dials the simulated prospect's own SIP process, which
speaks with flite, hears the rep through Vosk, branches, hangs up; the call is stored as
practice with its transcript."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from calling.practice.script import SCRIPTS_DIR, Dialogue, ScriptError, load_script

ROOT = Path(__file__).resolve().parent.parent

GOOD = """title: Test
prospect: {name: Alex Kim, voice: slt}
start: hello
nodes:
  hello:
    say: "Alex here."
    branches:
      - if_any: ["reached out"]
        goto: annoyed
    default: bye
  annoyed:
    say: "I never reached out."
    end: true
  bye:
    say: "Bye."
    end: true
"""


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "s.yaml"
    p.write_text(text)
    return p


def test_shipped_scripts_load_and_every_node_is_reachable() -> None:
    scripts = sorted(SCRIPTS_DIR.glob("*.yaml"))
    assert {p.stem for p in scripts} >= {
        "never_reached_out",
        "no_budget_until_april",
        "one_white_paper",
    }
    for path in scripts:
        s = load_script(path)
        seen, todo = set(), [s.start]
        while todo:
            n = s.nodes[todo.pop()]
            if n.name in seen:
                continue
            seen.add(n.name)
            todo += [b.goto for b in n.branches] + ([n.default] if n.default else [])
        assert seen == set(s.nodes), f"{path.name}: unreachable {set(s.nodes) - seen}"
        assert any(n.end for n in s.nodes.values())


@pytest.mark.parametrize(
    ("broken", "line", "reason"),
    [
        (GOOD.replace("goto: annoyed", "goto: angry"), 9, "there is no node named 'angry'"),
        (GOOD.replace('    say: "Bye."\n', ""), 14, "node 'bye' has nothing to say"),
        (GOOD.replace("voice: slt", "voice: robot"), 2, "unknown voice 'robot'"),
        (GOOD.replace("start: hello", "start: hi"), 3, "start names 'hi', which is not a node"),
        (GOOD.replace("    default: bye\n", ""), 5, "node 'hello' needs a 'default'"),
        (GOOD.replace('["reached out"]', '"reached out"'), 8, "if_any must be a list"),
        (
            GOOD.replace("    end: true\n  bye", "    end: true\n    default: bye\n  bye"),
            11,
            "node 'annoyed' ends the call, so it cannot branch",
        ),
        (GOOD.replace("nodes:", "nodez:"), 4, "unknown key 'nodez'"),
        (GOOD.replace('say: "Alex here."', 'say: "Alex here.'), 8, "not valid YAML"),
    ],
)
def test_broken_scripts_name_line_and_reason(tmp_path, broken, line, reason) -> None:
    path = _write(tmp_path, broken)
    with pytest.raises(ScriptError) as err:
        load_script(path)
    assert str(err.value).startswith(f"{path}:{line}: "), str(err.value)
    assert reason in str(err.value)


def test_dialogue_branches_on_whole_words(tmp_path) -> None:
    script = load_script(_write(tmp_path, GOOD))
    d = Dialogue(script)
    assert d.next("hi alex you Reached Out to us last week").name == "annoyed"
    d = Dialogue(script)
    assert d.next("hi alex I outreached before").name == "bye"  # a word inside a word is not it
    assert d.path == ["hello", "bye"]


REP_LINE = (
    "Hi Jordan, this is Pat from Acme. You reached out to us last week about fleet "
    "tracking. I am just checking in to touch base."
)


def rep_voice(folder: Path, line: str, lead_s: float) -> Path:
    """The rep's side as a 16 kHz WAV (flite): `lead_s` of silence for the prospect's hello,
    the line, then 6 s of silence while the prospect answers."""
    raw, rep = folder / "rep_raw.wav", folder / "rep.wav"
    subprocess.run(["flite", "-voice", "rms", "-t", line, "-o", str(raw)], check=True)
    subprocess.run(["sox", str(raw), "-r", "16000", str(rep), "pad", str(lead_s), "6"], check=True)
    return rep


def _env(tmp_path: Path) -> dict:
    return {
        **os.environ,
        "CALLCOACH_DATA_DIR": str(tmp_path / "data"),
        "CALLCOACH_CONFIG_DIR": str(tmp_path / "config"),
    }


def test_cli_bad_script_is_a_sentence_and_exit_2(tmp_path) -> None:
    path = _write(tmp_path, GOOD.replace("goto: annoyed", "goto: angry"))
    r = subprocess.run(
        [sys.executable, "main.py", "practice", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=60,
        check=False,
    )
    assert r.returncode == 2 and f"{path}:9: there is no node named 'angry'" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.sip
@pytest.mark.asr
def test_practice_call_branches_on_what_the_rep_said(tmp_path) -> None:
    if not os.environ.get("CALLCOACH_MODEL"):
        pytest.fail("CALLCOACH_MODEL is not set (run the tests with scripts/test.sh)")
    rep = rep_voice(tmp_path, REP_LINE, 3.0)
    r = subprocess.run(
        [sys.executable, "main.py", "practice", "never_reached_out", "--play", str(rep)]
        + ["--json", "--record", str(tmp_path / "mine.wav")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    events = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    heard = [e["text"] for e in events if e.get("event") == "heard"]
    assert heard and "reach" in heard[0]
    summary = events[-1]
    assert summary["path"] == ["hello", "never_reached_out"]
    db = sqlite3.connect(tmp_path / "data" / "callcoach.db")
    ((call_id, script, path_json),) = db.execute(
        "SELECT call_id, script, path_json FROM practice_calls"
    ).fetchall()
    assert script == "never_reached_out" and json.loads(path_json) == summary["path"]
    notes, recording = db.execute(
        "SELECT notes, recording_path FROM calls WHERE id = ?", [call_id]
    ).fetchone()
    assert notes == "Practice: The prospect who never reached out"
    # The library keeps its FLAC; the WAV asked for with --record stays the rep's.
    assert recording == summary["recording"] and recording.endswith(".flac")
    assert Path(recording).is_file() and (tmp_path / "mine.wav").stat().st_size > 100_000
    speakers = {
        s for (s,) in db.execute("SELECT speaker FROM utterances WHERE call_id = ?", [call_id])
    }
    assert speakers == {"rep", "prospect"}
    said = " ".join(
        t
        for (t,) in db.execute(
            "SELECT text FROM utterances WHERE call_id = ? AND speaker = 'prospect'", [call_id]
        )
    )
    assert "never reached out" in said
    # The coach ran over the practice call like over a real one.
    kinds = {k for (k,) in db.execute("SELECT kind FROM flags WHERE call_id = ?", [call_id])}
    assert "vague_language" in kinds
    assert any(e.get("event") == "flag" for e in events)  # raised live, during the call


@pytest.mark.ui
@pytest.mark.sip
@pytest.mark.asr
def test_practice_view_shows_the_conversation_and_stores_it(qtbot, tmp_path) -> None:
    from app.db import open_database
    from app.store_writer import StoreWriter
    from calling.practice.run import PracticeSetup
    from calling.ui.practice_view import PracticeView
    from coach.asr_model import load_model
    from softphone.ui.theme import stylesheet
    from tests.sip_support import engine

    line = "Hi Jordan, this is Pat from Acme. You reached out to us about fleet tracking."
    rep = rep_voice(tmp_path, line, 2.5)
    db_path = tmp_path / "cc.db"
    open_database(db_path).close()
    with (
        StoreWriter(db_path) as writer,  # as in the app: the rows go through the one writer
        engine(audio="file", play_file=str(rep)) as (client, _log),
    ):
        model = load_model(None)
        view = PracticeView(  # the parts the app hands in: the one writer, the model, the rep
            client,
            lambda: PracticeSetup(store=writer, data_dir=tmp_path, model=model, rep="pat"),
        )
        view.setStyleSheet(stylesheet())
        qtbot.addWidget(view)
        view.resize(820, 560)
        view.show()
        titles = [s.path.stem for s in view.scripts]
        view.choice.setCurrentIndex(titles.index("never_reached_out"))
        assert "downloaded one guide" in view.description.text()
        view.start_button.click()
        qtbot.waitUntil(lambda: "Stored in the library" in view.status.text(), timeout=90_000)
        lines = [view.transcript.item(i).text() for i in range(view.transcript.count())]
        folder = Path(os.environ.get("CALLCOACH_SCREENSHOTS") or tmp_path)
        folder.mkdir(parents=True, exist_ok=True)
        assert view.grab().save(str(folder / "practice-call.png"))
        view.timer.stop()
    assert lines[0] == "Prospect: Jordan Lee speaking."
    assert any(x.startswith("You (as heard):") and "silence" not in x for x in lines)
    assert (
        "Prospect: I never reached out to anyone. I downloaded one guide, that is all. "
        "I have to go." in lines
    )
    assert "hello → never_reached_out" in view.status.text()
    db = sqlite3.connect(db_path)
    assert db.execute("SELECT script FROM practice_calls").fetchall() == [("never_reached_out",)]
    assert db.execute("SELECT COUNT(*) FROM calls").fetchone() == (1,)
