"""`voicemail ...` commands: record, play back, list and delete a rep's voicemail messages.

Messages live in the data directory under voicemail/<rep>/<name>.wav (see
`calling.voicemail.MessageLibrary`); the rep defaults to the name in Settings.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    vm = sub.add_parser("voicemail", help="record and manage voicemail messages to drop")
    vsub = vm.add_subparsers(dest="voicemail_command", metavar="ACTION", required=True)
    rec = vsub.add_parser("record", help="record a message from the headset microphone")
    rec.add_argument("name", metavar="NAME")
    rec.add_argument("--seconds", type=float, default=20.0)
    rec.add_argument("--device", help="input device (default: the system's)")
    play = vsub.add_parser("play", help="play a message on the headset")
    play.add_argument("name", metavar="NAME")
    play.add_argument("--device", help="output device (default: the system's)")
    vsub.add_parser("list", help="the rep's recorded messages")
    rm = vsub.add_parser("delete", help="delete a message")
    rm.add_argument("name", metavar="NAME")
    for p in vsub.choices.values():
        p.add_argument("--rep", help="whose messages (default: the rep in Settings)")
        p.set_defaults(func=_run)


def library() -> Any:
    from app.db import data_dir
    from calling.voicemail import MessageLibrary

    return MessageLibrary(data_dir() / "voicemail")


def rep_name(rep: str | None) -> str:
    if rep is not None:
        return rep
    from app.settings import load_settings

    return load_settings().rep_name or ""


def _run(args: argparse.Namespace) -> int:
    from calling.voicemail import VoicemailError

    lib, rep = library(), rep_name(args.rep)
    try:
        if args.voicemail_command == "record":
            print(f"Recording {args.seconds:.0f} s — speak now.", file=sys.stderr)
            path = lib.record(rep, args.name, args.seconds, args.device)
            print(f"Saved {path}.")
        elif args.voicemail_command == "play":
            seconds = lib.play(rep, args.name, args.device)
            print(f"Played {args.name} ({seconds:.1f} s).")
        elif args.voicemail_command == "list":
            for name in lib.names(rep):
                print(name)
        elif args.voicemail_command == "delete":
            lib.delete(rep, args.name)
            print(f"Deleted {args.name}.")
    except VoicemailError as e:
        print(str(e), file=sys.stderr)
        return 2
    return 0
