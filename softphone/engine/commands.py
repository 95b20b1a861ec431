"""Turns protocol commands into pjsua2 calls on the SIP thread; errors become sentences."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pjsua2 as pj

from softphone.accounts import AccountError, get_password
from softphone.engine.account import EngineAccount, account_config
from softphone.engine.call import EngineCall, live_calls
from softphone.errors import (
    IPV6_ONLY_SENTENCE,
    EngineError,
    describe_answer_failure,
    describe_sip_status,
    sip_code_of,
)
from softphone.protocol import (
    AddAccount,
    Answer,
    CallStateChanged,
    GetStats,
    Hangup,
    Hold,
    MakeCall,
    PlayFile,
    Reject,
    RemoveAccount,
    ResetStats,
    Resume,
    SendDtmf,
    SetMute,
    Transfer,
)

if TYPE_CHECKING:
    from softphone.engine.sip_thread import SipThread

_DTMF = re.compile(r"^[0-9*#A-Da-d]+$")


class CommandHandler:
    """One method per command; returns the Reply value or raises EngineError."""

    def __init__(self, sip: SipThread) -> None:
        self.sip = sip

    def handle(self, cmd: Any) -> Any:
        method = getattr(self, "_" + type(cmd).__name__, None)
        if method is None:
            raise EngineError(f"The engine does not know the command {type(cmd).__name__}.")
        return method(cmd)

    def _call(self, call_id: str) -> EngineCall:
        call = self.sip.calls.get(call_id)
        if call is None:
            raise EngineError("That call has already ended.")
        return call

    # ---- accounts ----

    def _AddAccount(self, cmd: AddAccount) -> None:
        acct = cmd.account
        try:
            acct.validate()
        except AccountError as e:
            raise EngineError(str(e)) from None
        if acct.id in self.sip.accounts:
            self._RemoveAccount(RemoveAccount(acct.id))
        password = get_password(acct) if acct.register else None
        if acct.register and password is None:
            self.sip.log.warning("no password in keyring for %s", acct.keyring_user)
        acc = EngineAccount(self.sip, acct, acct.id)
        acc.create(account_config(acct, password, self.sip), False)
        self.sip.accounts[acct.id] = acc

    def _RemoveAccount(self, cmd: RemoveAccount) -> None:
        acc = self.sip.accounts.pop(cmd.account_id, None)
        if acc is None:
            raise EngineError(f"There is no account named {cmd.account_id!r}.")
        acc.removing = True
        acc.shutdown()
        self.sip.graveyard.append(acc)

    # ---- calls ----

    def _MakeCall(self, cmd: MakeCall) -> str:
        if cmd.account_id is not None:
            acc = self.sip.accounts.get(cmd.account_id)
            if acc is None:
                raise EngineError(f"There is no account named {cmd.account_id!r}.")
        else:
            acc = self.sip.direct
        call = EngineCall(self.sip, acc, cmd.call_id, "outgoing")
        call.remote_uri = cmd.uri
        self.sip.calls[cmd.call_id] = call
        if cmd.record_path:
            self.sip.media.record(cmd.call_id, cmd.record_path, self.sip.emit)
        try:
            call.makeCall(cmd.uri, pj.CallOpParam(True))
        except pj.Error as e:
            code = 503 if e.status else 500
            sentence = describe_sip_status(code, f"{e.reason} {e.info()}")
            self.sip.emit(
                CallStateChanged(
                    cmd.call_id,
                    "disconnected",
                    code,
                    e.reason or "Call failed",
                    sentence,
                    "outgoing",
                    cmd.uri,
                    call.started_at,
                    None,
                )
            )
            self.sip.call_ended(call)
        return cmd.call_id

    def _Answer(self, cmd: Answer) -> None:
        call = self._call(cmd.call_id)
        if call.ipv6_only_offer and not self.sip.ipv6_media:  # pjsua: 488 and a raw message
            call.local_end = True
            call.end(488, "Not Acceptable Here", IPV6_ONLY_SENTENCE)
            raise EngineError(IPV6_ONLY_SENTENCE)
        if cmd.record_path:
            self.sip.media.record(cmd.call_id, cmd.record_path, self.sip.emit)
        prm = pj.CallOpParam()
        prm.statusCode = pj.PJSIP_SC_OK
        call.answering = True
        try:
            call.answer(prm)
        except pj.Error as e:
            code = sip_code_of(e.status) or 500
            self.sip.log.warning("answer failed: %s", e.info())
            raise EngineError(describe_answer_failure(code)) from None

    def _Reject(self, cmd: Reject) -> None:
        if not 400 <= cmd.code < 700:
            raise EngineError("A call can only be rejected with a 4xx, 5xx or 6xx status.")
        call = self._call(cmd.call_id)
        call.local_end = True
        prm = pj.CallOpParam()
        prm.statusCode = cmd.code
        call.hangup(prm)

    def _Hangup(self, cmd: Hangup) -> None:
        call = self._call(cmd.call_id)
        call.local_end = True
        call.hangup(pj.CallOpParam())

    def _Hold(self, cmd: Hold) -> None:
        self._call(cmd.call_id).setHold(pj.CallOpParam(True))

    def _Resume(self, cmd: Resume) -> None:
        prm = pj.CallOpParam(True)
        prm.opt.flag = pj.PJSUA_CALL_UNHOLD
        self._call(cmd.call_id).reinvite(prm)

    def _SetMute(self, cmd: SetMute) -> None:
        self.sip.media.set_muted(cmd.muted)

    def _SendDtmf(self, cmd: SendDtmf) -> str:
        if not _DTMF.match(cmd.digits):
            raise EngineError(f"{cmd.digits!r} is not a DTMF sequence (0-9, *, #, A-D).")
        return self._call(cmd.call_id).send_dtmf(cmd.digits.upper())

    def _Transfer(self, cmd: Transfer) -> None:
        self._call(cmd.call_id).xfer(cmd.uri, pj.CallOpParam(True))

    def _PlayFile(self, cmd: PlayFile) -> None:
        """The caller knows the file's length and hangs up when it has played."""
        call = self._call(cmd.call_id)
        if call.audio_idx < 0:
            raise EngineError("The call has no audio yet, so nothing can be played into it.")
        media = call.getAudioMedia(call.audio_idx)
        player = pj.AudioMediaPlayer()
        try:
            player.createPlayer(cmd.wav_path, pj.PJMEDIA_FILE_NO_LOOP)
        except pj.Error as e:
            raise EngineError(f"The file {cmd.wav_path} cannot be played: {e.reason}.") from None
        if self.sip.media.port is not None:
            self.sip.media.port.stopTransmit(media)  # the rep's microphone leaves this call
        player.startTransmit(media)
        call.player = player  # alive as long as the call; dropped with it on the SIP thread

    def _GetStats(self, cmd: GetStats) -> dict:
        stats = self.sip.media.stats()
        stats["calls"] = len(self.sip.calls)
        stats["call_objects"] = len(live_calls())  # pjsua2 Calls Python still holds
        stats["accounts"] = {k: a.registered for k, a in self.sip.accounts.items()}
        stats["streams"] = {cid: c.stream_stats() for cid, c in self.sip.calls.items()}
        return stats

    def _ResetStats(self, cmd: ResetStats) -> None:
        self.sip.media.reset_stats()
