"""Single-line holdout sets (tests/corpus/holdout*_lines.yaml) scored per kind: P/R floors.

Each set was written apart from the rule packs and scored once untouched. Sets 1-6 were then
folded in (the rules broadened on their misses), so for them the floors only guard what was
reached against regressions. Set 7 was never tuned on: its floor is the honest blind score.
Untouched scores (P / R): set 1 0.98 / 0.80, set 2 0.96 / 0.68, set 3 0.95 / 0.56,
set 4 1.0 / 0.66, set 5 1.0 / 0.59, set 6 1.0 / 0.59, set 7 1.0 / 0.72.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "corpus"))

import holdout

FILES = sorted(holdout.HERE.glob("holdout*_lines.yaml"))
BLIND = {"holdout7_lines.yaml"}  # never tuned on
PRECISION_FLOOR = 0.9  # per kind, every set
# Recall floors reached, (per kind, all kinds): tuned sets reached 1.0 except familiarity 0.8
# in set 3 ("welcome back" is left alone: it is also said after a hold); the blind set 7
# reached 0.5 per kind (pressure) and 0.72 overall.
RECALL_FLOORS = {"tuned": (0.8, 0.95), "blind": (0.5, 0.7)}


@pytest.fixture(scope="module", params=FILES, ids=lambda p: p.name)
def scored(request: pytest.FixtureRequest) -> dict:
    return holdout.score(request.param)


def _floors(scored: dict) -> tuple[float, float]:
    return RECALL_FLOORS["blind" if scored["file"] in BLIND else "tuned"]


def test_holdout_sets_exist() -> None:
    assert len(FILES) >= 7
    assert BLIND <= {f.name for f in FILES}


def test_holdout_precision_per_kind(scored: dict) -> None:
    low = {k: v for k, v in scored["kinds"].items() if v["precision"] < PRECISION_FLOOR}
    assert not low, (low, scored["wrong"])


def test_holdout_recall_per_kind(scored: dict) -> None:
    floor = _floors(scored)[0]
    low = {k: v for k, v in scored["kinds"].items() if v["recall"] < floor}
    assert not low, (low, scored["wrong"])


def test_holdout_recall_overall(scored: dict) -> None:
    assert scored["all"]["recall"] >= _floors(scored)[1], scored["wrong"]


def test_holdout_good_lines_stay_quiet(scored: dict) -> None:
    loud = [w for w in scored["wrong"] if not w["want"]]
    assert len(loud) <= 1, loud
