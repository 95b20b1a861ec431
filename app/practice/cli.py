"""`practice SCRIPT`: call a simulated prospect and rehearse; the call lands in the library.

Starts the prospect (`python -m app.practice.peer`, its own SIP peer process on loopback),
then the rep's engine (headset, or `--play WAV` as the rep's voice for a headless run),
dials it with the call recorded, prints what the prospect says and hears, and afterwards
runs the coach over the recording and stores the call marked as practice.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("practice", help="rehearse a call with a simulated prospect")
    p.add_argument("script", metavar="SCRIPT", help="a script file or a name in resources/practice")
    p.add_argument("--play", metavar="WAV", help="play this file as the rep's voice (headless)")
    p.add_argument("--record", metavar="WAV", help="where to keep the recording")
    p.add_argument("--no-library", action="store_true", help="do not analyse and store the call")
    p.add_argument("--rep", default=None, help="the rep's name (default: settings)")
    p.add_argument("--json", action="store_true", help="print the prospect's events as JSON")
    p.add_argument("--timeout", type=float, default=300.0, metavar="S")
    p.set_defaults(func=run_practice)


class PeerProcess:
    """The prospect's process and the JSON events it prints."""

    def __init__(self, script: Path) -> None:
        self.events: list[dict] = []
        self.cond = threading.Condition()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app.practice.peer", str(script)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, name="practice-peer-out", daemon=True).start()
        self.stderr: list[str] = []
        threading.Thread(target=self._err, name="practice-peer-err", daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            with self.cond:
                self.events.append(event)
                self.cond.notify_all()
        with self.cond:
            self.events.append({"event": "exited"})
            self.cond.notify_all()

    def _err(self) -> None:
        for line in self.proc.stderr:
            self.stderr = (self.stderr + [line.rstrip()])[-20:]

    def wait(self, kinds: tuple[str, ...], timeout: float, seen: int = 0) -> tuple[dict, int]:
        """The next event (after index `seen`) of one of `kinds`; (event, its index)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i in range(seen, len(self.events)):
                    if self.events[i]["event"] in kinds:
                        return self.events[i], i + 1
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"the simulated prospect sent no {kinds} in {timeout} s")
                self.cond.wait(left)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _show(event: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(event), flush=True)
    elif event["event"] == "said":
        print(f"prospect: {event['text']}", flush=True)
    elif event["event"] == "heard":
        print(f"   (heard: {event['text'] or '…silence…'})", flush=True)


class _CoachPrinter:
    """The live session's bridge for a terminal: coach flags printed as they are raised."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def post(self, item: Any) -> None:
        if type(item).__name__ != "Flag":
            return
        if self.as_json:
            print(json.dumps({"event": "flag", "kind": item.kind, "text": item.text}), flush=True)
        else:
            print(f"   coach: {item.kind.replace('_', ' ')} — {item.suggestion}", flush=True)


def _live_coach(client: Any, as_json: bool) -> Any:
    """The coach as in a real call (taps → Vosk → LiveCoach), or None without a model."""
    from app.live_session import LiveSession
    from coach.asr_model import load_model
    from coach.engine import LiveCoach
    from models.lookup import resolve_model_path

    try:
        model = load_model(resolve_model_path(None))
    except Exception as e:  # noqa: BLE001 - practice still works without the live coach
        print(f"The live coach is off: {e}", file=sys.stderr)
        return None
    live = LiveSession(
        client, _CoachPrinter(as_json), model=model, coach=LiveCoach(previous_calls=0)
    )
    live.start()
    return live


def run_practice(args: argparse.Namespace) -> int:
    from app.practice.script import ScriptError, find_script, load_script

    try:
        path = find_script(args.script)
        script = load_script(path)
    except ScriptError as e:
        print(str(e), file=sys.stderr)
        return 2
    if args.play and not Path(args.play).is_file():
        print(f"There is no audio file {args.play}.", file=sys.stderr)
        return 2
    from app.db import data_dir
    from softphone.client import EngineClient
    from softphone.protocol import EngineConfig

    record = (
        Path(args.record)
        if args.record
        else (data_dir() / "practice" / f"practice-{time.strftime('%Y%m%d-%H%M%S')}.wav")
    )
    record.parent.mkdir(parents=True, exist_ok=True)
    peer = PeerProcess(path)
    client = live = None
    try:
        ready, seen = peer.wait(("ready", "exited"), 60)
        if ready["event"] != "ready":
            tail = peer.stderr[-1] if peer.stderr else "no output"
            print(f"The simulated prospect did not start: {tail}", file=sys.stderr)
            return 1
        print(f"Practice: {script.title} — calling {script.prospect_name}.", file=sys.stderr)
        audio = "file" if args.play else "headset"
        client = EngineClient(
            EngineConfig(bind_address="127.0.0.1", audio=audio, play_file=args.play)
        )
        client.start()
        live = _live_coach(client, args.json)
        started = time.time()
        client.make_call(f"sip:prospect@127.0.0.1:{ready['port']}", record_path=str(record))
        ended = False
        deadline = time.monotonic() + args.timeout
        while not ended and time.monotonic() < deadline:
            try:
                event, seen = peer.wait(("said", "heard", "ended", "exited"), 1.0, seen)
            except TimeoutError:
                continue
            _show(event, args.json)
            ended = event["event"] in ("ended", "exited")
        path_taken = next((e["path"] for e in peer.events if e["event"] == "ended"), [])
        time.sleep(1.0)  # the hang-up reaches the engine, the recording is closed
    finally:
        if live is not None:
            live.stop()
        if client is not None:
            client.stop()
        peer.stop()
    print(json.dumps({"practice": script.title, "path": path_taken, "recording": str(record)}))
    if args.no_library:
        return 0
    call_id = store_practice(script, path_taken, record, started, args.rep)
    print(f"Stored as practice call {call_id} in the library.", file=sys.stderr)
    return 0


def store_practice(
    script: Any, path_taken: list[str], recording: Path, started: float, rep: str | None
) -> int:
    """Analyse the recording with the coach and store it, marked as practice."""
    from app.db import open_database
    from app.library_import import import_call
    from app.settings import load_settings
    from softphone import history

    db = open_database()
    rep = rep if rep is not None else load_settings().rep_name
    call_id = import_call(
        db,
        recording,
        contact=f"{script.prospect_name} (practice)",
        rep=rep,
        started_at=started,
        previous_calls=0,
    )
    with db.conn:
        history.set_notes(db, call_id, f"Practice: {script.title}")
        db.execute(
            "INSERT INTO practice_calls(call_id, script, title, path_json) VALUES (?, ?, ?, ?)",
            [call_id, script.path.stem, script.title, json.dumps(path_taken)],
        )
    return call_id
