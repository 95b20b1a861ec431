"""`coach examples ...` and `coach train`: teaching the coach from the command line.

The examples live in the library (the data folder's database), so these commands sit in the
app layer, which opens it. `coach train` refits the semantic layer from the shipped examples
plus the taught ones, saves it beside the library, and prints precision/recall on the
labelled lines and the calibration calls before and after. Bad input: one sentence on stderr,
exit code 2, nothing changed.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from coach.semantic.examples import PHRASE_KINDS, ExampleError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("coach", help="teach the coach by example and retrain it")
    csub = p.add_subparsers(dest="coach_command", metavar="COMMAND", required=True)

    ex = csub.add_parser("examples", help="add, list, export or import teaching examples")
    esub = ex.add_subparsers(dest="examples_command", metavar="COMMAND", required=True)
    add = esub.add_parser("add", help="a line that should (or should not) be flagged")
    which = add.add_mutually_exclusive_group(required=True)
    which.add_argument("--kind", help=f"the flag it deserves: {', '.join(PHRASE_KINDS)}")
    which.add_argument("--quiet", action="store_true", help="the line is fine: no flag")
    add.add_argument("text", metavar="TEXT", help="what the rep said")
    add.add_argument("--prospect", default="", metavar="TEXT", help="the prospect's line before")
    add.add_argument("--previous-calls", type=int, default=0, metavar="N")
    add.add_argument("--by", default=None, metavar="NAME", help="who adds it (default: you)")
    add.set_defaults(func=_add)
    ls = esub.add_parser("list", help="the taught examples")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_list)
    exp = esub.add_parser("export", help="write the taught examples to a YAML file")
    exp.add_argument("file", metavar="FILE")
    exp.set_defaults(func=_export)
    imp = esub.add_parser("import", help="read examples from a YAML file into the library")
    imp.add_argument("file", metavar="FILE")
    imp.set_defaults(func=_import)
    rm = esub.add_parser("delete", help="remove a taught example by its id")
    rm.add_argument("id", type=int)
    rm.set_defaults(func=_delete)

    tr = csub.add_parser("train", help="refit the semantic layer from the examples")
    tr.add_argument("--json", action="store_true", help="print the full report as JSON")
    tr.add_argument("--encoder", default=None, metavar="PATH", help="sentence encoder folder")
    tr.add_argument(
        "--shipped", action="store_true",
        help="rebuild the default layer shipped beside the rule pack (developers)",
    )
    tr.set_defaults(func=_train)


def _db():
    from app.db import open_database

    return open_database()


def _fail(text: str) -> int:
    print(f"coach: {text}", file=sys.stderr)
    return 2


def _add(args: argparse.Namespace) -> int:
    from coach.library.examples import add_example

    kind = None if args.quiet else args.kind
    try:
        new_id = add_example(
            _db(), kind, args.text, args.prospect, previous_calls=args.previous_calls,
            added_by=args.by or getpass.getuser(),
        )
    except ExampleError as exc:
        return _fail(str(exc))
    what = "not a problem" if kind is None else kind
    print(f"Example {new_id} added ({what}). Run 'coach train' to teach it to the coach.")
    return 0


def _list(args: argparse.Namespace) -> int:
    from coach.library.examples import list_examples

    rows = list_examples(_db())
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    if not rows:
        print("No taught examples yet. Add one with 'coach examples add --kind KIND \"TEXT\"'.")
    for r in rows:
        prospect = f"  (after: {r['prospect_text']})" if r["prospect_text"] else ""
        print(f"{r['id']:>4}  {r['kind'] or 'not a problem':<18} {r['rep_text']}{prospect}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from coach.library.examples import export_examples

    try:
        n = export_examples(_db(), args.file)
    except OSError as exc:
        return _fail(f"cannot write {args.file}: {exc.strerror or exc}.")
    print(f"{n} examples written to {args.file}.")
    return 0


def _import(args: argparse.Namespace) -> int:
    from coach.library.examples import import_examples

    try:
        got = import_examples(_db(), args.file, added_by=getpass.getuser())
    except ExampleError as exc:
        return _fail(str(exc))
    print(f"{got['added']} examples added, {got['skipped']} already there.")
    return 0


def _delete(args: argparse.Namespace) -> int:
    from coach.library.examples import delete_example

    if not delete_example(_db(), args.id):
        return _fail(f"there is no example {args.id}.")
    print(f"Example {args.id} deleted.")
    return 0


def _train(args: argparse.Namespace) -> int:
    from app.db import data_dir
    from coach.library.examples import taught_examples
    from coach.semantic.report import summary
    from coach.semantic.service import retrain, train_shipped

    def progress(done: int, total: int) -> None:
        if not args.json:
            print(f"\rEncoding new lines: {done}/{total}", end="", file=sys.stderr, flush=True)

    try:
        if args.shipped:
            result = train_shipped(args.encoder, progress)
        else:
            result = retrain(data_dir(), taught_examples(_db()), args.encoder, progress)
    except Exception as exc:
        if type(exc).__name__.endswith(("Error", "Missing")) and str(exc):
            return _fail(str(exc))
        raise
    if not args.json:
        print(file=sys.stderr)
        print(summary(result.report))
        print(f"Saved to {result.report['saved_to']}; the next call and 'analyze' use it.")
    else:
        print(json.dumps(result.report, indent=1))
    return 0
