"""Coach accuracy: precision and recall per flag kind on a labelled corpus, as one JSON object.

The corpus is a folder of transcript JSONs whose utterances carry `"expect": [kinds]` and
whose calls may carry `"expect_call": [kinds]` (default: tests/corpus). `--details` adds the
missed flags and the false alarms with their text.

Usage: .venv/bin/python benchmarks/eval_coach.py [--corpus DIR] [--rules PACK] [--details]
                                                [--semantic [LAYER]]
`--semantic` adds the semantic layer (the data folder's retrained one, else the shipped one, or
the LAYER file given); the sentence encoder is found as the app finds it (CALLCOACH_ENCODER).
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
    parser.add_argument(
        "--semantic", nargs="?", const="", default=None, metavar="LAYER",
        help="rules and the semantic layer (default: the layer in use)",
    )
    args = parser.parse_args()
    semantic = None
    if args.semantic is not None:
        from coach.semantic.layer import SemanticLayer
        from coach.semantic.service import default_data_dir, load_encoder, load_layer

        if args.semantic:
            semantic = SemanticLayer.load(args.semantic, load_encoder())
        else:
            loaded = load_layer(default_data_dir())
            if loaded.layer is None:
                print(loaded.message, file=sys.stderr)
                return 2
            semantic = loaded.layer
    result = evaluate(args.corpus, load_pack(args.rules), semantic)
    if not args.details:
        result.pop("misses")
        result.pop("false_alarms")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
