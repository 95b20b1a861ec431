"""Command-line commands owned by the coach package (registered into main.py's parser)."""

from __future__ import annotations

import argparse
import json
import sys


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("the number of earlier calls cannot be negative")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    """Add this package's subcommands to main.py's parser."""
    p = sub.add_parser(
        "analyze",
        help="coach a recorded call (stereo WAV) or a transcript JSON",
        description="Transcribe (for a WAV) and coach one call: utterances, flags, metrics.",
    )
    p.add_argument(
        "call", metavar="CALL", help="stereo WAV (left = rep, right = prospect) or transcript JSON"
    )
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.add_argument(
        "--previous-calls",
        type=_non_negative,
        default=None,
        metavar="N",
        help="earlier calls with this contact (default: unknown, or the transcript's own value)",
    )
    p.add_argument("--model", default=None, metavar="PATH", help="Vosk model folder (for a WAV)")
    p.add_argument("--rules", default=None, metavar="PACK", help="rule pack file or folder")
    p.add_argument(
        "--channels",
        default=None,
        metavar="MAP",
        help="which WAV channel is whose, e.g. rep=0,prospect=1 (needed for mono files)",
    )
    p.add_argument("--encoder", default=None, metavar="PATH", help="sentence encoder folder")
    p.add_argument(
        "--rules-only", action="store_true", help="phrase rules alone, without the semantic layer"
    )
    p.set_defaults(func=run_analyze)


def run_analyze(args: argparse.Namespace) -> int:
    from coach.analyze import AnalyzeInputError, analyze_call, render_report
    from coach.rules.pack import load_pack
    from coach.rules.yamlmarks import RulePackError

    semantic = None
    if not args.rules_only:
        from coach.semantic.service import default_data_dir, load_layer

        loaded = load_layer(default_data_dir(), args.encoder)
        semantic = loaded.layer
    try:
        pack = load_pack(args.rules) if args.rules else None
        result = analyze_call(
            args.call, args.previous_calls, pack, args.model, args.channels, semantic
        )
    except (AnalyzeInputError, RulePackError) as exc:
        print(f"analyze: {exc}", file=sys.stderr)
        return 2
    if semantic is None and not args.rules_only:
        print(loaded.message, file=sys.stderr)  # after the result: bad input stays one sentence
    if args.json:
        json.dump(result.to_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(render_report(result))
    return 0
