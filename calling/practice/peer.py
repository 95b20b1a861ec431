"""The simulated prospect: a SIP peer process of its own that answers one call, speaks its
script's lines (flite text-to-speech), listens to the rep with Vosk and branches on what it
hears, then hangs up at an `end` node.

    python -m calling.practice.peer SCRIPT [--bind 127.0.0.1] [--port 0] [--model DIR]

It runs the softphone's SIP thread in this process (one pjsua2 endpoint, like the engine
process) with silence as its voice, and switches the bridge to each line's WAV when it
speaks; the far-end tap is the rep's voice, fed to a recognizer. It reports on stdout, one
JSON object a line: ready (with the SIP port), said, heard, ended — the practice command
reads them. pjlib's own prints go to stderr.
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
    """Plays the script over one call; runs on its own thread beside the SIP thread."""

    def __init__(self, script: Script, lines: dict, model: Any, out: TextIO) -> None:
        self.script, self.lines, self.model, self.out = script, lines, model, out
        self.events: queue.Queue = queue.Queue()
        self.sip: Any = None
        self.call_id: str | None = None
        self.connected = threading.Event()
        self.ended = threading.Event()

    def report(self, kind: str, **data: Any) -> None:
        self.out.write(json.dumps({"event": kind, "t": round(time.time(), 3), **data}) + "\n")
        self.out.flush()

    def on_event(self, event: Any) -> None:
        """The SIP thread's emit: only look at the event and hand it over."""
        self.events.put(event)

    def pump(self) -> None:
        from softphone.protocol import (
            Answer,
            CallStateChanged,
            EngineStarted,
            IncomingCall,
            Request,
            Shutdown,
        )

        while True:
            e = self.events.get()
            if isinstance(e, EngineStarted):
                self.report("ready", port=e.sip_port, title=self.script.title)
            elif isinstance(e, IncomingCall) and self.call_id is None:
                self.call_id = e.call_id
                self.sip.commands.put(Request(-1, Answer(e.call_id)))
            elif isinstance(e, CallStateChanged) and e.call_id == self.call_id:
                if e.state == "connected":
                    self.connected.set()
                elif e.state == "disconnected":
                    self.ended.set()
                    self.connected.set()
                    self.sip.commands.put(Request(-1, Shutdown()))
                    return

    def converse(self) -> None:
        from softphone.audio.shm_ring import SharedRingReader
        from softphone.protocol import Hangup, Request

        self.connected.wait()
        if self.ended.is_set():
            return
        tap = SharedRingReader(self.sip.media.tap_names["prospect"])
        dialogue = Dialogue(self.script)
        node = dialogue.node
        try:
            while not self.ended.is_set():
                path, seconds = self.lines[node.name]
                self.sip.media.bridge.use_file(str(path))
                self.report("said", node=node.name, text=node.say)
                self._sleep(seconds + 0.2)
                tap.read()  # what the rep said over our line is not an answer to it
                if node.end:
                    self._sleep(0.6)
                    break
                heard = self.listen(tap, node.listen)
                self.report("heard", node=node.name, text=heard)
                node = dialogue.next(heard)
        finally:
            tap.close()
        self.report("ended", path=dialogue.path)
        if not self.ended.is_set() and self.call_id:
            self.sip.commands.put(Request(-1, Hangup(self.call_id)))

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
    args = parser.parse_args(argv)
    out = os.fdopen(os.dup(1), "w")  # JSON lines; pjlib may print to fd 1 before logging is set
    os.dup2(2, 1)
    try:
        script = load_script(args.script)
    except ScriptError as e:
        print(str(e), file=sys.stderr)
        return 2
    from coach.asr_model import load_model
    from models.lookup import resolve_model_path
    from softphone.engine.sip_thread import SipThread
    from softphone.protocol import EngineConfig

    model = load_model(resolve_model_path(args.model))
    with tempfile.TemporaryDirectory(prefix="practice-") as tmp:
        prospect = Prospect(script, render_lines(script, Path(tmp)), model, out)
        config = EngineConfig(
            bind_address=args.bind,
            sip_port=args.port,
            transports=("udp",),
            audio="null",
            media_timeout_s=15.0,
            codecs=("G722/16000", "PCMU/8000"),
        )
        prospect.sip = SipThread(config, queue.Queue(), prospect.on_event)
        threading.Thread(target=prospect.pump, name="practice-events", daemon=True).start()
        threading.Thread(target=prospect.converse, name="practice-dialogue", daemon=True).start()
        prospect.sip.run()
    out.flush()
    sys.stderr.flush()
    os._exit(0)  # like the engine: every pjsua2 object is gone; skip interpreter teardown


if __name__ == "__main__":
    sys.exit(main())
