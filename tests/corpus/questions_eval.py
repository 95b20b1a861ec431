"""Scoring question detection on tests/corpus/questions_lines.yaml (labelled rep lines).

Every line's questions found by coach.questions.find_questions are compared with its labels
(`q`: one of probing / open / closed per question). Prints one JSON object:
  detection   per line: does it ask anything (P/R over lines)
  count_accuracy  share of lines where the number of questions is exactly right
  questions   question level P/R (per line min(found, labelled) are hits)
  open, probing   the same for open questions (probing ones included) and probing ones
  exact       share of lines whose list of question types is exactly right
  groups      detection P/R and count accuracy per group (mid, start, two, none, hard)
  us_per_line mean time of find_questions per line (microseconds)
Run: `.venv/bin/python tests/corpus/questions_eval.py [FILE] [--details]`.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from coach.questions import find_questions

HERE = Path(__file__).resolve().parent
LINES = HERE / "questions_lines.yaml"
KINDS = ("probing", "open", "closed")


def load(path: str | Path = LINES) -> dict[str, list[dict]]:
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    for group, items in doc.items():
        for item in items:
            bad = [k for k in item["q"] if k not in KINDS]
            if bad:
                raise ValueError(f"{group}: {item['text']!r} has unknown question type {bad}")
    return doc


def detect(text: str) -> list[str]:
    return ["probing" if q.probing else q.kind for q in find_questions(text)]


def _pr(c: dict) -> dict:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
    return {**c, "precision": round(p, 3), "recall": round(r, 3)}


def _add(c: dict, got: int, want: int) -> None:
    c["tp"] += min(got, want)
    c["fp"] += max(0, got - want)
    c["fn"] += max(0, want - got)


def score(path: str | Path = LINES) -> dict:
    doc = load(path)
    detect("warm up")  # the pack's question lists load once
    zero = {"tp": 0, "fp": 0, "fn": 0}
    det, qs, opn, prb = dict(zero), dict(zero), dict(zero), dict(zero)
    lines = counted = exact = 0
    groups: dict[str, dict] = {}
    wrong = []
    elapsed = 0.0
    for group, items in doc.items():
        g = {"lines": 0, "count_ok": 0, "det": dict(zero)}
        for item in items:
            want = list(item["q"])
            t = time.perf_counter()
            got = detect(item["text"])
            elapsed += time.perf_counter() - t
            lines += 1
            g["lines"] += 1
            _add(det, bool(got), bool(want))
            _add(g["det"], bool(got), bool(want))
            _add(qs, len(got), len(want))
            _add(opn, sum(k != "closed" for k in got), sum(k != "closed" for k in want))
            _add(prb, got.count("probing"), want.count("probing"))
            counted += len(got) == len(want)
            g["count_ok"] += len(got) == len(want)
            exact += got == want
            if got != want:
                wrong.append({"group": group, "text": item["text"], "want": want, "got": got})
        groups[group] = {
            "lines": g["lines"],
            "detection": _pr(g["det"]),
            "count_accuracy": round(g["count_ok"] / g["lines"], 3),
        }
    return {
        "file": Path(path).name,
        "lines": lines,
        "detection": _pr(det),
        "count_accuracy": round(counted / lines, 3),
        "questions": _pr(qs),
        "open": _pr(opn),
        "probing": _pr(prb),
        "exact": round(exact / lines, 3),
        "groups": groups,
        "us_per_line": round(elapsed / lines * 1e6, 1),
        "wrong": wrong,
    }


def main(argv: list[str]) -> int:
    details = "--details" in argv
    files = [a for a in argv if not a.startswith("--")] or [str(LINES)]
    for f in files:
        out = score(f)
        if not details:
            out.pop("wrong")
        print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
