"""`call ... --coach` and `answer ... --coach`: a headless live coach on the command line.

The softphone package owns `call` and `answer`; `extend()` adds `--coach` (and
`--previous-calls N`) to them. With `--coach` the call is a `CallSession` running the real
live pipeline (engine taps → two transcribers → LiveCoach with the semantic layer when an
encoder is installed), the same code the window uses. With `--json` it prints one JSON object
per line as things happen:

    {"event": "utterance", "speaker", "text", "start", "end"}
    {"event": "flag", "kind", "speaker", "start", "end", "text", "suggestion", ...}
    {"event": "summary", "utterances", "flags", "metrics", "call": {outcome}}   (last)

The summary's utterances, flags and metrics are `analyze --json`'s; times are seconds from the
call's connection. Without `--json` the lines are for people, ending with analyze's report.
The calls are not saved to the library (the window's calls are). Exit codes as `call`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
from collections.abc import Callable
from typing import Any

from calling.events import FlagRaised, UtteranceFinalized


def extend(sub: argparse._SubParsersAction) -> None:
    """Add --coach to the softphone's `call` and `answer` (main.py registers those first)."""
    for name, run in (("call", run_call), ("answer", run_answer)):
        p = sub.choices.get(name)
        if p is None:
            continue
        p.add_argument("--coach", action="store_true", help="run the live coach during the call")
        p.add_argument(
            "--previous-calls",
            type=int,
            default=None,
            metavar="N",
            help="with --coach: earlier calls with this contact (default: unknown)",
        )
        p.set_defaults(func=run, plain=p.get_default("func"))


class _Printer:
    """A session listener: prints utterances and flags as they come (pipeline threads)."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.lock = threading.Lock()

    def __call__(self, event: Any) -> None:
        if isinstance(event, UtteranceFinalized):
            u = event.utterance
            self.out({"event": "utterance", **u.to_json()},
                      f"[{u.start:6.1f} s] {u.speaker}: {u.text}")  # fmt: skip
        elif isinstance(event, FlagRaised):
            f = event.flag
            self.out({"event": "flag", **f.to_json()},
                      f"[{f.start:6.1f} s]   ! {f.kind}: {f.text}"
                      + (f"  -> {f.suggestion}" if f.suggestion else ""))  # fmt: skip

    def summary(self, result: Any, outcome: dict) -> None:
        if self.as_json:
            body = result.to_json() if result is not None else {}
            self.out({"event": "summary", **body, "call": outcome}, "")
            return
        if result is not None:
            from coach.analyze import render_report

            self.out({}, render_report(result))

    def out(self, obj: dict, text: str) -> None:
        line = json.dumps(obj) if self.as_json else text
        with self.lock:
            print(line, flush=True)


def _session(client: Any, args: argparse.Namespace, printer: _Printer) -> Any:
    """The CallSession of this command: the speech model and the semantic layer `analyze`
    would use (a missing one is a sentence on stderr; the rules still run)."""
    from calling.session import CallSession
    from coach.asr_model import load_model
    from coach.semantic.service import default_data_dir, load_layer

    model = None
    try:
        model = load_model(None)
    except Exception as e:  # noqa: BLE001 - the call still runs, without a transcript
        print(f"The live transcript is off: {e}", file=sys.stderr)
    loaded = load_layer(default_data_dir(), None)
    if loaded.layer is None:
        print(loaded.message, file=sys.stderr)
    session = CallSession(
        client,
        model=model,
        semantic=lambda: loaded.layer,
        previous_calls=args.previous_calls,
        record_path=args.record,
    )
    session.add_listener(printer)
    return session


def _finish(session: Any, call: Any, printer: _Printer, outcome: dict) -> int:
    from softphone.cli import EXIT_CALL_FAILED, EXIT_OK

    session.ended.wait(30)  # the transcribers flush and the coach finishes
    session.close()
    printer.summary(session.result, outcome)
    if not printer.as_json:
        call.report(outcome)
    return EXIT_OK if outcome["connected"] else EXIT_CALL_FAILED


def run_call(args: argparse.Namespace) -> int:
    if not args.coach:
        return args.plain(args)
    from softphone import cli as sp
    from softphone.errors import EngineError, EngineNotRunning, InvalidUri
    from softphone.numbers import normalize_uri

    try:
        uri = normalize_uri(args.uri)
    except InvalidUri as e:
        return _fail(str(e), sp.EXIT_BAD_INPUT)
    problem = sp.check_media_args(args)
    if problem:
        return _fail(problem, sp.EXIT_BAD_INPUT)
    call = sp.HeadlessCall(args)

    def place(session: Any, printer: _Printer) -> int:
        try:
            call_id = session.dial(uri).result(60)
        except EngineNotRunning:
            raise
        except EngineError as e:  # the engine runs but could not place this call
            return _fail(str(e), sp.EXIT_CALL_FAILED)
        return _finish(session, call, printer, call.wait_call(call_id))

    return _coached(call, args, place)


def run_answer(args: argparse.Namespace) -> int:
    if not args.coach:
        return args.plain(args)

    from softphone import cli as sp
    from softphone.errors import EngineError, EngineNotRunning

    problem = sp.check_media_args(args)
    if problem:
        return _fail(problem, sp.EXIT_BAD_INPUT)
    if not 0 <= args.port < 65536:
        return _fail(f"The port {args.port} is out of range (0-65535).", sp.EXIT_BAD_INPUT)
    call = sp.HeadlessCall(args, sip_port=args.port)

    def take(session: Any, printer: _Printer) -> int:
        where = call.listening_uri()
        printer.out({"event": "listening", "uri": where}, f"Listening on {where}")
        try:
            incoming = call.wait_incoming()
        except TimeoutError as e:
            return _fail(str(e), sp.EXIT_CALL_FAILED)
        if incoming is None:
            return sp.EXIT_CALL_FAILED
        uri = incoming.remote_uri
        session.ring(incoming.call_id, uri, incoming.display_name, uri)
        try:
            session.answer().result(30)
        except EngineNotRunning:
            raise
        except EngineError as e:  # this call could not be answered: a failed call
            print(str(e), file=sys.stderr, flush=True)
            with contextlib.suppress(Exception):
                session.hangup().result(10)
        return _finish(session, call, printer, call.wait_call(incoming.call_id))

    return _coached(call, args, take, f" (is port {args.port} already in use?)")


def _coached(
    call: Any, args: argparse.Namespace, body: Callable[[Any, _Printer], int], hint: str = ""
) -> int:
    """Start the engine, open the coached CallSession and run `body(session, printer)`; `call`
    and `answer` end alike: an engine error is EXIT_ENGINE (`hint` added when it would not
    start), Ctrl+C a failed call, and the session and engine are closed whatever happened."""
    from softphone import cli as sp
    from softphone.errors import EngineError

    printer = _Printer(args.json)
    session = None
    try:
        try:
            call.client.start()
        except EngineError as e:
            return _fail(f"{e}{hint}", sp.EXIT_ENGINE)
        session = _session(call.client, args, printer)
        return body(session, printer)
    except EngineError as e:
        return _fail(str(e), sp.EXIT_ENGINE)
    except KeyboardInterrupt:
        return sp.EXIT_CALL_FAILED
    finally:
        if session is not None:
            session.close()
        call.client.stop()


def _fail(message: str, code: int) -> int:
    print(message, file=sys.stderr)
    return code
