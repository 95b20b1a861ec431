"""EngineClient: lives in the app process, starts and talks to the softphone engine process.

The engine runs as `python -m softphone.engine` in its own session, connected by a socket
pair carrying pickled protocol dataclasses. One named thread ("engine-client") receives
replies and events; events go through a queue to the "engine-events" thread, which calls the
listeners (so a listener may itself send commands, e.g. answer an IncomingCall); a third
forwards the engine's stderr to logging and keeps its tail for crash reports. If the engine dies, listeners get `EngineCrashed`
and `start()` may be called again. `stop()` never hangs: it escalates to SIGKILL.
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

from softphone import protocol as p
from softphone.accounts import AccountConfig
from softphone.errors import EngineError, EngineNotRunning
from softphone.event_log import EventLog
from softphone.numbers import normalize_uri

__all__ = ["EngineClient", "EventLog"]

log = logging.getLogger(__name__)
_ROOT = str(Path(__file__).resolve().parent.parent)

Listener = Callable[[p.Event], None]


class _Pending:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.reply: p.Reply | None = None


class EngineClient:
    """Starts/owns the engine process; every method is safe to call from any app thread."""

    def __init__(self, config: p.EngineConfig | None = None, *, start_timeout: float = 20.0):
        self.config = config or p.EngineConfig()
        self.start_timeout = start_timeout
        self.info: p.EngineStarted | None = None
        self._listeners: list[Listener] = []
        self._accounts: dict[str, AccountConfig] = {}
        self._proc: subprocess.Popen | None = None
        self._conn: Connection | None = None
        self._reader: threading.Thread | None = None
        self._send_lock = threading.Lock()
        self._pending: dict[int, _Pending] = {}
        self._ids = itertools.count(1)
        self._started = threading.Event()
        self._stopping = False
        self._stderr_tail: deque[str] = deque(maxlen=20)
        self._events: queue.Queue = queue.Queue()
        self._dispatcher: threading.Thread | None = None

    # ---- lifecycle ----

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None and self._started.is_set()

    def start(self) -> None:
        """Spawn the engine and return once it is ready (raises EngineError if it cannot)."""
        if self._proc is not None and self._proc.poll() is None:
            return
        self._stopping = False
        self._started.clear()
        self.info = None
        parent, child = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_ROOT, env.get("PYTHONPATH")]))
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "softphone.engine", "--fd", str(child.fileno())],
            pass_fds=[child.fileno()],
            env=env,
            stdin=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # Ctrl+C in a terminal reaches the app, not the engine
        )
        child.close()
        self._conn = Connection(parent.detach())
        self._conn.send(self.config)
        if self._dispatcher is None or not self._dispatcher.is_alive():
            self._dispatcher = threading.Thread(
                target=self._dispatch_loop, name="engine-events", daemon=True
            )
            self._dispatcher.start()
        self._reader = threading.Thread(target=self._read_loop, name="engine-client", daemon=True)
        self._reader.start()
        threading.Thread(
            target=self._stderr_loop, args=(self._proc,), name="engine-stderr", daemon=True
        ).start()
        deadline = time.monotonic() + self.start_timeout
        while not self._started.wait(0.05):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self._kill()
                tail = self._stderr_tail[-1] if self._stderr_tail else "no output"
                raise EngineError(f"The phone engine failed to start: {tail}")
        for acct in self._accounts.values():  # a restarted engine gets its accounts back
            self.add_account(acct)

    def stop(self, timeout: float = 8.0) -> None:
        """Orderly shutdown (calls hung up, accounts unregistered); SIGKILL after timeout.

        Listeners have received every event (EngineStopped last) when this returns."""
        proc = self._proc
        if proc is None:
            self._stop_dispatcher()
            return
        self._stopping = True
        if proc.poll() is None:
            try:
                self._request(p.Shutdown(), timeout=2.0)
            except EngineError:
                pass
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log.warning("the engine did not stop in %.0f s; killing it", timeout)
                self._kill()
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(timeout=3)
        self._close_conn()
        self._proc = None
        self._stop_dispatcher()

    def _stop_dispatcher(self) -> None:
        d = self._dispatcher
        if d is not None and d.is_alive() and d is not threading.current_thread():
            self._events.put(None)
            d.join(timeout=5)
        self._dispatcher = None

    def _kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(timeout=5)

    def _close_conn(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except OSError:
                pass

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    # ---- events ----

    def add_listener(self, fn: Listener) -> None:
        """fn(event) is called on the client's event thread; exceptions are logged."""
        self._listeners.append(fn)

    def remove_listener(self, fn: Listener) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def _dispatch(self, event: p.Event) -> None:
        self._events.put(event)

    def _dispatch_loop(self) -> None:
        while True:
            event = self._events.get()
            if event is None:
                return
            self._call_listeners(event)

    def _call_listeners(self, event: p.Event) -> None:
        for fn in list(self._listeners):
            try:
                fn(event)
            except Exception:  # a listener never breaks the sender
                log.exception("event listener %r failed on %r", fn, event)

    def _read_loop(self) -> None:
        conn, proc = self._conn, self._proc
        clean = False
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                break
            if isinstance(msg, p.Reply):
                pending = self._pending.pop(msg.req_id, None)
                if pending is not None:
                    pending.reply = msg
                    pending.done.set()
                continue
            if isinstance(msg, p.EngineStarted):
                self.info = msg
                self._started.set()
            elif isinstance(msg, p.EngineStopped):
                clean = True
            self._dispatch(msg)
        for pending in list(self._pending.values()):
            pending.done.set()
        self._pending.clear()
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            code = None
        if not (clean or self._stopping):
            self._dispatch(p.EngineCrashed(self._crash_reason(code), code))

    def _crash_reason(self, code: int | None) -> str:
        if code is not None and code < 0:
            how = f"it was killed by signal {-code}"
        else:
            how = f"it exited with code {code}"
        tail = f" Last message: {self._stderr_tail[-1]}" if self._stderr_tail else ""
        return f"The phone engine stopped unexpectedly ({how}).{tail}"

    def _stderr_loop(self, proc: subprocess.Popen) -> None:
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                self._stderr_tail.append(line)
                log.debug("%s", line)
        proc.stderr.close()

    # ---- commands ----

    def _request(self, command: Any, timeout: float = 10.0) -> Any:
        if self._conn is None or self._proc is None or self._proc.poll() is not None:
            raise EngineNotRunning("The phone engine is not running.")
        req_id = next(self._ids)
        pending = _Pending()
        self._pending[req_id] = pending
        try:
            with self._send_lock:
                self._conn.send(p.Request(req_id, command))
        except (OSError, ValueError):
            self._pending.pop(req_id, None)
            raise EngineNotRunning("The phone engine is not running.") from None
        if not pending.done.wait(timeout):
            self._pending.pop(req_id, None)
            raise EngineError("The phone engine did not answer in time.")
        if pending.reply is None:
            raise EngineNotRunning("The phone engine stopped before it answered.")
        if not pending.reply.ok:
            raise EngineError(pending.reply.error)
        return pending.reply.value

    def add_account(self, acct: AccountConfig) -> None:
        """Add (or replace) an account; its password is looked up with keyring in the engine."""
        self._request(p.AddAccount(acct))
        self._accounts[acct.id] = acct

    def remove_account(self, account_id: str) -> None:
        self._accounts.pop(account_id, None)
        self._request(p.RemoveAccount(account_id))

    def normalize(self, uri: str, account_id: str | None = None) -> str:
        """The SIP URI a dial string becomes (raises InvalidUri with a sentence); a `SipUri`
        (already normalised by softphone.numbers) is taken as it is."""
        acct = self._accounts.get(account_id) if account_id else None
        return normalize_uri(uri, acct.sip_host if acct else None)

    def make_call(
        self, uri: str, account_id: str | None = None, record_path: str | None = None
    ) -> str:
        """Dial; returns the call id. Bad input raises InvalidUri before anything is sent."""
        target = self.normalize(uri, account_id)
        call_id = uuid.uuid4().hex[:12]
        return self._request(p.MakeCall(call_id, str(target), account_id, record_path))

    def answer(self, call_id: str, record_path: str | None = None) -> None:
        self._request(p.Answer(call_id, record_path))

    def reject(self, call_id: str, code: int = 486) -> None:
        self._request(p.Reject(call_id, code))

    def hangup(self, call_id: str) -> None:
        self._request(p.Hangup(call_id))

    def hold(self, call_id: str) -> None:
        self._request(p.Hold(call_id))

    def resume(self, call_id: str) -> None:
        self._request(p.Resume(call_id))

    def set_mute(self, muted: bool) -> None:
        self._request(p.SetMute(muted))

    def send_dtmf(self, call_id: str, digits: str) -> str:
        """Returns the method used: "rfc4733" or "info"."""
        return self._request(p.SendDtmf(call_id, digits))

    def transfer(self, call_id: str, uri: str, account_id: str | None = None) -> None:
        self._request(p.Transfer(call_id, str(self.normalize(uri, account_id))))

    def play_file(self, call_id: str, wav_path: str) -> None:
        """Play a WAV into this call instead of the rep's voice (the rep is cut off meanwhile)."""
        self._request(p.PlayFile(call_id, wav_path))

    def stats(self) -> dict:
        """Audio and call statistics from the engine (bridge, port timings, accounts)."""
        return self._request(p.GetStats())

    def reset_stats(self) -> None:
        """Zero the engine's audio counters and timings."""
        self._request(p.ResetStats())

    def open_tap(self, channel: Literal["rep", "prospect"]):  # -> SharedRingReader
        """A reader of the engine's 16 kHz tap of one channel (reads from now on)."""
        from softphone.audio.shm_ring import SharedRingReader

        if self.info is None:
            raise EngineNotRunning("The phone engine is not running.")
        return SharedRingReader(self.info.taps[channel])
