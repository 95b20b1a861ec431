"""Call library commands: `import` a recorded call, `library ...` and `session ...`.

`import RECORDING --contact NAME [--rep NAME]` transcribes a stereo WAV (left = rep, right =
prospect) or reads a transcript JSON (the `analyze` contract), runs the coach over it and
stores everything in the library, the recording as FLAC. The `library` commands list, search,
review, chart-free dashboard numbers, export and import bundles and CSV; the `session`
commands run a coaching session headless and export it to PDF. Bad input gets one sentence
on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from coach.types import FLAG_KINDS


class UsageError(ValueError):
    """Bad input from the command line; the message is shown as is."""


def _date(text: str | None, *, end: bool = False) -> float | None:
    if not text:
        return None
    try:
        d = dt.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{text!r} is not a date like 2026-01-31.") from None
    if end and len(text) <= 10:
        d += dt.timedelta(days=1)  # --until 2026-01-31 includes that whole day
    return d.timestamp()


def _db() -> Any:
    from app.db import open_database

    return open_database()


def _print(obj: Any, as_json: bool, text: str) -> None:
    print(json.dumps(obj, indent=1, default=str) if as_json else text)


def _call_id(db: Any, ref: str) -> int:
    from calling import history

    if ref.isdigit():
        if history.get_call(db, int(ref)) is None:
            raise UsageError(f"There is no call {ref} in the library.")
        return int(ref)
    found = history.call_id_for_uuid(db, ref)
    if found is None:
        raise UsageError(f"There is no call {ref} in the library.")
    return found


# -- import -----------------------------------------------------------------------------------


def _cmd_import(args: argparse.Namespace) -> int:
    from app.library_import import import_call

    db = _db()
    call_id = import_call(
        db,
        args.recording,
        contact=args.contact,
        number=args.number,
        rep=args.rep or _default_rep(),
        direction=args.direction,
        started_at=_date(args.started_at),
        previous_calls=args.previous_calls,
        disposition=args.disposition,
        model=args.model,
    )
    data = _review(db, call_id)
    _print(
        {"call_id": call_id, "uuid": data["call"]["uuid"], "flags": len(data["flags"])},
        args.json,
        f"Imported call {call_id} ({data['call']['uuid']}): {len(data['utterances'])} "
        f"utterances, {len(data['flags'])} flags.",
    )
    return 0


def _default_rep() -> str:
    try:
        from app.settings import load_settings  # the UI helper's settings, when present

        return str(getattr(load_settings(), "rep_name", "") or "")
    except Exception:  # noqa: BLE001 - no settings yet is fine: the call has no rep name
        return ""


def _review(db: Any, call_id: int) -> dict:
    from coach.library import queries

    return queries.review(db, call_id)


# -- library ----------------------------------------------------------------------------------


def _filters(args: argparse.Namespace) -> dict:
    if getattr(args, "flag", None) and args.flag not in FLAG_KINDS:
        raise UsageError(f"Unknown flag kind {args.flag!r}; use one of: {', '.join(FLAG_KINDS)}.")
    return {
        "contact": args.contact,
        "rep": args.rep,
        "since": _date(args.since),
        "until": _date(args.until, end=True),
        "flag_kind": args.flag,
    }


def _when(ts: float | None) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M") if ts else "-"


def _cmd_calls(args: argparse.Namespace) -> int:
    from coach.library import queries

    rows = queries.find_calls(_db(), limit=args.limit, status=args.status, **_filters(args))
    lines = [
        f"{r['id']:>6}  {_when(r['started_at'])}  {r['status']:<11} {r['rep'] or '-':<10} "
        f"{r['contact_name'] or r['remote_number'] or '-':<24} flags {r['flag_count']}"
        for r in rows
    ]
    _print(rows, args.json, "\n".join(lines) or "No calls match.")
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    from app.calls_table import CALLS_TABLE
    from coach.library import queries
    from coach.library.export import clock

    hits = queries.search(_db(), args.query, calls=CALLS_TABLE, limit=args.limit, **_filters(args))
    lines = [
        f"call {h['call_id']:>6}  {_when(h['started_at'])}  {h['contact_name'] or '-'}  "
        + (f"[{clock(h['start_s'])} {h['speaker']}] " if h["source"] == "utterance" else "[notes] ")
        + h["snippet"]
        for h in hits
    ]
    _print(hits, args.json, "\n".join(lines) or "Nothing found.")
    return 0


def _cmd_review(args: argparse.Namespace) -> int:
    from coach.library.export import clock

    db = _db()
    data = _review(db, _call_id(db, args.call))
    c = data["call"]
    who = c["contact_name"] or c["remote_number"] or "?"
    head = (
        f"Call {c['id']} ({c['uuid']}) with {who}, {_when(c['started_at'])}, "
        f"rep {c['rep'] or '-'}, {c['status']}, disposition {c['disposition'] or '-'}"
    )
    lines = [head]
    for u in data["utterances"]:
        lines.append(f"[{clock(u['start'])}] {u['speaker']:>8}: {u['text']}")
    for f in data["flags"]:
        lines.append(f"FLAG {f['kind']} at {clock(f['start'])}: {f['text']} -> {f['suggestion']}")
    for cm in data["comments"]:
        lines.append(f"COMMENT [{clock(cm['at'])}] {cm['author']}: {cm['text']}")
    if c["notes"]:
        lines.append(f"Notes: {c['notes']}")
    _print(data, args.json, "\n".join(lines))
    return 0


def _cmd_dashboard(args: argparse.Namespace) -> int:
    from coach.library import queries

    d = queries.dashboard(_db(), args.rep, _date(args.since), _date(args.until, end=True))

    def pct(v: float | None) -> str:
        return "  -  " if v is None else f"{100 * v:4.0f}%"

    lines = ["week        calls connects talk  questions qualif  flags/call"]
    for w in d["weeks"]:
        q = "-" if w["questions_per_call"] is None else f"{w['questions_per_call']:.1f}"
        flags = ", ".join(f"{k} {v:.2f}" for k, v in sorted(w["flags_per_call"].items()))
        lines.append(
            f"{w['week']}  {w['calls']:>5} {w['connects']:>8} {pct(w['talk_ratio'])} "
            f"{q:>9} {pct(w['qualification_coverage'])}  {flags}"
        )
    _print(d, args.json, "\n".join(lines))
    return 0


def _cmd_export_bundle(args: argparse.Namespace) -> int:
    from coach.library import bundle

    db = _db()
    ids = [_call_id(db, c) for c in args.call] if args.call else None
    manifest = bundle.export_bundle(
        db, args.out, call_ids=ids, exported_by=args.rep or _default_rep(), **_filters(args)
    )
    print(f"Exported {len(manifest['calls'])} calls to {args.out}.")
    return 0


def _cmd_import_bundle(args: argparse.Namespace) -> int:
    from app.calls_table import CALLS_TABLE
    from app.db import data_dir
    from coach.library import bundle_import, recordings

    result = bundle_import.import_bundle(
        _db(), args.bundle, recordings.recordings_dir(data_dir()), CALLS_TABLE
    )
    _print(
        result,
        args.json,
        f"Imported {len(result['imported'])} calls, skipped {len(result['skipped'])} "
        "already in the library.",
    )
    return 0


def _cmd_export_csv(args: argparse.Namespace) -> int:
    from coach.library import export

    n = export.metrics_csv(
        _db(), args.out, rep=args.rep, since=_date(args.since), until=_date(args.until, end=True)
    )
    print(f"Wrote {n} calls to {args.out}.")
    return 0


def _guard(fn: Any) -> Any:
    """Turn expected failures into one sentence and exit code 2."""

    def run(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except (UsageError, ValueError, KeyError, FileNotFoundError, ImportError) as exc:
            msg = exc.args[0] if exc.args else str(exc)
            print(f"error: {msg}", file=sys.stderr)
            return 2

    return run


def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--contact", help="contact name (part of it) or number")
    p.add_argument("--rep", help="rep name")
    p.add_argument("--since", help="first day, YYYY-MM-DD")
    p.add_argument("--until", help="last day, YYYY-MM-DD (included)")
    p.add_argument("--flag", help="only calls with this flag kind")


def register(sub: argparse._SubParsersAction) -> None:
    """Add `import`, `library ...` and `session ...` to main.py's parser."""
    p = sub.add_parser("import", help="analyse a recorded call and store it in the library")
    p.add_argument("recording", help="stereo WAV (left = rep, right = prospect) or transcript JSON")
    p.add_argument("--contact", required=True, help="who the call was with")
    p.add_argument("--number", help="the contact's phone number")
    p.add_argument("--rep", help="the rep's name (default: from settings)")
    p.add_argument("--direction", choices=("outbound", "inbound"), default="outbound")
    p.add_argument("--started-at", help="when the call started (ISO date/time)")
    p.add_argument("--previous-calls", type=int, help="earlier calls with this contact")
    p.add_argument("--disposition", help="e.g. connected, voicemail, meeting_booked")
    p.add_argument("--model", help="speech model folder (default: see `models list`)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_guard(_cmd_import))

    lib = sub.add_parser("library", help="the call library: calls, search, review, bundles")
    lsub = lib.add_subparsers(dest="library_command", metavar="ACTION", required=True)
    p = lsub.add_parser("calls", help="list calls, newest first")
    _add_filters(p)
    p.add_argument("--status", choices=("in_progress", "completed", "failed", "interrupted",
                                        "imported"))  # fmt: skip
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_guard(_cmd_calls))
    p = lsub.add_parser("search", help="full-text search over transcripts and notes")
    p.add_argument("query")
    _add_filters(p)
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_guard(_cmd_search))
    p = lsub.add_parser("review", help="a call's transcript, flags, comments")
    p.add_argument("call", help="call id or UUID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_guard(_cmd_review))
    p = lsub.add_parser("dashboard", help="weekly trends for one rep")
    p.add_argument("--rep", required=True)
    p.add_argument("--since")
    p.add_argument("--until")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_guard(_cmd_dashboard))
    p = lsub.add_parser("export-bundle", help="write calls to one bundle file for the team lead")
    p.add_argument("out")
    _add_filters(p)
    p.add_argument("--call", action="append", help="call id or UUID (repeatable)")
    p.set_defaults(func=_guard(_cmd_export_bundle))
    p = lsub.add_parser("import-bundle", help="import a rep's bundle (twice is harmless)")
    p.add_argument("bundle")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_guard(_cmd_import_bundle))
    p = lsub.add_parser("export-csv", help="per-call metrics as CSV")
    p.add_argument("out")
    p.add_argument("--rep")
    p.add_argument("--since")
    p.add_argument("--until")
    p.set_defaults(func=_guard(_cmd_export_csv))

    from app import session_cli

    session_cli.register(sub, guard=_guard, date=_date)
