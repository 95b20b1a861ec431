"""Qualification across calls with one contact: a topic learned on an earlier call is not
missing today, and a follow-up whose earlier calls' content is unknown is not judged on
qualification (the pack's `judge_follow_ups_without_history`). Real text through the real
engine, a real library file written by `main.py import`, the real checklist widget offscreen.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from coach.engine import analyze_utterances
from coach.rules.kinds import QualificationRule
from coach.rules.pack import load_pack
from coach.types import Utterance

ROOT = Path(__file__).resolve().parent.parent

# A first call: the rep learns the budget and the date, nothing about the project.
EARLIER = [
    "hi dana it's sam from brightline thanks for picking up",
    "sure what's this about",
    "how much have you set aside for this kind of tool this year",
    "we have about forty thousand dollars for it",
    "and by when would it have to be live",
    "before the end of march ideally",
    "okay that's helpful thanks",
    "you are welcome",
    "i'll send over a short summary",
    "sounds good bye",
]
# Follow-ups: the rep confirms budget and date in a word and the prospect agrees; one then
# learns the project, the other learns nothing about it.
PROJECT_ONLY = [
    "hi dana it's sam from brightline again thanks for the time",
    "hi sam good to hear from you",
    "last time you mentioned forty thousand and march is that still about right",
    "yeah that's about right",
    "what is driving the project on your side now",
    "our dispatch team keeps double booking trucks and we lose jobs",
    "how often does that happen",
    "a few times a week it's a real headache",
    "okay i'll put a demo together around dispatch",
    "great thanks bye",
]
NO_PROJECT = [
    "hi dana it's sam from brightline again thanks for the time",
    "hi sam good to hear from you",
    "last time you mentioned forty thousand and march is that still about right",
    "yes ideally",
    "did the summary i sent reach you",
    "it did thanks",
    "shall i book the demo for thursday at ten",
    "thursday at ten works",
    "great i'll send the invite",
    "perfect bye",
]


def _call(lines: list[str]) -> list[Utterance]:
    return [
        Utterance("rep" if i % 2 == 0 else "prospect", 6.0 * i, 6.0 * i + 5.0, text)
        for i, text in enumerate(lines)
    ]


def _missed(result) -> list[str]:
    return [f.text for f in result.flags if f.kind == "missed_qualification"]


def test_a_first_call_still_flags_what_it_did_not_learn() -> None:
    assert _missed(analyze_utterances(_call(EARLIER), 0)) == ["Not learned: project"]
    first = analyze_utterances(_call(NO_PROJECT), 0, learned_before=set())
    assert _missed(first) == ["Not learned: project, timeline"]
    assert first.metrics["earlier_calls"]["note"] == "First call with this contact."


def test_a_follow_up_with_unknown_earlier_calls_is_not_judged_on_qualification() -> None:
    result = analyze_utterances(_call(NO_PROJECT), 2)
    assert _missed(result) == []
    assert "no_discovery" in {f.kind for f in result.flags}  # the other call kinds still judge
    earlier = result.metrics["earlier_calls"]
    assert earlier["count"] == 2 and earlier["learned"] is None
    assert "what the earlier calls learned is unknown" in earlier["note"]


def test_the_pack_can_judge_follow_ups_without_history(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "resources" / "rules", rules)
    base = rules / "base.yaml"
    text = base.read_text(encoding="utf-8")
    assert text.count("judge_follow_ups_without_history: false") == 1
    base.write_text(text.replace("without_history: false", "without_history: true"), "utf-8")
    pack = load_pack(rules)
    assert pack.first(QualificationRule).judge_follow_ups_without_history is True
    assert _missed(analyze_utterances(_call(NO_PROJECT), 2, pack)) == [
        "Not learned: project, timeline"
    ]
    base.write_text(text.replace("without_history: false", "without_history: maybe"), "utf-8")
    with pytest.raises(ValueError, match="judge_follow_ups_without_history"):
        load_pack(rules)


def test_topics_learned_on_an_earlier_call_are_not_missing() -> None:
    learned = {"budget", "timeline"}
    project = analyze_utterances(_call(PROJECT_ONLY), 1, learned_before=learned)
    assert _missed(project) == []
    q = project.metrics["qualification"]
    assert q["timeline"]["covered"] is False and q["timeline"]["learned_before"] is True
    assert q["project"]["covered"] is True and q["project"]["learned_before"] is False
    assert project.metrics["earlier_calls"]["note"] == "Learned on earlier calls: Budget, Timeline."
    nothing = analyze_utterances(_call(NO_PROJECT), 1, learned_before=learned)
    assert _missed(nothing) == ["Not learned: project"]
    # The engine's default pack, replaced to judge unknown history: a known history wins.
    pack = load_pack()
    rule = pack.first(QualificationRule)
    judged = dataclasses.replace(rule, judge_follow_ups_without_history=True)
    pack = dataclasses.replace(pack, rules=tuple(judged if r is rule else r for r in pack.rules))
    assert _missed(analyze_utterances(_call(PROJECT_ONLY), 1, pack, learned_before=learned)) == []


def _run(data: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CALLCOACH_DATA_DIR": str(data), "CALLCOACH_CONFIG_DIR": str(data)}
    r = subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    return r


DANA = "+14155550100"


def _import(data: Path, tmp: Path, lines: list[str], contact: str, when: str) -> dict:
    f = tmp / f"{contact}-{when}.json".replace(" ", "_").replace(":", "")
    f.write_text(json.dumps({"utterances": [u.to_json() for u in _call(lines)]}), "utf-8")
    out = _run(data, "import", str(f), "--contact", contact, "--number", DANA, "--rep", "sam",
               "--started-at", when, "--json")  # fmt: skip
    uuid = json.loads(out.stdout)["uuid"]
    return json.loads(_run(data, "library", "review", uuid, "--json").stdout)


def test_import_counts_what_the_library_holds_of_earlier_calls(tmp_path: Path) -> None:
    data = tmp_path / "library"
    first = _import(data, tmp_path, EARLIER, "Dana Smith", "2026-03-03T10:00")
    assert [f["text"] for f in first["flags"] if f["kind"] == "missed_qualification"] == [
        "Not learned: project"
    ]
    nothing = _import(data, tmp_path, NO_PROJECT, "Dana Smith", "2026-03-10T10:00")
    assert [f["text"] for f in nothing["flags"] if f["kind"] == "missed_qualification"] == [
        "Not learned: project"
    ]
    project = _import(data, tmp_path, PROJECT_ONLY, "Dana Smith", "2026-03-12T10:00")
    assert [f for f in project["flags"] if f["kind"] == "missed_qualification"] == []
    assert project["metrics"]["qualification"]["timeline"]["learned_before"] is True
    assert project["metrics"]["earlier_calls"]["count"] == 2

    from app import history_rows
    from app.db import open_database
    from calling import history
    from coach.library.queries import learned_before

    db = open_database(data / "callcoach.db")
    try:
        dana = history.find_contact(db, "Dana Smith")
        learned = learned_before(db, contact_id=dana)
        assert learned is not None and {"project", "budget", "timeline"} <= learned
        assert learned_before(db, contact_id=dana, before=first["call"]["started_at"]) == set()
        # What the window's coach gets when Dana calls again (the contact card's summary).
        card = history_rows.summary(db, DANA)
        assert card.previous_calls == 3 and card.learned_before == frozenset(learned)
        assert set(card.covered) == {"project", "budget", "timeline"}
        stranger = history_rows.summary(db, "+14155550199")
        assert stranger.previous_calls == 0 and stranger.learned_before == frozenset()
        # A call the library holds no coaching for (recorded without the coach): unknown.
        lee = history.add_contact(db, "Lee Park", None)
        call = history.start_call(db, direction="outbound", remote_number=None, contact_id=lee,
                                  rep="sam", started_at=1_700_000_000.0, status="imported")
        history.call_connected(db, call, 1_700_000_000.0)
        assert learned_before(db, contact_id=lee) is None
        assert learned_before(db, contact_id=lee, before=1_600_000_000.0) == set()
    finally:
        db.close()


def test_the_checklist_says_a_topic_was_learned_on_an_earlier_call(qtbot) -> None:
    from coach.ui.checklist import EARLIER as EARLIER_TEXT
    from coach.ui.checklist import QualificationChecklist

    result = analyze_utterances(_call(PROJECT_ONLY), 1, learned_before={"budget", "timeline"})
    checklist = QualificationChecklist()
    qtbot.addWidget(checklist)
    checklist.update_coverage(result.metrics["qualification"])
    assert checklist.covered() == {"project", "budget", "timeline"}
    assert checklist.evidence["timeline"].text() == EARLIER_TEXT
    assert checklist.evidence["budget"].text().startswith("“Last time you mentioned forty thousand")
    assert checklist.evidence["project"].text().startswith("“Our dispatch team")
    assert checklist.marks["authority"].text() == "○"
    checklist.reset()
    assert checklist.covered() == set() and not checklist.evidence["timeline"].text()


def test_the_live_coach_of_a_call_gets_what_earlier_calls_learned() -> None:
    from calling.live import CoachSettings, make_coach

    coach, _ = make_coach(CoachSettings(), 1, None, frozenset({"budget", "timeline"}))
    for u in _call(NO_PROJECT):
        coach.add_utterance(u)
    assert [f.text for f in coach.finish(60.0) if f.kind == "missed_qualification"] == [
        "Not learned: project"
    ]
    unknown, _ = make_coach(CoachSettings(), 1, None)  # the summary never came: unknown
    for u in _call(NO_PROJECT):
        unknown.add_utterance(u)
    assert [f for f in unknown.finish(60.0) if f.kind == "missed_qualification"] == []
