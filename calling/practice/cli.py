"""`practice SCRIPT`: call a simulated prospect and rehearse; the call lands in the library.

Starts the prospect (`python -m calling.practice.peer`, its own SIP peer process on
loopback), then the rep's engine (headset, or `--play WAV` as the rep's voice for a headless
run), dials it with the call recorded, prints what the prospect says and hears, and afterwards
runs the coach over the recording and stores the call marked as practice. The app registers
the command and hands in what belongs to it (`PracticeWiring`: the data folder, the rep's
name, the single writer and the library import), since calling/ never imports the app layer.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class PracticeWiring:
    """The app's parts the command needs: its data folder, the rep's name from settings, a
    migrated database's single writer (a context manager) and the library import module."""

    data_dir: Callable[[], Path]
    rep_name: Callable[[], str]
    open_writer: Callable[[], AbstractContextManager[Any]]
    library: Any


def register(sub: argparse._SubParsersAction, wiring: PracticeWiring) -> None:
    p = sub.add_parser("practice", help="rehearse a call with a simulated prospect")
    p.add_argument("script", metavar="SCRIPT", help="a script file or a name in resources/practice")
    p.add_argument("--play", metavar="WAV", help="play this file as the rep's voice (headless)")
    p.add_argument("--record", metavar="WAV", help="where to keep the recording")
    p.add_argument("--no-library", action="store_true", help="do not analyse and store the call")
    p.add_argument("--rep", default=None, help="the rep's name (default: settings)")
    p.add_argument("--json", action="store_true", help="print the prospect's events as JSON")
    p.add_argument("--timeout", type=float, default=300.0, metavar="S")
    p.set_defaults(func=partial(run_practice, wiring=wiring))


def _show(event: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(event), flush=True)
    elif event["event"] == "said":
        print(f"prospect: {event['text']}", flush=True)
    elif event["event"] == "heard":
        print(f"   (heard: {event['text'] or '…silence…'})", flush=True)
    elif event["event"] == "flag":
        print(f"   coach: {event['kind'].replace('_', ' ')} — {event['suggestion']}", flush=True)


def run_practice(args: argparse.Namespace, wiring: PracticeWiring) -> int:
    from calling.practice.script import ScriptError, find_script, load_script

    try:
        path = find_script(args.script)
        script = load_script(path)
    except ScriptError as e:
        print(str(e), file=sys.stderr)
        return 2
    if args.play and not Path(args.play).is_file():
        print(f"There is no audio file {args.play}.", file=sys.stderr)
        return 2
    from calling.practice.run import PracticeError, PracticeRun
    from softphone.client import EngineClient
    from softphone.protocol import EngineConfig

    record = (
        Path(args.record)
        if args.record
        else (wiring.data_dir() / "practice" / f"practice-{time.strftime('%Y%m%d-%H%M%S')}.wav")
    )
    audio = "file" if args.play else "headset"
    client = EngineClient(EngineConfig(bind_address="127.0.0.1", audio=audio, play_file=args.play))
    lock = threading.Lock()

    def show(event: dict) -> None:
        with lock:  # the prospect's and the coach's threads both print
            _show(event, args.json)

    run = PracticeRun(script, client, record, show)
    print(f"Practice: {script.title} — calling {script.prospect_name}.", file=sys.stderr)
    try:
        client.start()
        path_taken = run.run(args.timeout)
    except (PracticeError, TimeoutError) as e:
        print(str(e), file=sys.stderr)
        return 1
    finally:
        client.stop()
    if run.warning:
        print(run.warning, file=sys.stderr)
    print(json.dumps({"practice": script.title, "path": path_taken, "recording": str(record)}))
    if args.no_library:
        return 0
    rep = args.rep if args.rep is not None else wiring.rep_name()
    with wiring.open_writer() as writer:
        call_id = run.store(writer, wiring.library, rep)
    print(f"Stored as practice call {call_id} in the library.", file=sys.stderr)
    return 0
