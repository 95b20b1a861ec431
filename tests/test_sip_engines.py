"""Two (or three) real engine processes talking to each other on loopback: hold/resume,
RFC 4733 DTMF, mute and the audio taps, blind transfer, a peer that vanishes mid-call, an
engine killed with SIGKILL and restarted, and a shutdown with a call up that does not hang."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

from softphone.protocol import (
    CallMediaChanged,
    CallStateChanged,
    DtmfReceived,
    EngineCrashed,
    IncomingCall,
    TransferProgressed,
)
from tests.sip_support import correlation, engine, state, voice_a_fixture  # noqa: F401

pytestmark = pytest.mark.sip


def _connect(a, alog, b, blog, **kw) -> tuple[str, str]:
    """A calls B, B answers; returns (A's call id, B's call id)."""
    seen = {id(e) for e in blog.of(IncomingCall)}
    a_id = a.make_call(f"sip:rep@127.0.0.1:{b.info.sip_port}", **kw)
    inc = blog.wait_for(lambda e: isinstance(e, IncomingCall) and id(e) not in seen, 5)
    b.answer(inc.call_id)
    alog.wait_for(state(a_id, "connected"), 5)
    blog.wait_for(state(inc.call_id, "connected"), 5)
    return a_id, inc.call_id


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2))) if len(x) else 0.0


def test_hold_resume_and_rfc4733_dtmf() -> None:
    with engine() as (a, alog), engine() as (b, blog):
        a_id, b_id = _connect(a, alog, b, blog)
        a.hold(a_id)
        alog.wait_for(state(a_id, "held"), 5)
        a.resume(a_id)
        alog.wait_for(
            lambda e: (
                isinstance(e, CallStateChanged)
                and e.call_id == a_id
                and e.state == "connected"
                and e.sentence == "The call is back from hold."
            ),
            5,
        )
        assert a.send_dtmf(a_id, "15#") == "rfc4733"
        blog.wait_for(lambda e: isinstance(e, DtmfReceived) and e.digit == "#", 5)
        digits = [e for e in blog.of(DtmfReceived) if e.call_id == b_id]
        assert "".join(d.digit for d in digits) == "15#"
        assert {d.method for d in digits} == {"rfc4733"}
        a.hangup(a_id)
        end = blog.wait_for(state(b_id, "disconnected"), 5)
        assert end.sentence == "The other side hung up."


def test_mute_silences_what_the_far_end_hears_and_taps_carry_audio(voice_a) -> None:
    path, samples = voice_a
    with (
        engine(audio="file", play_file=str(path), loop_play=True) as (a, alog),
        engine() as (b, blog),
    ):
        heard = b.open_tap("prospect")
        said = a.open_tap("rep")
        a_id, _ = _connect(a, alog, b, blog)
        time.sleep(1.5)
        live = heard.read()
        a.set_mute(True)
        time.sleep(0.3)
        heard.read()  # drop the frames in flight when mute took effect
        time.sleep(1.0)
        muted = heard.read()
        a.set_mute(False)
        rep = said.read()
        a.hangup(a_id)
        assert _rms(live) > 300 and _rms(muted) < 5, (_rms(live), _rms(muted))
        _, corr = correlation(samples[:16000], live)
        assert corr > 0.9, corr  # what B's prospect tap got is A's file, through the call
        assert correlation(samples[:16000], rep)[1] > 0.99
        assert heard.lost == 0


def test_blind_transfer_hands_the_call_over() -> None:
    with engine() as (a, alog), engine() as (b, blog), engine() as (c, clog):
        a_id, b_id = _connect(a, alog, b, blog)
        a.transfer(a_id, f"sip:desk@127.0.0.1:{c.info.sip_port}")
        inc = clog.wait_for(lambda e: isinstance(e, IncomingCall), 5)
        c.answer(inc.call_id)
        final = alog.wait_for(lambda e: isinstance(e, TransferProgressed) and e.final, 5)
        assert final.status_code == 200
        end = alog.wait_for(state(a_id, "disconnected"), 5)
        assert end.sentence == "The call was transferred."
        clog.wait_for(state(inc.call_id, "connected"), 5)  # B and C now talk
        # the transferee's call to C is a call of its own: it ends cleanly, B lives on
        # (pjsua2 reused B's first Call object for it and B segfaulted when it ended)
        new = blog.wait_for(lambda e: isinstance(e, CallStateChanged) and e.state == "connected"
                            and e.call_id != b_id, 5)  # fmt: skip
        c.hangup(inc.call_id)
        end = blog.wait_for(state(new.call_id, "disconnected"), 5)
        assert end.sentence == "The other side hung up."
        time.sleep(0.5)
        assert b.running and not blog.of(EngineCrashed)
        _, b2 = _connect(a, alog, b, blog)  # and takes the next call
        b.hangup(b2)


def test_peer_vanishing_mid_call_ends_the_call_within_the_media_timeout() -> None:
    with engine(media_timeout_s=2.0) as (a, alog), engine() as (b, blog):
        a_id, _ = _connect(a, alog, b, blog)
        time.sleep(0.5)
        t0 = time.monotonic()
        os.kill(b.pid, signal.SIGKILL)  # no BYE, no more RTP: the far end is just gone
        end = alog.wait_for(state(a_id, "disconnected"), 6)
        took = time.monotonic() - t0
        assert end.status_code == 408 and "no audio came from the other side" in end.sentence
        assert 1.5 < took < 4.0, took
        crashed = blog.wait_for(lambda e: isinstance(e, EngineCrashed), 5)
        assert "signal 9" in crashed.reason and crashed.exitcode == -9

        b.start()  # the app starts a new engine and carries on
        _, b_id = _connect(a, alog, b, blog)
        b.hangup(b_id)
        blog.wait_for(state(b_id, "disconnected"), 5)


def test_stop_with_a_call_up_hangs_up_and_returns_quickly() -> None:
    with engine() as (b, blog):
        with engine() as (a, alog):
            _, b_id = _connect(a, alog, b, blog)
            pid = a.pid
            t0 = time.monotonic()
            a.stop()
            assert time.monotonic() - t0 < 5
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
        end = blog.wait_for(state(b_id, "disconnected"), 5)
        assert end.sentence == "The other side hung up."


def test_stop_kills_an_engine_that_does_not_answer() -> None:
    with engine() as (a, _):
        pid = a.pid
        os.kill(pid, signal.SIGSTOP)  # wedged: it can neither answer nor exit
        t0 = time.monotonic()
        a.stop(timeout=1.0)
        assert time.monotonic() - t0 < 6
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_srtp_optional_falls_back_and_mandatory_refuses_a_plain_peer() -> None:
    with engine(srtp="disabled") as (b, blog), engine(srtp="optional") as (a, alog):
        a_id, _ = _connect(a, alog, b, blog)
        media = alog.wait_for(lambda e: isinstance(e, CallMediaChanged) and e.call_id == a_id)
        assert media.srtp is False  # optional: plain RTP with a peer that has no SRTP
        a.hangup(a_id)
        alog.wait_for(state(a_id, "disconnected"), 5)
    with engine(srtp="disabled") as (b, blog), engine(srtp="mandatory") as (a, alog):
        a_id = a.make_call(f"sip:rep@127.0.0.1:{b.info.sip_port}")
        end = alog.wait_for(state(a_id, "disconnected"), 5)
        assert end.status_code == 488 and "security settings" in end.sentence
