"""The SIP thread: owns the pjsua2 Endpoint and every pjsua2 object, runs the command loop.

pjsua2 is configured with `threadCnt = 0` and `mainThreadOnly = True`, so every SIP callback
runs here, inside `libHandleEvents`. Commands arrive on a queue (from the pipe reader
thread); events leave through `emit` (to the pipe writer thread). Only the media clock
thread, created by pjmedia, calls into Python besides this one (the BridgePort).

Shutdown order (a pjsua2 object alive after libDestroy aborts the process): hang up every
call and wait for the disconnects, shut accounts down, stop the port, drop every reference
and collect, then libDestroy, then close the bridge and the taps.
"""

from __future__ import annotations

import gc
import logging
import os
import queue
import threading
import time
import uuid
from collections.abc import Callable

import pjsua2 as pj

from softphone.engine import stack, unhandled
from softphone.engine.account import EngineAccount
from softphone.engine.call import EngineCall, live_calls, offer_is_ipv6_only, split_remote
from softphone.engine.commands import CommandHandler
from softphone.engine.endpoint import (
    SipEndpoint,
    apply_media_config,
    create_transports,
    endpoint_config,
    host_part,
    ip_version,
    set_codec_priorities,
)
from softphone.engine.media import EngineMedia
from softphone.errors import EngineError, describe_engine_failure
from softphone.protocol import (
    EngineConfig,
    EngineStarted,
    Event,
    IncomingCall,
    Reply,
    Request,
    Shutdown,
)


