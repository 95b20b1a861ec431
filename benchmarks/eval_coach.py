"""Coach accuracy: precision and recall per flag kind on a labelled corpus, as one JSON object.

The corpus is a folder of transcript JSONs whose utterances carry `"expect": [kinds]` and
whose calls may carry `"expect_call": [kinds]` (default: tests/corpus). `--details` adds the
missed flags and the false alarms with their text.

Usage: .venv/bin/python benchmarks/eval_coach.py [--corpus DIR] [--rules PACK] [--details]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coach.evaluate import evaluate
from coach.rules.pack import load_pack


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(ROOT / "tests" / "corpus"))
    parser.add_argument("--rules", default=None, help="rule pack file or folder")
    parser.add_argument("--details", action="store_true", help="list misses and false alarms")
    args = parser.parse_args()
    result = evaluate(args.corpus, load_pack(args.rules))
    if not args.details:
        result.pop("misses")
        result.pop("false_alarms")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
