"""`practice SCRIPT`: call a simulated prospect and rehearse; the call lands in the library.

Starts the prospect (`python -m calling.practice.peer`, its own SIP peer process on
loopback), then the rep's engine (the headset with the rep's devices and audio buffer from
the settings, or `--play WAV` as the rep's voice for a headless run), and dials it as a
CallSession (calling.practice.run): the live coach runs during the call, its flags are printed
with what the prospect says and hears, and the session stores the call, marked as practice,
through the single writer as it goes (`--no-library`: nothing stored, the WAV kept). The app
registers the command and hands in what belongs to it (`PracticeWiring`: the data folder, the
rep's settings and the single writer), since calling/ never imports the app layer.
"""

from __future__ import annotations

import argparse
import contextlib
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
    """The app's parts the command needs: its data folder, the rep's settings (name, audio
    devices and buffer, rule pack and monologue limit) and a migrated database's single
    writer (a context manager)."""

    data_dir: Callable[[], Path]
    settings: Callable[[], Any]
    open_writer: Callable[[], AbstractContextManager[Any]]


def register(sub: argparse._SubParsersAction, wiring: PracticeWiring) -> None:
    p = sub.add_parser("practice", help="rehearse a call with a simulated prospect")
    p.add_argument("script", metavar="SCRIPT", help="a script file or a name in resources/practice")
    p.add_argument("--play", metavar="WAV", help="play this file as the rep's voice (headless)")
    p.add_argument("--record", metavar="WAV", help="where to keep the recording")
    p.add_argument("--no-library", action="store_true", help="do not store the call in the library")
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


def engine_config(play: str | None, settings: Any) -> Any:
    """The rep's engine for a practice call, on loopback: the window's engine from the same
    settings (softphone.settings_config: devices, audio buffer, codecs, TLS/SRTP), with
    `--play`'s file as the rep's voice instead of the headset when given."""
    from softphone.settings_config import engine_config as from_settings

    audio = "file" if play else "headset"
    return from_settings(settings, bind_address="127.0.0.1", audio=audio, play_file=play)


def _setup(wiring: PracticeWiring, settings: Any, rep: str, store: Any) -> tuple[Any, str]:
    """The practice call's CallSession parts, and a sentence if the live coach is off."""
    from calling.practice.run import PracticeSetup
    from coach.asr_model import load_model
    from coach.semantic.service import load_layer

    model, off = None, ""
    try:
        model = load_model(None)
    except Exception as e:  # noqa: BLE001 - the call still runs, without a transcript
        off = f"The live coach is off: {e}"
    layer = load_layer(wiring.data_dir(), None).layer  # None: the rules alone
    setup = PracticeSetup(store=store, data_dir=wiring.data_dir(), model=model,
                          semantic=lambda: layer, coach_settings=settings, rep=rep)  # fmt: skip
    return setup, off


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
    from softphone.errors import SoftphoneError

    record = Path(args.record) if args.record else None
    if record is None and args.no_library:  # no library to keep it in: a WAV of its own
        stamp = time.strftime("%Y%m%d-%H%M%S")
        record = wiring.data_dir() / "practice" / f"practice-{stamp}.wav"
    settings = wiring.settings()
    rep = args.rep if args.rep is not None else settings.rep_name
    lock = threading.Lock()

    def show(event: dict) -> None:
        with lock:  # the prospect's and the coach's threads both print
            _show(event, args.json)

    print(f"Practice: {script.title} — calling {script.prospect_name}.", file=sys.stderr)
    with contextlib.ExitStack() as stack:
        # The writer is open for the whole call: the session stores the call as it goes.
        store = None if args.no_library else stack.enter_context(wiring.open_writer())
        setup, off = _setup(wiring, settings, rep, store)
        client = EngineClient(engine_config(args.play, settings))
        run = PracticeRun(script, client, setup, show, record=record)
        try:
            client.start()
            path_taken = run.run(args.timeout)
        except (PracticeError, TimeoutError, SoftphoneError) as e:  # one sentence each
            print(str(e), file=sys.stderr)
            return 1
        finally:
            client.stop()
    if off or run.warning:
        print(off or run.warning, file=sys.stderr)
    print(json.dumps({"practice": script.title, "path": path_taken, "recording": run.recording}))
    if run.stored is not None:
        print(f"Stored as practice call {run.stored} in the library.", file=sys.stderr)
    return 0
