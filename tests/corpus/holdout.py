"""Scoring single-line holdout sets (tests/corpus/holdout*.yaml): precision/recall per kind.

Each rep line is said right after one prospect line on a call with a known number of earlier
calls; every flag the coach raises on the rep line is compared with the expected kinds.
Run: `.venv/bin/python tests/corpus/holdout.py [FILE ...] [--details] [--rules PACK]` (JSON);
`--rules` scores another pack, e.g. an older version of resources/rules for a before/after.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from coach.engine import LiveCoach
from coach.rules.pack import RulePack, load_pack
from coach.types import Utterance

HERE = Path(__file__).resolve().parent
KINDS = ("arguing", "pressure", "false_familiarity", "vague_language", "content_dump")


def line_kinds(
    rep: str, prospect: str, previous_calls: int | None, pack: RulePack | None = None
) -> set[str]:
    coach = LiveCoach(pack, previous_calls=previous_calls)
    coach.add_utterance(Utterance("prospect", 0.0, 3.0, prospect))
    return {f.kind for f in coach.add_utterance(Utterance("rep", 3.7, 6.0, rep))}


def score(path: str | Path, pack: RulePack | None = None) -> dict:
    """Per-kind tp/fp/fn, precision and recall, plus the lines that went wrong."""
    doc = yaml.safe_load(Path(path).read_text())
    counts = {k: {"tp": 0, "fp": 0, "fn": 0} for k in KINDS}
    wrong = []
    for item in doc["lines"]:
        want = set(item["kinds"])
        got = line_kinds(
            item["rep"],
            item.get("prospect", doc["default_prospect"]),
            item.get("previous_calls", doc["default_previous_calls"]),
            pack,
        )
        for k in KINDS:
            if k in got and k in want:
                counts[k]["tp"] += 1
            elif k in got:
                counts[k]["fp"] += 1
            elif k in want:
                counts[k]["fn"] += 1
        if (got & set(KINDS)) != want:
            wrong.append({"rep": item["rep"], "want": sorted(want), "got": sorted(got)})
    total = {"tp": 0, "fp": 0, "fn": 0}
    out: dict = {"file": Path(path).name, "lines": len(doc["lines"]), "kinds": {}}
    for k, c in counts.items():
        for key in total:
            total[key] += c[key]
        out["kinds"][k] = _pr(c)
    out["all"] = _pr(total)
    out["wrong"] = wrong
    return out


def _pr(c: dict) -> dict:
    fired, wanted = c["tp"] + c["fp"], c["tp"] + c["fn"]
    return {
        **c,
        "precision": round(c["tp"] / fired, 3) if fired else 1.0,
        "recall": round(c["tp"] / wanted, 3) if wanted else 1.0,
    }


def main(argv: list[str]) -> int:
    pack = None
    if "--rules" in argv:
        i = argv.index("--rules")
        pack = load_pack(argv[i + 1])
        argv = argv[:i] + argv[i + 2 :]
    files = [a for a in argv if not a.startswith("--")] or sorted(HERE.glob("holdout*.yaml"))
    for f in files:
        result = score(f, pack)
        if "--details" not in argv:
            result.pop("wrong")
        print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
