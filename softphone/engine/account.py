"""pjsua2 accounts in the engine: registration with our own back-off, incoming calls.

pjsua's built-in retry is a fixed interval; we switch it off and re-register ourselves with
exponential back-off (1 s, 2 s, 4 s ... up to `reg_backoff_max_s`, with jitter) after a
failure or a lost TCP/TLS connection. Wrong credentials (401/403/407) are not retried:
the rep must fix the password first. All methods run on the SIP thread.
"""

from __future__ import annotations

import random
import time
from typing import TYPE_CHECKING

import pjsua2 as pj

from softphone.accounts import AccountConfig
from softphone.errors import describe_sip_status
from softphone.protocol import RegistrationChanged

if TYPE_CHECKING:
    from softphone.engine.sip_thread import SipThread

NO_RETRY = {401, 403, 404, 407}


def account_config(acct: AccountConfig, password: str | None, sip: SipThread) -> pj.AccountConfig:
    """The pjsua2 configuration for one of our accounts."""
    cfg = pj.AccountConfig()
    cfg.idUri = acct.id_uri()
    if acct.register:
        cfg.regConfig.registrarUri = acct.registrar_uri()
    cfg.regConfig.registerOnAdd = acct.register
    cfg.regConfig.timeoutSec = acct.reg_expires_s
    cfg.regConfig.delayBeforeRefreshSec = max(1, min(5, acct.reg_expires_s // 3))
    cfg.regConfig.retryIntervalSec = 0  # our own back-off, see module docstring
    cfg.regConfig.firstRetryIntervalSec = 0
    cfg.regConfig.dropCallsOnFail = False
    if password is not None:
        cred = pj.AuthCredInfo("digest", acct.realm, acct.auth_user or acct.user, 0, password)
        cfg.sipConfig.authCreds.append(cred)
    # Every request goes through the outbound proxy, else through the registrar (a domain
    # like sip:1002@pbx would otherwise go to pbx:5060, not to the registrar's port).
    if acct.outbound_proxy:
        cfg.sipConfig.proxies.append(acct.proxy_uri())
    elif acct.register:
        cfg.sipConfig.proxies.append(acct.registrar_uri() + ";lr")
    cfg.sipConfig.transportId = sip.transport_id(_transport_name(acct, sip.transports))
    sip.apply_media_config(cfg)
    return cfg


def _transport_name(acct: AccountConfig, transports: dict) -> str:
    """The account's transport; on a dual-stack engine, its IPv6 twin ("udp6", ...) when the
    first hop (the outbound proxy, else the registrar) is an IPv6 literal: an account bound to
    an IPv4 transport cannot reach [::1] (PJSIP_ETPNOTSUITABLE)."""
    hop = acct.outbound_proxy or acct.registrar
    hop = hop.split(":", 1)[1] if hop.startswith(("sip:", "sips:")) else hop
    if hop.startswith("[") and acct.transport + "6" in transports:
        return acct.transport + "6"
    return acct.transport


class EngineAccount(pj.Account):
    """One registered (or local) account; forwards registration and incoming calls."""

    def __init__(self, sip: SipThread, acct: AccountConfig | None, account_id: str) -> None:
        super().__init__()
        self.sip = sip
        self.acct = acct
        self.account_id = account_id
        self.registered = False
        self.failures = 0
        self.retry_at: float | None = None
        self.removing = False

    # ---- pjsua2 callbacks (SIP thread) ----

    def onRegState(self, prm: pj.OnRegStateParam) -> None:  # pjsua2 API
        try:
            self._reg_state(prm)
        except Exception:  # never into SWIG
            self.sip.log.exception("onRegState failed")

    def _reg_state(self, prm: pj.OnRegStateParam) -> None:
        code, reason = int(prm.code), str(prm.reason)
        if self.removing:
            return
        ok = 200 <= code < 300 and prm.expiration > 0
        retry_in: float | None = None
        if ok:
            self.failures = 0
            self.retry_at = None
            sentence = "Registered with the phone system."
        else:
            sentence = describe_sip_status(code, reason)
            if code not in NO_RETRY and self.acct is not None and self.acct.register:
                retry_in = self._schedule_retry()
            if code in (0, 408, 502, 503, 504) and retry_in is not None:
                sentence = f"The phone system could not be reached ({reason}); retrying."
        self.registered = ok
        self.sip.emit(
            RegistrationChanged(self.account_id, ok, code, reason, sentence, retry_in_s=retry_in)
        )

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:  # pjsua2 API
        try:
            self.sip.incoming_call(self, prm.callId, prm.rdata.wholeMsg)
        except Exception:  # never into SWIG
            self.sip.log.exception("onIncomingCall failed")

    # ---- back-off ----

    def _schedule_retry(self) -> float:
        self.failures += 1
        base = min(2.0 ** (self.failures - 1), self.sip.config.reg_backoff_max_s)
        delay = base * random.uniform(0.8, 1.2)
        self.retry_at = time.monotonic() + delay
        return round(delay, 2)

    def connection_lost(self) -> None:
        """The TCP/TLS connection to the registrar closed: report it and re-register soon."""
        if self.acct is None or not self.acct.register or self.removing:
            return
        if self.registered or self.retry_at is None:
            self.registered = False
            retry_in = self._schedule_retry()
            self.sip.emit(
                RegistrationChanged(
                    self.account_id,
                    False,
                    503,
                    "Connection lost",
                    "Lost the connection to the phone system; reconnecting.",
                    retry_in_s=retry_in,
                )
            )

    def tick(self, now: float) -> None:
        """Called from the SIP loop: re-register when the back-off delay has passed."""
        if self.retry_at is not None and now >= self.retry_at and not self.removing:
            self.retry_at = None
            try:
                self.setRegistration(True)
            except pj.Error as e:
                self._reg_failed_now(e)

    def _reg_failed_now(self, e: pj.Error) -> None:
        retry_in = self._schedule_retry()
        self.sip.emit(
            RegistrationChanged(
                self.account_id,
                False,
                503,
                e.reason,
                "The phone system could not be reached; retrying.",
                retry_in_s=retry_in,
            )
        )
