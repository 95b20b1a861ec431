"""One practice call: the prospect's process, the rep's call to it, the live coach, storage.

`PracticeRun(script, client)` is used by the `practice` command (with an engine of its own)
and by the practice view (with the app's engine), through EngineClient's public API only
(`make_call` with a recording path). Events reach `on_event` as dicts, on the run's own
threads: said / heard / ended from the prospect, flag from the live coach. `run()` blocks
until the prospect hangs up (call it from a worker thread in a window); `store(writer, library)`
then analyses the recording and stores the call marked as practice through the app's single
writer. `library` is the app's import (app.library_import: prepare_import, write_import, AUTO),
handed in by the wiring because calling/ never imports the app layer.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
Event = dict[str, Any]


class PracticeError(RuntimeError):
    """The practice could not run; one sentence."""


class PeerProcess:
    """The prospect's process (`python -m calling.practice.peer`) and the JSON events it prints."""

    def __init__(self, script: Path, on_event: Callable[[Event], None]) -> None:
        self.events: list[Event] = []
        self.stderr: list[str] = []
        self.cond = threading.Condition()
        self.on_event = on_event
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "calling.practice.peer", str(script)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, name="practice-peer-out", daemon=True).start()
        threading.Thread(target=self._err, name="practice-peer-err", daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            self._add(event)
        self._add({"event": "exited"})

    def _add(self, event: Event) -> None:
        with self.cond:
            self.events.append(event)
            self.cond.notify_all()
        if event["event"] in ("said", "heard", "ended"):
            try:
                self.on_event(event)
            except Exception:  # a listener never breaks the sender
                log.exception("practice listener failed")

    def _err(self) -> None:
        for line in self.proc.stderr:
            self.stderr = (self.stderr + [line.rstrip()])[-20:]

    def wait(self, kinds: tuple[str, ...], timeout: float) -> Event:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for e in self.events:
                    if e["event"] in kinds:
                        return e
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


def _flag_events(on_event: Callable[[Event], None]) -> Callable[[Any], None]:
    """The live pipeline's listener: coach flags become practice events."""
    from calling.events import FlagRaised

    def publish(event: Any) -> None:
        if isinstance(event, FlagRaised):
            f = event.flag
            on_event({"event": "flag", "kind": f.kind, "text": f.text,
                      "suggestion": f.suggestion})  # fmt: skip

    return publish


class PracticeRun:
    def __init__(
        self,
        script: Any,
        client: Any,
        record: Path,
        on_event: Callable[[Event], None] = lambda e: None,
        *,
        live_coach: bool = True,
        semantic: Any = None,
    ) -> None:
        """`semantic`: the app's loaded semantic layer; None loads the one in use for the
        library's data folder when the run starts (rules alone if there is no encoder)."""
        self.script, self.client, self.record = script, client, Path(record)
        self.semantic = semantic
        self.on_event, self.live_coach = on_event, live_coach
        self.path_taken: list[str] = []
        self.started_at = 0.0
        self.warning = ""

    def run(self, timeout: float = 300.0) -> list[str]:
        """Start the prospect, call it, return the script path once it hung up."""
        self.record.parent.mkdir(parents=True, exist_ok=True)
        peer = PeerProcess(self.script.path, self.on_event)
        live = None
        try:
            ready = peer.wait(("ready", "exited"), 60)
            if ready["event"] != "ready":
                tail = peer.stderr[-1] if peer.stderr else "no output"
                raise PracticeError(f"The simulated prospect did not start: {tail}")
            live = self._start_live() if self.live_coach else None
            self.started_at = time.time()
            self.client.make_call(
                f"sip:prospect@127.0.0.1:{ready['port']}", record_path=str(self.record)
            )
            end = peer.wait(("ended", "exited"), timeout)
            self.path_taken = end.get("path", [])
            time.sleep(1.0)  # the hang-up reaches the engine and the recording is closed
        finally:
            if live is not None:
                live.stop()
            peer.stop()
        return self.path_taken

    def _start_live(self) -> Any:
        from calling.live import LivePipeline
        from coach.asr_model import load_model
        from coach.engine import LiveCoach
        from models.lookup import resolve_model_path

        try:
            model = load_model(resolve_model_path(None))
        except Exception as e:  # noqa: BLE001 - practice still works without the live coach
            self.warning = f"The live coach is off: {e}"
            return None
        if self.semantic is None:  # the layer in use for the library's data folder
            from coach.semantic.service import default_data_dir, load_layer

            self.semantic = load_layer(default_data_dir()).layer
        live = LivePipeline(
            self.client,
            _flag_events(self.on_event),
            model=model,
            coach=LiveCoach(previous_calls=0, semantic=self.semantic),
        )
        live.start()
        return live

    def store(self, writer: Any, library: Any, rep: str = "") -> int:
        """Analyse the recording with the coach and store the call, marked as practice.

        `writer` is the single StoreWriter: the analysis and the FLAC happen here, on the
        caller's thread with no transaction open (they take seconds); the rows are then one
        job of the writer, so a live call or the queue writing meanwhile is never blocked.
        `library` is the app's import (`prepare_import`, `write_import`, `AUTO`)."""
        s = self.script
        reader = writer.reader()
        try:
            prepared = library.prepare_import(
                reader,
                self.record,
                contact=f"{s.prospect_name} (practice)",
                rep=rep,
                started_at=self.started_at,
                previous_calls=0,
                semantic=self.semantic if self.semantic is not None else library.AUTO,
            )
        finally:
            reader.close()
        try:
            return int(writer.call(_write_practice, library.write_import, prepared,
                                   s.path.stem, s.title, json.dumps(self.path_taken),
                                   timeout=60))  # fmt: skip
        except BaseException:
            if prepared.recording is not None:  # nothing points at it
                Path(prepared.recording).unlink(missing_ok=True)
            raise


def _write_practice(
    db: Any, write_import: Callable[[Any, Any], int], prepared: Any, script: str, title: str,
    path_json: str,
) -> int:  # fmt: skip
    """The writer job: the imported call, its practice note and its practice row at once."""
    from calling import history

    call_id = write_import(db, prepared)
    history.set_notes(db, call_id, f"Practice: {title}")
    db.execute(
        "INSERT INTO practice_calls(call_id, script, title, path_json) VALUES (?,?,?,?)",
        [call_id, script, title, path_json],
    )
    return call_id
