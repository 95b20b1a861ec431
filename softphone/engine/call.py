"""pjsua2 calls in the engine: state and media callbacks, timeouts, DTMF and transfer.

Each `EngineCall` maps pjsip's invite states onto the protocol's call states, connects its
audio to the engine's single BridgePort when media becomes active, and ends itself when the
far end goes silent on RTP for `media_timeout_s` (peer vanished) or never answers at all.
All methods run on the SIP thread; the SipThread keeps the reference until after the call
is disconnected (a Call that Python drops is destroyed at once, mid-call).
"""

from __future__ import annotations

import re
import time
import uuid
import weakref
from typing import TYPE_CHECKING, Literal

import pjsua2 as pj

from softphone.errors import describe_answer_failure, describe_sip_status
from softphone.protocol import (
    CallMediaChanged,
    CallStateChanged,
    DtmfReceived,
    TransferProgressed,
)

if TYPE_CHECKING:
    from softphone.engine.sip_thread import SipThread

_NAME_RE = re.compile(r'^\s*"?([^"<]*?)"?\s*<')


def offer_is_ipv6_only(message: str) -> bool:
    """Does this INVITE offer audio on IPv6 addresses only (c=IN IP6, no c=IN IP4)?

    The PyPI pjsua2 wheel has no IPv6 media (PJ_HAS_IPV6=0), nor has an engine whose RTP is
    bound to an IPv4 address, so such a call cannot be answered there."""
    lines = [ln.strip() for ln in message.splitlines()]
    return any(ln.startswith("c=IN IP6") for ln in lines) and not any(
        ln.startswith("c=IN IP4") for ln in lines
    )


def describe_security(srtp: bool, tls: bool) -> str:
    """The call view's lock label: is the audio encrypted, and the signalling?"""
    if srtp:
        return "Encrypted (SRTP over TLS)" if tls else "Encrypted (SRTP)"
    return "Not encrypted (TLS signalling only)" if tls else "Not encrypted"


def _over_tls(ci: pj.CallInfo) -> bool:
    contacts = f"{ci.localContact} {ci.remoteContact}".lower()
    return "transport=tls" in contacts or "sips:" in contacts


def split_remote(uri: str) -> tuple[str, str]:
    """'"Pat" <sip:pat@host>' -> ("Pat", "sip:pat@host")."""
    m = _NAME_RE.match(uri)
    name = m.group(1).strip() if m else ""
    inner = uri[uri.find("<") + 1 : uri.rfind(">")] if "<" in uri else uri
    return name, inner.strip()


_LIVE: weakref.WeakSet[EngineCall] = weakref.WeakSet()


def live_calls() -> list[EngineCall]:
    """Every EngineCall Python still holds (after its end, only until the graveyard empties)."""
    return list(_LIVE)


