"""The terminal version of the queue view: one key (plus Enter) per action.

Enter dials the card shown; h hangs up; d drops the chosen voicemail message; the disposition keys of `calling.queue_store.KEYS`
save the outcome and move on ("k 14:30" is a call-back at that time today or tomorrow);
s skips, p pauses, r resumes, t shows counters, q quits (the session stays resumable).
"""

from __future__ import annotations

import sys
import threading
from datetime import datetime, timedelta
from typing import Any

HELP = (
    "keys: Enter dial | h hang up | c connected | m meeting | n not interested | v voicemail | "
    "d drop voicemail | a no answer | b busy | w wrong number | k HH:MM call back | s skip | p pause | r resume | "
    "t counters | q quit"
)


def callback_time(text: str, now: datetime | None = None) -> float:
    """'14:30' -> the next such local time, as epoch seconds."""
    now = now or datetime.now()
    try:
        hh, mm = (int(x) for x in text.strip().split(":"))
        at = now.replace(hour=hh, minute=mm, second=0, microsecond=0)
    except ValueError:
        raise ValueError(f"{text!r} is not a time; give the call-back like k 14:30.") from None
    return (at if at > now else at + timedelta(days=1)).timestamp()


def interactive(q: Any, stop: threading.Event, voicemail: str | None = None) -> None:
    from calling.queue_store import KEYS

    print(HELP, file=sys.stderr)
    while not stop.is_set() and q.state != "finished":
        try:
            sys.stderr.write("> ")  # stdout carries the events (JSON lines with --json)
            sys.stderr.flush()
            line = input().strip()
        except EOFError:
            break
        key, _, rest = line.partition(" ")
        try:
            if key == "":
                q.dial()
            elif key == "h":
                q.hangup()
            elif key == "d":
                if voicemail is None:
                    raise ValueError("No voicemail message chosen; start with --voicemail NAME.")
                q.drop_voicemail(voicemail, beep=True)
            elif key == "k":
                q.dispose("call_back", callback_at=callback_time(rest))
            elif key in KEYS:
                q.dispose(KEYS[key], notes=rest or None)
            elif key == "s":
                q.skip()
            elif key == "p":
                q.pause()
            elif key == "r":
                q.resume()
            elif key == "t":
                print(q.counters())
            elif key == "q":
                break
            else:
                print(HELP, file=sys.stderr)
        except ValueError as e:
            print(str(e), file=sys.stderr)
