"""One name, one definition (STYLE.md 15): the dispositions come from one rule-pack-style file
that softphone/ and coach/ both read, and the in-call states are defined once."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from resources.dispositions import DISPOSITIONS, DISPOSITIONS_FILE, load_dispositions

ROOT = Path(__file__).resolve().parent.parent


def test_dispositions_are_read_from_the_resource_file() -> None:
    assert DISPOSITIONS_FILE.parent.name == "calling" and DISPOSITIONS_FILE.exists()
    assert DISPOSITIONS[:2] == ("connected", "voicemail") and "meeting_booked" in DISPOSITIONS


def test_history_and_the_library_use_the_same_list() -> None:
    from calling import history
    from coach.library import store

    assert history.DISPOSITIONS is DISPOSITIONS and store.DISPOSITIONS is DISPOSITIONS


def test_a_lead_adds_a_disposition_in_the_file(tmp_path) -> None:
    f = tmp_path / "dispositions.yaml"
    f.write_text("dispositions:\n  - connected\n  - demo_scheduled\n", encoding="utf-8")
    assert load_dispositions(f) == ("connected", "demo_scheduled")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("dispositions:\n  - connected\n  - Left Message\n", ":3: 'Left Message' is not"),
        ("dispositions:\n  - busy\n  - busy\n", "listed twice"),
        ("dispositions: []\n", "non-empty list"),
        ("dispositions: [a\n", "not valid YAML"),
    ],
)
def test_a_bad_file_is_one_sentence_naming_it(tmp_path, text, fragment) -> None:
    f = tmp_path / "dispositions.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError) as err:
        load_dispositions(f)
    msg = str(err.value)
    assert str(f) in msg and fragment in msg and msg.endswith(".") and "\n" not in msg


def _tuple_literals(path: Path) -> list[tuple[str, ...]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Tuple)
            and node.elts
            and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts)
        ):
            out.append(tuple(e.value for e in node.elts))
    return out


def test_call_states_and_dispositions_are_spelled_out_once() -> None:
    """No module but softphone/protocol.py lists the in-call states, and none lists the
    dispositions: they are imported."""
    from softphone.protocol import LIVE_STATES, TALKING_STATES

    copies = []
    for pkg in ("app", "calling", "coach", "softphone"):
        for p in sorted((ROOT / pkg).rglob("*.py")):
            if p == ROOT / "softphone" / "protocol.py":
                continue
            for t in _tuple_literals(p):
                if t in (LIVE_STATES, TALKING_STATES) or set(DISPOSITIONS[:4]) <= set(t):
                    copies.append(f"{p.relative_to(ROOT)}: {t}")
    assert not copies, copies


def test_only_the_numbers_module_reads_phone_numbers() -> None:
    """Every phonenumbers call is in softphone/numbers.py (STYLE.md 15: one normaliser)."""
    users = []
    for pkg in ("app", "calling", "coach", "softphone", "models"):
        for p in sorted((ROOT / pkg).rglob("*.py")):
            tree = ast.parse(p.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = (
                    [a.name for a in node.names] if isinstance(node, ast.Import)
                    else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                )  # fmt: skip
                if any(n.split(".")[0] == "phonenumbers" for n in names):
                    users.append(str(p.relative_to(ROOT)))
    assert sorted(set(users)) == ["softphone/numbers.py"], users


def test_a_number_without_its_country_code_finds_the_stored_one() -> None:
    """One rule (softphone.numbers.ends_like) for the dialer's caller names and the history's
    contact lookup: the last nine digits of what was dialled."""
    from softphone.numbers import digits_key, ends_like

    assert ends_like(digits_key("415 555 0123"), "+1 (415) 555-0123")
    assert not ends_like(digits_key("415 555 0199"), "+1 (415) 555-0123")
    assert not ends_like("", "+1 (415) 555-0123")  # nothing typed matches nothing
