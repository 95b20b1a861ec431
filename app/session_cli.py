"""`session ...` commands: a team lead's coaching session, headless.

create a session for a rep and period, list candidate flagged moments, add them to the
playlist, comment with timestamps, mark moments discussed, show it, export it to PDF.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any


def _db() -> Any:
    from app.db import open_database

    return open_database()


def _session(db: Any, session_id: int) -> dict:
    from coach.library import sessions

    s = sessions.get_session(db, session_id)
    if s is None:
        raise ValueError(f"There is no coaching session {session_id}.")
    return s


def _cmd_create(args: argparse.Namespace, date: Callable) -> int:
    from coach.library import sessions

    since, until = date(args.since), date(args.until, end=True)
    if since is None or until is None:
        raise ValueError("A session needs --since and --until dates.")
    sid = sessions.create_session(
        _db(), args.rep, since, until, title=args.title or "", lead=args.lead or ""
    )
    print(sid)
    return 0


def _cmd_moments(args: argparse.Namespace) -> int:
    from coach.library import sessions
    from coach.library.export import clock, day

    db = _db()
    _session(db, args.session)
    rows = sessions.candidate_moments(db, args.session, args.kind)
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        for r in rows:
            print(
                f"flag {r['flag_id']:>7}  {day(r['started_at'])}  {r['contact_name'] or '-':<20} "
                f"{clock(r['start_s']):>7} {r['kind']:<20} {r['text']}"
            )
    return 0


def _cmd_add(args: argparse.Namespace) -> int:
    from coach.library import sessions

    db = _db()
    _session(db, args.session)
    with db.atomic():
        ids = [sessions.add_item(db, args.session, flag_id=f) for f in args.flag]
    print(" ".join(str(i) for i in ids))
    return 0


def _cmd_comment(args: argparse.Namespace) -> int:
    from coach.library import sessions

    cid = sessions.comment_on_item(_db(), args.item, args.text, at_s=args.at, author=args.author)
    print(cid)
    return 0


def _cmd_discussed(args: argparse.Namespace) -> int:
    from coach.library import sessions

    sessions.mark_discussed(_db(), args.item, not args.undo)
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from coach.library import sessions
    from coach.library.export import clock, day

    db = _db()
    s = _session(db, args.session)
    items = sessions.playlist(db, args.session)
    if args.json:
        print(json.dumps({"session": s, "items": items}, indent=1))
        return 0
    print(f"Session {s['id']}: {s['title'] or '-'} for {s['rep']}")
    for n, it in enumerate(items, 1):
        mark = "x" if it["discussed"] else " "
        print(
            f"[{mark}] {n}. item {it['id']} {it['kind'] or 'moment'} "
            f"{it['contact_name'] or '-'} {day(it['started_at'])} at {clock(it['start_s'])}"
        )
        for c in it["comments"]:
            print(f"      [{clock(c['at_s'])}] {c['author']}: {c['text']}")
    return 0


def _cmd_export_pdf(args: argparse.Namespace) -> int:
    from coach.library import export

    db = _db()
    _session(db, args.session)
    export.session_pdf(db, args.session, args.out)
    print(f"Wrote {args.out}.")
    return 0


def register(sub: argparse._SubParsersAction, *, guard: Callable, date: Callable) -> None:
    """Add `session ...` (guard turns expected errors into exit code 2)."""
    from coach.types import FLAG_KINDS

    ses = sub.add_parser("session", help="team-lead coaching sessions")
    ssub = ses.add_subparsers(dest="session_command", metavar="ACTION", required=True)
    p = ssub.add_parser("create", help="start a session for a rep and a period")
    p.add_argument("--rep", required=True)
    p.add_argument("--since", required=True, help="YYYY-MM-DD")
    p.add_argument("--until", required=True, help="YYYY-MM-DD (included)")
    p.add_argument("--title")
    p.add_argument("--lead")
    p.set_defaults(func=guard(lambda a: _cmd_create(a, date)))
    p = ssub.add_parser("moments", help="flagged moments in the session's period")
    p.add_argument("session", type=int)
    p.add_argument("--kind", action="append", choices=FLAG_KINDS)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=guard(_cmd_moments))
    p = ssub.add_parser("add", help="add flagged moments to the playlist")
    p.add_argument("session", type=int)
    p.add_argument("--flag", type=int, action="append", required=True)
    p.set_defaults(func=guard(_cmd_add))
    p = ssub.add_parser("comment", help="a timestamped comment on a playlist item")
    p.add_argument("item", type=int)
    p.add_argument("text")
    p.add_argument("--at", type=float, help="seconds into the call (default: the moment)")
    p.add_argument("--author", default="")
    p.set_defaults(func=guard(_cmd_comment))
    p = ssub.add_parser("discussed", help="mark a playlist item as discussed")
    p.add_argument("item", type=int)
    p.add_argument("--undo", action="store_true")
    p.set_defaults(func=guard(_cmd_discussed))
    p = ssub.add_parser("show", help="the playlist with comments")
    p.add_argument("session", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=guard(_cmd_show))
    p = ssub.add_parser("export-pdf", help="the session as a PDF for the rep")
    p.add_argument("session", type=int)
    p.add_argument("out")
    p.set_defaults(func=guard(_cmd_export_pdf))