class EngineCall(pj.Call):
    """One call; the SipThread owns the reference until the call is disconnected.

    No other frame, list, closure or traceback may keep it (STYLE rule 17): pjsua2's
    destructor acts on the call's slot, which pjsua hands to a later call in rotation.
    """

    def __init__(
        self,
        sip: SipThread,
        acc: pj.Account,
        call_id: str,
        direction: Literal["outgoing", "incoming"],
        pj_call_id: int = pj.PJSUA_INVALID_ID,
    ) -> None:
        super().__init__(acc, pj_call_id)
        self.sip = sip
        self.acc = acc  # a transfer's new call goes out on the same account
        self.call_id = call_id
        self.direction = direction
        self.remote_uri = ""
        self.started_at = time.time()
        self.started_mono = time.monotonic()
        self.connected_at: float | None = None
        self.state = "calling"
        self.local_end = False
        self.end_reason: tuple[int, str, str] | None = None
        self.provisional = False
        self.audio_idx = -1
        self.player: pj.AudioMediaPlayer | None = None  # a voicemail drop playing into the call
        self.media_status = pj.PJSUA_CALL_MEDIA_NONE
        self.receiving = False
        self.rx_pkts = -1
        self.rx_at = time.monotonic()
        self.hangup_pending = False
        self.disconnected = False
        self.ipv6_only_offer = False  # the caller offered IPv6 media only
        self.answering = False  # the rep pressed answer: a failure now is an answer failure
        _LIVE.add(self)

    # ---- state ----

    def onCallState(self, prm: pj.OnCallStateParam) -> None:  # pjsua2 API
        try:
            self._on_state()
        except Exception:  # never into SWIG
            self.sip.log.exception("onCallState failed")

    def _on_state(self) -> None:
        ci = self.getInfo()
        self.remote_uri = self.remote_uri or split_remote(ci.remoteUri)[1]
        code, reason = int(ci.lastStatusCode), str(ci.lastReason)
        st = ci.state
        if st == pj.PJSIP_INV_STATE_CALLING:
            self.emit_state("calling", code, reason, "Calling.")
        elif st == pj.PJSIP_INV_STATE_EARLY:
            self.provisional = True
            if self.direction == "outgoing":
                state = "early" if code == 183 else "ringing"
                self.emit_state(state, code, reason, "Ringing." if state == "ringing" else "Connecting.")
        elif st == pj.PJSIP_INV_STATE_CONNECTING:
            self.provisional = True
        elif st == pj.PJSIP_INV_STATE_CONFIRMED:
            self.connected_at = time.time()
            self.rx_at = time.monotonic()
            self.emit_state("connected", code, reason, "Connected.")
        elif st == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.disconnected = True
            code, reason, sentence = self._end_sentence(code, reason)
            self.emit_state("disconnected", code, reason, sentence)
            self.sip.call_ended(self)

    def _end_sentence(self, code: int, reason: str) -> tuple[int, str, str]:
        if self.end_reason is not None:
            return self.end_reason
        if self.connected_at is not None:
            if self.local_end:
                return code, reason, "You hung up."
            return code, reason, "The other side hung up."
        if self.local_end:
            if self.direction == "outgoing":
                return code, reason, "You cancelled the call."
            return code, reason, "You declined the call."
        if self.direction == "incoming" and self.answering and code >= 300:
            return code, reason, describe_answer_failure(code, self.ipv6_only_offer)
        if self.direction == "incoming":
            return code, reason, "The caller hung up before the call was answered."
        return code, reason, describe_sip_status(code, reason)

    def emit_state(self, state: str, code: int, reason: str, sentence: str) -> None:
        self.state = state
        self.sip.emit(
            CallStateChanged(
                self.call_id,
                state,
                code,
                reason,
                sentence,
                self.direction,
                self.remote_uri,
                self.started_at,
                self.connected_at,
            )
        )

    # ---- media ----

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        try:
            self._on_media()
        except Exception:  # never into SWIG
            self.sip.log.exception("onCallMediaState failed")

    def _on_media(self) -> None:
        ci = self.getInfo()
        for mi in ci.media:
            if mi.type != pj.PJMEDIA_TYPE_AUDIO:
                continue
            was_held = self.media_status == pj.PJSUA_CALL_MEDIA_LOCAL_HOLD
            self.audio_idx = mi.index
            self.media_status = mi.status
            self.receiving = bool(mi.dir & pj.PJMEDIA_DIR_DECODING)
            self.rx_at = time.monotonic()
            if mi.status in (pj.PJSUA_CALL_MEDIA_ACTIVE, pj.PJSUA_CALL_MEDIA_REMOTE_HOLD):
                self.sip.connect_audio(self.getAudioMedia(mi.index))
            held = mi.status == pj.PJSUA_CALL_MEDIA_LOCAL_HOLD
            srtp, tls = self.srtp_active(), _over_tls(ci)
            self.sip.emit(
                CallMediaChanged(
                    self.call_id, self.codec(), srtp, held, tls, describe_security(srtp, tls)
                )
            )
            if held and not was_held and self.connected_at:
                self.emit_state("held", 200, "OK", "The call is on hold.")
            elif was_held and mi.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                self.emit_state("connected", 200, "OK", "The call is back from hold.")
            break

    def codec(self) -> str:
        try:
            si = self.getStreamInfo(self.audio_idx)
            return f"{si.codecName}/{si.codecClockRate}"
        except pj.Error:
            return ""

    def srtp_active(self) -> bool:
        # pjsua2 has no flag for it; its media dump names the SRTP state of each stream.
        try:
            return "SRTP status: Active" in self.dump(True, "")
        except pj.Error:
            return False

    # ---- timers (SIP loop, about once a second) ----

    def tick(self, now: float) -> None:
        cfg = self.sip.config
        if self.disconnected or self.hangup_pending:
            return
        if self.direction == "outgoing" and not self.provisional and self.connected_at is None:
            if now - self.started_mono > cfg.no_response_timeout_s:
                host = self.remote_uri.split("@")[-1].split(";")[0] or "the other side"
                self.end(
                    408, "No response", f"Nothing answered at {host}: the address is unreachable."
                )
            return
        if self.connected_at is None or self.audio_idx < 0 or not self.receiving:
            self.rx_at = now
            return
        if self.media_status != pj.PJSUA_CALL_MEDIA_ACTIVE:
            self.rx_at = now
            return
        try:
            pkts = int(self.getStreamStat(self.audio_idx).rtcp.rxStat.pkt)
        except pj.Error:
            return
        if pkts != self.rx_pkts:
            self.rx_pkts, self.rx_at = pkts, now
        elif now - self.rx_at > cfg.media_timeout_s:
            self.end(
                408,
                "RTP timeout",
                f"The call dropped: no audio came from the other side for "
                f"{cfg.media_timeout_s:g} seconds.",
            )

    def stream_stats(self) -> dict:
        """What the network did to this call's audio so far (receive side and jitter buffer):
        RTP packets received, lost, reordered, duplicated, discarded; interarrival jitter (ms);
        the jitter buffer's delay and its own lost/discarded/empty frame counts. {} before
        media or after the stream is gone."""
        if self.audio_idx < 0 or self.disconnected:
            return {}
        try:
            st = self.getStreamStat(self.audio_idx)
        except pj.Error:
            return {}
        rx, jb = st.rtcp.rxStat, st.jbuf
        return {
            "rx_packets": int(rx.pkt),
            "rx_lost": int(rx.loss),
            "rx_reordered": int(rx.reorder),
            "rx_duplicates": int(rx.dup),
            "rx_discarded": int(rx.discard),
            "rx_jitter_ms_mean": round(rx.jitterUsec.mean / 1000, 1),
            "rx_jitter_ms_max": round(rx.jitterUsec.max / 1000, 1),
            "tx_packets": int(st.rtcp.txStat.pkt),
            "jb_delay_ms_avg": int(jb.avgDelayMsec),
            "jb_delay_ms_max": int(jb.maxDelayMsec),
            "jb_prefetch_frames": int(jb.prefetch),
            "jb_lost_frames": int(jb.lost),
            "jb_discarded_frames": int(jb.discard),
            "jb_empty_frames": int(jb.empty),
        }

    def end(self, code: int, reason: str, sentence: str) -> None:
        """Hang up with our own reason (timeouts, finished transfer)."""
        self.end_reason = (code, reason, sentence)
        self.hangup_pending = True
        prm = pj.CallOpParam()
        prm.statusCode = pj.PJSIP_SC_REQUEST_TIMEOUT if code == 408 else 0
        if self.direction == "incoming" and self.connected_at is None and 400 <= code < 700:
            prm.statusCode = code  # refusing a call we cannot take: tell the caller why
        try:
            self.hangup(prm)
        except pj.Error as e:
            self.sip.log.warning("hangup failed: %s", e.info())

    # ---- DTMF, transfer ----

    def onDtmfDigit(self, prm: pj.OnDtmfDigitParam) -> None:  # pjsua2 API
        try:
            method = "info" if prm.method == pj.PJSUA_DTMF_METHOD_SIP_INFO else "rfc4733"
            self.sip.emit(DtmfReceived(self.call_id, str(prm.digit), method))
        except Exception:  # never into SWIG
            self.sip.log.exception("onDtmfDigit failed")

    def send_dtmf(self, digits: str) -> str:
        """RFC 4733 when the peer offered telephone-event, else SIP INFO; returns the method."""
        prm = pj.CallSendDtmfParam()
        prm.digits = digits
        prm.method = pj.PJSUA_DTMF_METHOD_RFC2833
        try:
            self.sendDtmf(prm)
            return "rfc4733"
        except pj.Error:
            prm.method = pj.PJSUA_DTMF_METHOD_SIP_INFO
            self.sendDtmf(prm)
            return "info"

    def onCallTransferRequest(self, prm: pj.OnCallTransferRequestParam) -> None:  # pjsua2 API
        """The far end transfers us (REFER): the call to the transfer target is a new
        EngineCall with an id of its own, held by the SipThread like any call. Without it pjsua2
        reuses this object for both calls and the engine segfaulted when the new one ended."""
        try:
            new = EngineCall(self.sip, self.acc, uuid.uuid4().hex[:12], "outgoing")
            new.remote_uri = split_remote(str(prm.dstUri))[1]
            self.sip.calls[new.call_id] = new
            prm.newCall = new
        except Exception:  # never into SWIG
            self.sip.log.exception("onCallTransferRequest failed")

    def onCallTransferStatus(self, prm: pj.OnCallTransferStatusParam) -> None:
        try:
            code = int(prm.statusCode)
            ok = 200 <= code < 300
            sentence = "The call was transferred." if ok else describe_sip_status(code, prm.reason)
            if not prm.finalNotify:
                sentence = "Transferring."
            self.sip.emit(TransferProgressed(self.call_id, code, sentence, bool(prm.finalNotify)))
            if prm.finalNotify and ok:
                prm.cont = False
                self.end_reason = (200, "Transferred", "The call was transferred.")
                self.sip.later(lambda: self.end(200, "Transferred", "The call was transferred."))
        except Exception:  # never into SWIG
            self.sip.log.exception("onCallTransferStatus failed")
