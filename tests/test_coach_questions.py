"""Lexical question detection on speech-recogniser text (no punctuation to lean on)."""

from __future__ import annotations

import pytest

from coach.questions import classify, find_questions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("what does your process look like today", "open"),
        ("how many people are on your team", "open"),
        ("which tools are you using right now", "open"),
        ("who else is involved in the decision", "open"),
        ("walk me through how you handle leads today", "open"),
        ("help me understand what's driving the change", "open"),
        ("tell me about your current process", "open"),
        ("can you tell me more about that", "open"),
        ("we integrate with salesforce do you use it today", "closed"),
        ("is there a budget set aside", "closed"),
        ("have you looked at other vendors", "closed"),
        ("so does that make sense", "closed"),
        ("that's what we do", None),
        ("what we do is we help teams", None),
        ("i know how it works", None),
        ("customers tell me they love it", None),
        ("let me walk you through the demo", None),
        ("the reason is that we are cheaper", None),
        ("our price is the lowest on the market", None),
        ("our team does it with your it staff", None),
        ("thanks carlos have a good one", None),
        ("our product team shows what is coming next", None),
        ("managers reassign claims when someone is out", None),
        ("how are you doing today", None),
        ("i'll send you a calendar invite for tuesday at two", None),
    ],
)
def test_classify(text: str, expected: str | None) -> None:
    assert classify(text) == expected


def test_two_questions_in_one_utterance_are_both_found() -> None:
    qs = find_questions("what do you use today and how do you like it")
    assert [q.kind for q in qs] == ["open", "open"]
    assert qs[0].probing


def test_relative_who_is_not_a_question() -> None:
    assert [q.kind for q in find_questions("are you the one who signs off on this")] == ["closed"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("with all due respect your team hasn't seen what's possible", None),
        ("our platform has a lot of synergy with your tools", None),
        ("that's exactly what our app does what budget have you planned", "open"),
        ("how does thursday at two look for you", "closed"),
    ],
)
def test_embedded_and_scheduling_cases(text: str, expected: str | None) -> None:
    assert classify(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "we looked at hiring another accountant but the budget wasn't there",
        "the trial was confusing because the numbers didn't line up with what our managers report",
        "our expense reports are a mess and audit season is coming",
    ],
)
def test_prospect_statements_are_not_questions(text: str) -> None:
    assert classify(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i'm just checking in what is driving the project for your team this year", ["open"]),
        ("i saw your post on linkedin what made you move off quickbooks", ["open"]),
        (
            "got it have you looked at other vendors what did you like about them",
            ["closed", "open"],
        ),
        ("nothing to install does your it team need to review new vendors", ["closed"]),
        ("i know what you mean we hear that a lot", []),
        ("when we launched it was hard but the product is solid now", []),
        ("how we do it is simple we connect to your bank feed", []),
        ("what matters most for teams like yours is speed", []),
        ("the great thing is you can cancel anytime", []),
        ("i wonder how many teams still do this by hand", []),  # musing, not asking
        ("i wonder if you have a budget for this", ["closed"]),
        ("is that fast enough or do you need real time", ["closed"]),
    ],
)
def test_questions_start_mid_utterance(text: str, expected: list[str]) -> None:
    assert [q.kind for q in find_questions(text)] == expected


def test_labelled_lines_floors() -> None:
    """tests/corpus/questions_lines.yaml (tuned on) and its blind set: floors a little below
    what was reached (README, coach section)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent / "corpus"))
    from questions_eval import score

    tuned = score()
    assert tuned["detection"]["precision"] >= 0.97 and tuned["detection"]["recall"] >= 0.94
    assert tuned["count_accuracy"] >= 0.95 and tuned["probing"]["recall"] >= 0.94
    assert tuned["groups"]["hard"]["count_accuracy"] >= 0.95
    blind = score(Path(__file__).resolve().parent / "corpus" / "questions_blind_lines.yaml")
    assert blind["detection"]["precision"] >= 0.95 and blind["detection"]["recall"] >= 0.73
    assert blind["count_accuracy"] >= 0.8
