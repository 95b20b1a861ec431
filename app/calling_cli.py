"""`lists ...` and `queue ...` commands: call lists and power-dialing sessions, headless.

lists import FILE [--name N] [--region R] [--encoding E] [--preview]
lists show | lists export LIST FILE
queue run LIST [--auto-disposition] [--session ID] [--uri-template T] [--hours 8-20]
queue status [SESSION]
practice SCRIPT (calling.practice.cli, wired here), voicemail record|play|list|delete (app.voicemail_cli)
Bad input (unreadable list, no phone column, unknown list) is one sentence and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import Any


def _practice_writer() -> Any:
    """A migrated, recovered database's single writer for the `practice` command."""
    from app.db import open_database
    from app.store_writer import StoreWriter

    open_database().close()  # migrated and recovered; the rows go through one writer
    return StoreWriter()


def register(sub: argparse._SubParsersAction) -> None:
    from app.db import data_dir
    from app.settings import load_settings
    from calling.practice import cli as practice_cli

    practice_cli.register(
        sub,
        practice_cli.PracticeWiring(
            data_dir=data_dir, settings=load_settings, open_writer=_practice_writer
        ),
    )
    from app import voicemail_cli

    voicemail_cli.register(sub)
    lists = sub.add_parser("lists", help="import, show and export call lists")
    lsub = lists.add_subparsers(dest="lists_command", metavar="ACTION", required=True)
    imp = lsub.add_parser("import", help="import a CSV or tab-separated list")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--name", help="the list's name (default: the file name)")
    imp.add_argument("--region", help="country for numbers without +code (default: settings)")
    imp.add_argument("--encoding", help="the file's text encoding if not UTF-8 (e.g. cp1252)")
    imp.add_argument("--preview", action="store_true", help="show the mapping and rejects only")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(func=_guard(_cmd_import))
    show = lsub.add_parser("show", help="the imported lists and how far they are worked")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=_guard(_cmd_show))
    exp = lsub.add_parser("export", help="write a list with its outcomes to CSV")
    exp.add_argument("list", metavar="LIST", help="list name or id")
    exp.add_argument("file", metavar="FILE")
    exp.set_defaults(func=_guard(_cmd_export))

    q = sub.add_parser("queue", help="power-dial through a call list")
    qsub = q.add_subparsers(dest="queue_command", metavar="ACTION", required=True)
    run = qsub.add_parser("run", help="run (or resume) a dialing session")
    run.add_argument("list", metavar="LIST", nargs="?", help="list name or id")
    run.add_argument("--session", type=int, help="resume this session instead")
    run.add_argument(
        "--auto-disposition",
        action="store_true",
        help="no prompts: each call's outcome is taken from what the far end did",
    )
    run.add_argument("--uri-template", default=None, help="e.g. sip:{number}@pbx.example.com")
    run.add_argument("--account", help="settings account id to dial from")
    run.add_argument(
        "--hours", help="contacts' local calling window (default: settings, else 8-20)"
    )
    run.add_argument("--ring-timeout", type=float, default=25.0, metavar="S")
    run.add_argument("--talk-seconds", type=float, metavar="S", help="hang up after S seconds")
    run.add_argument("--bind", default="", metavar="ADDR", help="local address for SIP and RTP")
    run.add_argument("--headset", action="store_true", help="use the headset (default: silence)")
    run.add_argument("--rep", default="", help="the rep's name on the calls")
    run.add_argument("--voicemail", metavar="NAME", help="message the d key drops (recorded)")
    run.add_argument("--json", action="store_true", help="print one JSON line per event")
    run.set_defaults(func=_guard(_cmd_run))
    st = qsub.add_parser("status", help="counters for a session and for today")
    st.add_argument("session", type=int, nargs="?")
    st.set_defaults(func=_guard(_cmd_status))