class SipThread:
    """Runs on the engine's main thread (named "sip"); `run()` returns after shutdown."""

    def __init__(self, config: EngineConfig, commands: queue.Queue, emit: Callable[[Event], None]):
        self.config = config
        self.commands = commands
        self.emit = emit
        self.log = logging.getLogger("softphone.engine")
        self.ep: SipEndpoint | None = None
        self.transports: dict[str, tuple[int, int]] = {}  # name -> (transport id, port)
        self.accounts: dict[str, EngineAccount] = {}
        self.direct: EngineAccount | None = None
        self.calls: dict[str, EngineCall] = {}
        self.graveyard: list = []  # pjsua2 objects to drop on the next loop turn, not mid-callback
        self._later: list[Callable[[], None]] = []
        self.media = EngineMedia(config, self.log, emit)
        self.handler = CommandHandler(self)
        self.stopping = False
        self.stack: dict = {}
        self.ipv6 = False

    # ---- lifecycle ----

    def run(self) -> None:
        threading.current_thread().name = "sip"
        gc.disable()  # collect only here: freeing a pjsua2 object on another thread aborts
        try:
            self._start()
        except Exception as e:
            self.log.exception("engine start failed")
            self._shutdown()
            raise EngineError(_start_failure(e)) from None
        try:
            self._loop()
        finally:
            self._shutdown()

    def _start(self) -> None:
        cfg = self.config
        self.ep = SipEndpoint(self)
        self.ep.libCreate()
        self.ep.libInit(endpoint_config(cfg))
        self.ipv6 = stack.has_ipv6()  # PJ_HAS_IPV6: the built stack, not the PyPI wheel
        self.transports = create_transports(
            self.ep, cfg, self.ipv6, system_cas=stack.build() == "callcoach"
        )
        unhandled.install()  # REGISTER/REFER/stray BYE... get 405/481/501, not silence
        self.ep.libStart()
        self.ep.audDevManager().setNullDev()
        set_codec_priorities(self.ep, cfg)
        self.media.start()
        self.direct = EngineAccount(self, None, "direct")
        acfg = pj.AccountConfig()
        host = host_part(cfg.bind_address) or "127.0.0.1"
        acfg.idUri = f"sip:callcoach@{host}:{self.sip_port}"
        self.apply_media_config(acfg)
        self.direct.create(acfg, True)
        self.stack = stack.describe(self.ep)
        self.log.info("SIP stack: %s", stack.summary(self.stack))
        self.emit(
            EngineStarted(
                os.getpid(),
                self.sip_port,
                {k: v[1] for k, v in self.transports.items()},
                self.media.tap_names,
                self.stack,
            )
        )

    @property
    def sip_port(self) -> int:
        for name in ("udp", "tcp", "tls"):
            if name in self.transports:
                return self.transports[name][1]
        return 0

    def transport_id(self, name: str) -> int:
        if name not in self.transports:
            raise EngineError(f"The engine was started without {name.upper()}; enable it first.")
        return self.transports[name][0]

    def apply_media_config(self, acfg: pj.AccountConfig) -> None:
        apply_media_config(acfg, self.config, self.ipv6)

    @property
    def ipv6_media(self) -> bool:
        """Can this engine answer an offer with IPv6 media? (stack built with IPv6, RTP not
        bound to an IPv4 address)"""
        return self.ipv6 and ip_version(self.config.bind_address) != 4

    # ---- the loop ----

    def _loop(self) -> None:
        next_tick = 0.0
        next_stats = 0.0
        next_gc = time.monotonic() + 10
        while not self.stopping:
            self._drain_commands()
            self.ep.libHandleEvents(10)
            self._run_later()
            now = time.monotonic()
            if now >= next_tick:
                next_tick = now + 0.25
                self._tick(now)
            if self.calls and now >= next_stats:
                next_stats = now + self.config.stats_interval_s
                self.media.emit_stats(self.emit)
            if self.graveyard:
                self.graveyard.clear()
            if now >= next_gc:
                next_gc = now + 10
                gc.collect()
                self._check_leaks()

    def _tick(self, now: float) -> None:
        # Its own frame on purpose (STYLE rule 17): a loop variable in `_loop` would keep the
        # last ticked Call alive after its end; its destructor would then hang up whichever
        # later call pjsua put in the same (rotating) slot.
        for account_id in list(self.accounts):
            acc = self.accounts.get(account_id)
            if acc is not None:
                acc.tick(now)
        for call_id in list(self.calls):
            call = self.calls.get(call_id)
            if call is not None:
                call.tick(now)

    def _check_leaks(self) -> None:
        """Log any Call object alive after its end: it would hang up a later call."""
        stale = [c.call_id for c in live_calls() if c.disconnected]
        if stale:
            self.log.error("pjsua2 calls alive after their end: %s", stale)

    def _drain_commands(self) -> None:
        while True:
            try:
                req = self.commands.get_nowait()
            except queue.Empty:
                return
            self._handle(req)

    def _handle(self, req: Request) -> None:
        if isinstance(req.command, Shutdown):
            self.stopping = True
            self._reply(Reply(req.req_id, True))
            return
        try:
            value = self.handler.handle(req.command)
            self._reply(Reply(req.req_id, True, value))
        except EngineError as e:
            self._reply(Reply(req.req_id, False, error=str(e)))
        except pj.Error as e:
            # The rep reads a sentence; pjsua2's own text (function, status, line) goes to the log.
            self.log.warning("%s failed: %s", type(req.command).__name__, e.info())
            sentence = describe_engine_failure(type(req.command).__name__, e.status, e.reason)
            self._reply(Reply(req.req_id, False, error=sentence))
        except Exception as e:  # a bad command must not kill the engine
            self.log.exception("command %r failed", req.command)
            self._reply(Reply(req.req_id, False, error=f"Internal error: {e!r}"))

    def _reply(self, reply: Reply) -> None:
        if reply.req_id >= 0:
            self.emit(reply)

    def later(self, fn: Callable[[], None]) -> None:
        """Run fn on this thread after the current pjsua2 callback has returned."""
        self._later.append(fn)

    def _run_later(self) -> None:
        while self._later:
            fn = self._later.pop(0)
            try:
                fn()
            except Exception:
                self.log.exception("deferred job failed")

    # ---- called by accounts and calls ----

    def incoming_call(self, acc: EngineAccount, pj_call_id: int, invite: str = "") -> None:
        call = EngineCall(self, acc, uuid.uuid4().hex[:12], "incoming", pj_call_id)
        call.ipv6_only_offer = offer_is_ipv6_only(invite)
        ci = call.getInfo()
        name, uri = split_remote(ci.remoteUri)
        call.remote_uri = uri
        self.calls[call.call_id] = call
        self.emit(IncomingCall(call.call_id, uri, name, acc.account_id))
        prm = pj.CallOpParam()
        prm.statusCode = pj.PJSIP_SC_RINGING
        call.answer(prm)
        call.emit_state("ringing", 180, "Ringing", "Incoming call.")

    def connect_audio(self, media: pj.AudioMedia) -> None:
        self.media.connect(media)

    def call_ended(self, call: EngineCall) -> None:
        self.calls.pop(call.call_id, None)
        self.graveyard.append(call)
        self.media.call_ended(call.call_id)

    def transport_lost(self) -> None:
        for acc in self.accounts.values():
            if acc.acct is not None and acc.acct.transport != "udp":
                acc.connection_lost()

    # ---- shutdown ----

    def _shutdown(self) -> None:
        if self.ep is None:
            return
        try:
            if self.calls:
                self.ep.hangupAllCalls()
                self._pump(lambda: not self.calls, 3.0)
            self._unregister_all()
            if any(a.registered for a in self.accounts.values()):
                self._pump(lambda: False, 0.5)  # let the unREGISTERs go out
            self.media.stop()
            self._shutdown_accounts()
        except Exception:  # shutdown must go on
            self.log.exception("error while hanging up for shutdown")
        self.calls.clear()
        self.accounts.clear()
        self.graveyard.clear()
        self.direct = None
        self._later.clear()
        self.media.drop_port()
        gc.collect()
        try:
            self.ep.libDestroy()
        except Exception:
            self.log.exception("libDestroy failed")
        self.ep = None
        self.media.close()

    # The account loops live in helpers so that no loop variable in `_shutdown` holds a
    # pjsua2 Account past libDestroy (that aborts the process at exit).

    def _unregister_all(self) -> None:
        for acc in list(self.accounts.values()):
            acc.removing = True
            if acc.registered:
                try:
                    acc.setRegistration(False)
                except pj.Error:
                    pass

    def _shutdown_accounts(self) -> None:
        for acc in list(self.accounts.values()):
            acc.shutdown()
        if self.direct is not None:
            self.direct.shutdown()

    def _pump(self, done: Callable[[], bool], timeout: float) -> None:
        end = time.monotonic() + timeout
        while not done() and time.monotonic() < end:
            self.ep.libHandleEvents(10)
            self._run_later()
            self.graveyard.clear()


def _start_failure(e: BaseException) -> str:
    if isinstance(e, pj.Error):
        if "address already in use" in (e.reason or "").lower():
            return "The phone engine could not start: another program already uses its SIP port."
        return "The phone engine could not start its SIP or audio side."
    return (
        f"The phone engine could not start: {e}" if str(e) else "The phone engine could not start."
    )
