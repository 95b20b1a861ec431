"""Command-line commands owned by the softphone package (registered into main.py's parser).

`call SIP_URI` places one headless call (optionally playing a WAV as the rep's voice and
recording both sides) and exits with its outcome: 0 the call connected, 1 it failed (the
SIP status and a sentence are printed), 2 bad input, 3 the engine could not run.
`answer` waits for one incoming call, answers it and plays/records the same way: a far end
for tests and demos.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from softphone.protocol import IncomingCall

EXIT_OK, EXIT_CALL_FAILED, EXIT_BAD_INPUT, EXIT_ENGINE = 0, 1, 2, 3


def register(sub: argparse._SubParsersAction) -> None:
    """Add this package's subcommands to main.py's parser."""
    call = sub.add_parser("call", help="place one headless call and exit with its outcome")
    call.add_argument("uri", metavar="SIP_URI", help="sip:user@host[:port] (or user@host)")
    _media_options(call)
    call.add_argument("--seconds", type=float, help="hang up after this many connected seconds")
    call.set_defaults(func=run_call)

    ans = sub.add_parser("answer", help="wait for one incoming call and answer it")
    _media_options(ans)
    ans.add_argument("--port", type=int, default=5060, help="SIP port to listen on (0 = any)")
    ans.add_argument("--seconds", type=float, help="hang up after this many connected seconds")
    ans.add_argument("--wait", type=float, help="give up if no call arrives within this time")
    ans.set_defaults(func=run_answer)

    st = sub.add_parser("sip-stack", help="start the engine and print which SIP stack it runs")
    st.add_argument("--json", action="store_true", help="print one JSON object")
    st.set_defaults(func=run_sip_stack)


def _media_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--play", metavar="WAV", help="play this file as the rep's voice")
    p.add_argument("--record", metavar="WAV", help="record the call (left rep, right far end)")
    p.add_argument("--headset", action="store_true", help="use the headset instead of silence")
    p.add_argument("--bind", default="", metavar="ADDR", help="local address for SIP and RTP")
    p.add_argument(
        "--codec", action="append", metavar="NAME", help="only offer these codecs (repeatable)"
    )
    p.add_argument("--srtp", choices=("disabled", "optional", "mandatory"), default="optional")
    p.add_argument("--media-timeout", type=float, default=30.0, metavar="S")
    p.add_argument(
        "--audio-block-ms",
        type=int,
        default=10,
        metavar="MS",
        help="headset buffer: 10 (steady, the default) or 5 (lower delay, needs a quiet computer)",
    )
    p.add_argument("--json", action="store_true", help="print the outcome as one JSON object")


def engine_config(args: argparse.Namespace, sip_port: int = 0):  # -> EngineConfig
    from softphone.protocol import DEFAULT_CODECS, EngineConfig

    audio = "file" if args.play else ("headset" if args.headset else "null")
    return EngineConfig(
        bind_address=args.bind,
        sip_port=sip_port,
        codecs=tuple(args.codec) if args.codec else DEFAULT_CODECS,
        other_codecs=not args.codec,
        srtp=args.srtp,
        audio=audio,
        play_file=args.play,
        media_timeout_s=args.media_timeout,
        audio_block_ms=args.audio_block_ms,
    )


def check_media_args(args: argparse.Namespace) -> str | None:
    from softphone.protocol import audio_block_problem

    problem = audio_block_problem(args.audio_block_ms)
    if problem:
        return problem
    if args.play:
        import soundfile

        if not Path(args.play).is_file():
            return f"The file to play, {args.play}, does not exist."
        try:
            soundfile.info(args.play)
        except Exception:  # noqa: BLE001 - any unreadable file gets the same sentence
            return f"The file to play, {args.play}, is not a readable audio file."
    if args.record and not Path(args.record).resolve().parent.is_dir():
        return f"The folder for the recording {args.record} does not exist."
    if args.seconds is not None and args.seconds <= 0:
        return "--seconds must be a positive number."
    return None


def _fail(message: str, code: int) -> int:
    print(message, file=sys.stderr)
    return code


def _play_seconds(args: argparse.Namespace) -> float | None:
    if not args.play:
        return None
    import soundfile

    return soundfile.info(args.play).duration


class HeadlessCall:
    """Runs one call on an EngineClient and collects its outcome (also what `call --coach`
    and `answer --coach` run their CallSession on, see calling.cli)."""

    def __init__(self, args: argparse.Namespace, sip_port: int = 0) -> None:
        from softphone.client import EngineClient, EventLog

        self.args = args
        self.log = EventLog()
        self.client = EngineClient(engine_config(args, sip_port))
        self.client.add_listener(self.log)
        self.stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: self.stop.set())

    def listening_uri(self) -> str:
        """The address a caller dials to reach this engine (an IPv6 host in brackets)."""
        host = self.args.bind or "0.0.0.0"
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"  # an IPv6 address in a SIP URI
        return f"sip:callcoach@{host}:{self.client.info.sip_port}"

    def wait_incoming(self) -> IncomingCall | None:
        """The first incoming call (protocol.IncomingCall); None when stopped (SIGTERM);
        TimeoutError when none came within --wait seconds."""
        from softphone.protocol import IncomingCall

        wait = getattr(self.args, "wait", None)
        deadline = None if wait is None else time.monotonic() + wait
        while not self.stop.is_set():
            calls = self.log.of(IncomingCall)
            if calls:
                return calls[0]
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError("No call arrived in time.")
            time.sleep(0.02)
        return None

    def wait_call(self, call_id: str) -> dict:
        """Wait for the call to end (hanging up after --seconds / the played file)."""
        from softphone.errors import EngineError
        from softphone.protocol import CallMediaChanged, CallStateChanged

        def mine(e: object, states: tuple[str, ...]) -> bool:
            return isinstance(e, CallStateChanged) and e.call_id == call_id and e.state in states

        limit = self.args.seconds
        played = _play_seconds(self.args)
        if limit is None and played is not None:
            limit = played + 0.5
        connected_at = None
        while True:
            ended = [e for e in self.log.of(CallStateChanged) if mine(e, ("disconnected",))]
            if ended:
                break
            if connected_at is None and any(
                mine(e, ("connected",)) for e in self.log.of(CallStateChanged)
            ):
                connected_at = time.monotonic()
            if self.stop.is_set() or (
                connected_at is not None
                and limit is not None
                and time.monotonic() - connected_at >= limit
            ):
                self.stop.set()
                with contextlib.suppress(EngineError):  # it may have ended meanwhile
                    self.client.hangup(call_id)
                self.log.wait_for(lambda e: mine(e, ("disconnected",)), 10)
                continue
            time.sleep(0.05)
        end = ended[0]
        media = [e for e in self.log.of(CallMediaChanged) if e.call_id == call_id]
        return {
            "connected": end.connected_at is not None,
            "status_code": end.status_code,
            "reason": end.reason,
            "sentence": end.sentence,
            "remote_uri": end.remote_uri,
            "codec": media[-1].codec if media else None,
            "srtp": media[-1].srtp if media else False,
            "seconds": round(time.time() - end.connected_at, 2) if end.connected_at else 0.0,
        }

    def report(self, outcome: dict) -> int:
        if self.args.json:
            print(json.dumps(outcome), flush=True)
        elif outcome["connected"]:
            print(
                f"Call ended after {outcome['seconds']:.1f} s ({outcome['codec']}"
                f"{', SRTP' if outcome['srtp'] else ''}): {outcome['sentence']}",
                flush=True,
            )
        else:
            print(
                f"Call failed: {outcome['status_code']} {outcome['reason']} - "
                f"{outcome['sentence']}",
                flush=True,
            )
        return EXIT_OK if outcome["connected"] else EXIT_CALL_FAILED


def run_call(args: argparse.Namespace) -> int:
    from softphone.errors import EngineError, EngineNotRunning, InvalidUri
    from softphone.numbers import normalize_uri

    try:
        uri = normalize_uri(args.uri)
    except InvalidUri as e:
        return _fail(str(e), EXIT_BAD_INPUT)
    problem = check_media_args(args)
    if problem:
        return _fail(problem, EXIT_BAD_INPUT)
    session = HeadlessCall(args)
    try:
        session.client.start()
        try:
            call_id = session.client.make_call(uri, record_path=args.record)
        except EngineNotRunning:
            raise
        except EngineError as e:  # the engine runs but could not place this call
            return _fail(str(e), EXIT_CALL_FAILED)
        return session.report(session.wait_call(call_id))
    except EngineError as e:
        return _fail(str(e), EXIT_ENGINE)
    except KeyboardInterrupt:
        return EXIT_CALL_FAILED
    finally:
        session.client.stop()


def run_sip_stack(args: argparse.Namespace) -> int:
    """Start an engine (loopback, any port, no audio), print its SIP stack, stop it."""
    from softphone.client import EngineClient
    from softphone.engine.stack import summary
    from softphone.errors import EngineError
    from softphone.protocol import EngineConfig

    client = EngineClient(EngineConfig(bind_address="127.0.0.1", sip_port=0, transports=("udp",)))
    try:
        client.start()
        info = dict(client.info.stack or {})
    except EngineError as e:
        return _fail(str(e), EXIT_ENGINE)
    finally:
        client.stop()
    print(json.dumps(info) if args.json else summary(info))
    return EXIT_OK


def run_answer(args: argparse.Namespace) -> int:
    from softphone.errors import EngineError, EngineNotRunning

    problem = check_media_args(args)
    if problem:
        return _fail(problem, EXIT_BAD_INPUT)
    if not 0 <= args.port < 65536:
        return _fail(f"The port {args.port} is out of range (0-65535).", EXIT_BAD_INPUT)
    session = HeadlessCall(args, sip_port=args.port)
    try:
        try:
            session.client.start()
        except EngineError as e:
            return _fail(f"{e} (is port {args.port} already in use?)", EXIT_ENGINE)
        print(f"Listening on {session.listening_uri()}", flush=True)
        try:
            incoming = session.wait_incoming()
        except TimeoutError as e:
            return _fail(str(e), EXIT_CALL_FAILED)
        if incoming is None:
            return EXIT_CALL_FAILED
        who = f"{incoming.display_name} <{incoming.remote_uri}>".strip()
        print(f"Incoming call from {who}", flush=True)
        try:
            session.client.answer(incoming.call_id, record_path=args.record)
        except EngineNotRunning:
            raise
        except EngineError as e:  # this call could not be answered: a failed call, not exit 3
            print(str(e), file=sys.stderr, flush=True)
            with contextlib.suppress(EngineError):
                session.client.hangup(incoming.call_id)
        return session.report(session.wait_call(incoming.call_id))
    except EngineError as e:
        return _fail(str(e), EXIT_ENGINE)
    except KeyboardInterrupt:
        return EXIT_CALL_FAILED
    finally:
        session.client.stop()