def _guard(fn: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        from calling.calllists import CallListError

        try:
            return fn(args)
        except (CallListError, ValueError) as e:
            print(str(e), file=sys.stderr)
            return 2

    return run


def _db() -> Any:
    from app.db import open_database

    return open_database()


def _region(args: argparse.Namespace) -> str:
    if args.region:
        return args.region.upper()
    from app.settings import load_settings

    return load_settings().default_region or "US"


def _cmd_import(args: argparse.Namespace) -> int:
    from calling import calllists

    region = _region(args)
    preview = calllists.read_list(args.file, region, args.encoding)
    if args.preview:
        print(preview.describe())
        return 0
    from pathlib import Path

    name = args.name or Path(args.file).stem
    res = calllists.import_preview(_db(), preview, name, source=args.file, region=region)
    if args.json:
        out = {
            "list_id": res.list_id,
            "imported": res.imported,
            "merged": res.merged,
            "created": res.created,
            "seconds": round(res.seconds, 3),
            "rejected": [{"line": r.line, "reason": r.reason} for r in res.rejected],
        }
        print(json.dumps(out))
    else:
        print(
            f"Imported {res.imported} contacts into list {name!r} (id {res.list_id}): "
            f"{res.created} new, {res.merged} merged with existing contacts; "
            f"{len(res.rejected)} rows rejected."
        )
        for r in res.rejected:
            print(f"  line {r.line}: {r.reason}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from calling import calllists

    rows = calllists.lists(_db())
    if args.json:
        print(json.dumps(rows))
    for r in rows if not args.json else []:
        print(f"{r['id']:>4}  {r['name']:<30} {r['worked'] or 0:>6}/{r['entries']:<6} worked")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from calling import calllists

    n = calllists.export_list(_db(), args.list, args.file)
    print(f"Wrote {n} contacts to {args.file}.")
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from calling import queue_store as qs

    db = _db()
    out: dict[str, Any] = {"today": qs.counters(db, since=qs.start_of_day())}
    if args.session:
        row = db.execute(
            "SELECT state, active_seconds FROM dial_sessions WHERE id = ?", [args.session]
        ).fetchone()
        if row is None:
            raise ValueError(f"There is no dialing session {args.session}.")
        out["session"] = {
            "state": row[0],
            **qs.counters(db, session_id=args.session, active_seconds=row[1]),
        }
    print(json.dumps(out))
    return 0


def start_queue_engine(args: argparse.Namespace) -> tuple[Any, str | None]:
    """`queue run`'s engine, started, and the settings account it dials from (None with
    --uri-template). A missing account is one sentence (ValueError) before any engine starts."""
    from app.settings import load_settings
    from softphone.client import EngineClient
    from softphone.settings_config import account_config, engine_config, is_complete

    settings = load_settings()
    account = None if args.uri_template is not None else settings.account(args.account)
    if args.uri_template is None and (account is None or not is_complete(account)):
        raise ValueError(
            "No SIP account is set up to dial from; add one in Settings or give "
            "--uri-template sip:{number}@host."
        )
    # the window's engine from the same settings (devices, buffer, TLS/SRTP); silence unless
    # --headset, since a queue run may be unattended
    config = engine_config(
        settings,
        account_id=args.account,
        bind_address=args.bind,
        audio="headset" if args.headset else "null",
    )
    client = EngineClient(config)
    client.start()
    if account is None:
        return client, None
    try:
        client.add_account(account_config(account))
    except BaseException:
        client.stop()  # no engine process outlives a command that failed
        raise
    return client, account.id


def _cmd_run(args: argparse.Namespace) -> int:
    from app.calling_prompt import interactive
    from app.store_writer import StoreWriter
    from calling.calling_hours import CallingWindow
    from calling.dialer_queue import DialerQueue
    from coach.library.earlier_calls import flags_on_calls

    if args.list is None and args.session is None:
        raise ValueError("Name a call list to dial, or --session to resume one.")
    window = CallingWindow.parse(args.hours or _settings_hours())
    _db().close()  # migrated and recovered; the queue's writes go through one writer
    writer = StoreWriter().start()
    client, account_id = start_queue_engine(args)
    stop = threading.Event()
    try:
        q = DialerQueue(
            writer,
            client,
            args.list,
            session_id=args.session,
            rep=args.rep,
            window=window,
            uri_for=args.uri_template or "{number}",
            account_id=account_id,
            ring_timeout_s=args.ring_timeout,
            max_talk_s=args.talk_seconds,
            auto_disposition=args.auto_disposition,
            auto_dial=args.auto_disposition,
            earlier_flags=flags_on_calls,
        )
        q.add_listener(lambda e: _print_event(e, args.json))
        q.start()
        print(f"Session {q.session_id} on list {q.list_id}.", file=sys.stderr)
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        if args.auto_disposition:
            if q.state == "ready":
                q.dial()
            while not stop.is_set() and q.state not in ("finished", "waiting", "paused"):
                stop.wait(0.2)
        else:
            interactive(q, stop, _voicemail_path(args))
        if q.state not in ("finished",):
            q.pause()
        print(json.dumps({"session": q.session_id, "state": q.state, **q.counters()}))
        q.stop()
    finally:
        client.stop()
        writer.stop()
    return 0


def _voicemail_path(args: argparse.Namespace) -> str | None:
    if not args.voicemail:
        return None
    from app.voicemail_cli import library, rep_name

    return str(
        library().path(rep_name(args.rep or None), args.voicemail)
    )  # VoicemailError is a ValueError


def _settings_hours() -> str:
    from app.settings import load_settings

    # A `calling_hours` setting ("8-20") is read when the settings file has one.
    return str(getattr(load_settings(), "calling_hours", "") or "8-20")


def _print_event(e: Any, as_json: bool) -> None:
    card = e.card
    if as_json:
        print(
            json.dumps(
                {
                    "state": e.state,
                    "contact": card.name if card else None,
                    "phone": card.phone if card else None,
                    "sentence": e.sentence,
                    "suggested": e.suggested,
                }
            ),
            flush=True,
        )
    elif e.state == "ready" and card:
        print(f"\n{card.name} ({card.company}) {card.phone}  local {card.local_time}")
        if card.last_action:
            print(f"  last action: {card.last_action} {card.last_action_date}")
        print(f"  opener: {card.opener}", flush=True)
    else:
        print(f"[{e.state}] {e.sentence}" + (f" (suggested: {e.suggested})" if e.suggested else ""))
