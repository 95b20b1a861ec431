"""The simulated prospect: a SIP peer process of its own that answers one call, speaks its
script's lines (flite text-to-speech), listens to the rep with Vosk and branches on what it
hears, then hangs up at an `end` node.

    python -m calling.practice.peer SCRIPT [--bind 127.0.0.1] [--port 0] [--model DIR]

It drives an engine process of its own through EngineClient's public API, like any other
caller of the softphone: it answers the first incoming call (`answer`), speaks each line by
playing its WAV into the call (`play_file`, the engine's voicemail-drop command), hears the
rep on the engine's prospect tap (`open_tap`) with a recognizer, and hangs up (`hangup`);
nothing here touches pjsua2 or the engine's SIP thread. It reports on stdout, one JSON object
a line: ready (with the SIP port), said, heard, ended — the practice command reads them.
The engine's and pjlib's own prints go to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, TextIO

from calling.practice.script import Dialogue, Script, ScriptError, load_script

RATE = 16000


def render_lines(script: Script, folder: Path) -> dict[str, tuple[Path, float]]:
    """Each node's line as a 16 kHz WAV spoken by the script's flite voice: (path, seconds)."""
    import soundfile

    out = {}
    for name, node in script.nodes.items():
        path = folder / f"{name}.wav"
        subprocess.run(
            ["flite", "-voice", script.voice, "-t", node.say, "-o", str(path)],
            check=True,
            capture_output=True,
        )
        out[name] = (path, soundfile.info(str(path)).duration)
    return out


class Prospect:
    """Plays the script over one call: the client's listener only queues events; `pump` (the
    main thread) answers and follows the call, `converse` (its own thread) speaks and listens."""

    def __init__(self, script: Script, lines: dict, model: Any, out: TextIO, client: Any) -> None:
        self.script, self.lines, self.model, self.out = script, lines, model, out
        self.client = client  # an EngineClient (started by main)
        self.events: queue.Queue = queue.Queue()
        self.call_id: str | None = None
        self.connected = threading.Event()
        self.ended = threading.Event()

    def report(self, kind: str, **data: Any) -> None:
        self.out.write(json.dumps({"event": kind, "t": round(time.time(), 3), **data}) + "\n")
        self.out.flush()

    def on_event(self, event: Any) -> None:
        """The engine client's listener: only look at the event and hand it over."""
        self.events.put(event)

    def pump(self, timeout: float) -> None:
        """Answer the first call and follow it until it ends (or the engine stops)."""
        from softphone.errors import SoftphoneError
        from softphone.protocol import (
            CallStateChanged,
            EngineCrashed,
            EngineStopped,
            IncomingCall,
        )

        deadline = time.monotonic() + timeout
        while not self.ended.is_set():
            try:
                e = self.events.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break  # nobody called, or the call never ended: give up
            if isinstance(e, IncomingCall) and self.call_id is None:
                self.call_id = e.call_id
                try:
                    self.client.answer(e.call_id)
                except SoftphoneError as err:
                    print(f"The prospect could not answer: {err}", file=sys.stderr)
                    break
            elif isinstance(e, CallStateChanged) and e.call_id == self.call_id:
                if e.state == "connected":
                    self.connected.set()
                elif e.state == "disconnected":
                    break
            elif isinstance(e, (EngineCrashed, EngineStopped)):
                break
        self.ended.set()
        self.connected.set()

    def converse(self) -> None:
        from softphone.errors import SoftphoneError

        self.connected.wait()
        if self.ended.is_set():
            return
        dialogue = Dialogue(self.script)
        node = dialogue.node
        try:
            tap = self.client.open_tap("prospect")  # the far end: the rep's voice
        except SoftphoneError as err:
            print(f"The prospect cannot hear the call: {err}", file=sys.stderr)
            return
        try:
            while not self.ended.is_set():
                path, seconds = self.lines[node.name]
                self.client.play_file(self.call_id, str(path))
                self.report("said", node=node.name, text=node.say)
                self._sleep(seconds + 0.2)
                tap.read()  # what the rep said over our line is not an answer to it
                if node.end:
                    self._sleep(0.6)
                    break
                heard = self.listen(tap, node.listen)
                self.report("heard", node=node.name, text=heard)
                node = dialogue.next(heard)
        except SoftphoneError:  # the call ended under us (the rep hung up)
            pass
        finally:
            tap.close()
        self.report("ended", path=dialogue.path)
        if not self.ended.is_set() and self.call_id:
            try:
                self.client.hangup(self.call_id)
            except SoftphoneError:
                pass  # already gone

    def _sleep(self, seconds: float) -> None:
        self.ended.wait(seconds)

    def listen(self, tap: Any, seconds: float) -> str:
        """What the rep says next: the first non-empty Vosk result, or '' after `seconds`."""
        import vosk

        rec = vosk.KaldiRecognizer(self.model, RATE)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.ended.is_set():
            chunk = tap.read()
            if not len(chunk):
                time.sleep(0.05)
                continue
            if rec.AcceptWaveform(chunk.tobytes()):
                text = json.loads(rec.Result()).get("text", "")
                if text.strip():
                    return text
        return json.loads(rec.FinalResult()).get("text", "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m calling.practice.peer", description=__doc__)
    parser.add_argument("script")
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--model", help="Vosk model folder (default: the usual lookup)")
    parser.add_argument("--timeout", type=float, default=600.0, metavar="S",
                        help="give up when no call came or it lasted this long")  # fmt: skip
    args = parser.parse_args(argv)
    out = os.fdopen(os.dup(1), "w")  # JSON lines; the engine inherits fd 1, now stderr
    os.dup2(2, 1)
    try:
        script = load_script(args.script)
    except ScriptError as e:
        print(str(e), file=sys.stderr)
        return 2
    from coach.asr_model import load_model
    from models.lookup import resolve_model_path
    from softphone.client import EngineClient
    from softphone.errors import SoftphoneError
    from softphone.protocol import EngineConfig

    model = load_model(resolve_model_path(args.model))
    config = EngineConfig(
        bind_address=args.bind,
        sip_port=args.port,
        transports=("udp",),
        audio="null",
        media_timeout_s=15.0,
        codecs=("G722/16000", "PCMU/8000"),
    )
    client = EngineClient(config)
    with tempfile.TemporaryDirectory(prefix="practice-") as tmp:
        prospect = Prospect(script, render_lines(script, Path(tmp)), model, out, client)
        client.add_listener(prospect.on_event)
        try:
            client.start()
        except SoftphoneError as e:
            print(str(e), file=sys.stderr)
            return 1
        try:
            prospect.report("ready", port=client.info.sip_port, title=script.title)
            talker = threading.Thread(target=prospect.converse, name="practice-dialogue")
            talker.start()
            prospect.pump(args.timeout)
            talker.join(10)
        finally:
            client.stop()
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
