"""Rule packs: the shipped pack is complete, a team lead can extend it without code, and a
broken pack names the file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coach.engine import LiveCoach, analyze_utterances
from coach.rules import RulePackError, load_pack
from coach.rules.grammar import compile_phrases, normalize, padded
from coach.rules.kinds import PhraseRule
from coach.types import FLAG_KINDS, Utterance

PACK_DIR = Path(__file__).resolve().parent.parent / "resources" / "rules"


def test_every_rule_has_description_suggestion_and_label() -> None:
    pack = load_pack()
    assert pack.rules
    for rule in pack.rules:
        assert rule.description.strip() and rule.suggestion.strip() and rule.label.strip(), rule.id


def test_shipped_pack_covers_every_flag_kind() -> None:
    assert {r.kind for r in load_pack().rules} == set(FLAG_KINDS)


def test_team_lead_adds_a_phrase_without_code(tmp_path: Path) -> None:
    pack_dir = tmp_path / "rules"
    shutil.copytree(PACK_DIR, pack_dir)
    line = "i'll loop in my manager"
    utt = [Utterance("rep", 1.0, 3.0, line)]
    assert not [f for f in analyze_utterances(utt, None, load_pack(pack_dir)).flags]
    phrases = pack_dir / "vague.yaml"
    text = phrases.read_text(encoding="utf-8")
    text = text.replace(
        "      - (circle|circling|loop|looping|ping|pinging) back\n",
        "      - (circle|circling|loop|looping|ping|pinging) back\n      - loop in my manager\n",
    )
    phrases.write_text(text, encoding="utf-8")
    flags = analyze_utterances(utt, None, load_pack(pack_dir)).flags
    assert [f.kind for f in flags] == ["vague_language"]
    assert flags[0].trigger == "loop in my manager"


def test_team_lead_adds_a_pack_file_with_a_new_rule(tmp_path: Path) -> None:
    pack_dir = tmp_path / "rules"
    shutil.copytree(PACK_DIR, pack_dir)
    (pack_dir / "team.yaml").write_text(
        "rules:\n"
        "  - id: team.no_discounts\n"
        "    kind: pressure\n"
        "    label: Discount as pressure\n"
        "    description: Our team does not wave discounts around.\n"
        "    suggestion: Talk about value first.\n"
        "    phrases: ['(special|secret) discount']\n",
        encoding="utf-8",
    )
    coach = LiveCoach(load_pack(pack_dir), previous_calls=None)
    flags = coach.add_utterance(Utterance("rep", 0, 2, "i have a secret discount for you"))
    assert [f.label for f in flags] == ["Discount as pressure"]


@pytest.mark.parametrize(
    ("snippet", "line", "words"),
    [
        ("rules:\n  - id: x\n    kind: arguing\n    label: [unclosed\n", 4, "line"),
        (
            (
                "rules:\n  - id: x\n    kind: shouting\n    label: L\n    description: D\n"
                "    suggestion: S\n    phrases: [a]\n"
            ),
            2,
            "shouting",
        ),
        (
            (
                "rules:\n  - id: x\n    kind: arguing\n    label: L\n    description: D\n"
                "    phrases: [a]\n"
            ),
            2,
            "suggestion",
        ),
        (
            (
                "rules:\n  - id: x\n    kind: arguing\n    label: L\n    description: D\n"
                "    suggestion: S\n    phrases:\n      - fine\n      - (broken|group\n"
            ),
            9,
            "missing",
        ),
        ("thresholds:\n  talk_ratio_limt: 0.6\n", 2, "talk_ratio_limt"),
    ],
)
def test_broken_pack_names_file_and_line(
    tmp_path: Path, snippet: str, line: int, words: str
) -> None:
    pack_dir = tmp_path / "rules"
    shutil.copytree(PACK_DIR, pack_dir)
    bad = pack_dir / "zz_team.yaml"
    bad.write_text(snippet, encoding="utf-8")
    with pytest.raises(RulePackError) as err:
        load_pack(pack_dir)
    message = str(err.value)
    assert str(bad) in message and f"line {line}" in message and words in message, message


def test_duplicate_rule_id_names_both_places(tmp_path: Path) -> None:
    pack_dir = tmp_path / "rules"
    shutil.copytree(PACK_DIR, pack_dir)
    (pack_dir / "zz.yaml").write_text(
        "rules:\n  - id: arguing.disagree\n    kind: arguing\n    label: L\n    description: D\n"
        "    suggestion: S\n    phrases: [a]\n",
        encoding="utf-8",
    )
    with pytest.raises(
        RulePackError,
        match=r"zz.yaml line 2: rule id 'arguing.disagree' is already used at .*arguing.yaml line \d+",
    ):
        load_pack(pack_dir)


def test_grammar_alternatives_optionals_and_gaps() -> None:
    rx = compile_phrases(["(i|we) [can] send you ... (deck|case study)"])
    assert rx.search(padded(normalize("Sure, we can send you the whole deck!")))
    assert rx.search(padded("i send you a short case study "[:-1]))
    assert not rx.search(padded("we send you the contract"))
    assert not rx.search(padded("i can send you a b c d deck"))  # gap is at most three words
    assert normalize("Um, that's   RIGHT") == "that's right"
    end = compile_phrases(["it's nothing (really|$)"])
    assert end.search(padded("don't worry it's nothing"))
    assert not end.search(padded("it's nothing fancy"))


def test_phrase_rules_compile_with_their_unless_lists() -> None:
    for rule in load_pack().phrase_rules():
        assert isinstance(rule, PhraseRule) and rule.regex is not None
        assert (rule.unless_regex is not None) == bool(rule.unless)
