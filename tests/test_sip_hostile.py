"""Hostile SIP at a listening engine, over UDP and TCP on loopback: RFC 4475-style torture
messages and garbage (tests/sip_torture.py), out-of-dialog requests the rep's phone does not
serve, and bursts of INVITEs the rep declines. The engine must stay up, answer what RFC 3261
says it should (481 for a stray BYE/INFO/NOTIFY/PRACK/UPDATE, 405 with Allow for REGISTER,
PUBLISH, REFER, 501 for an unknown method: softphone/engine/unhandled.py), and then take a
real call with audio that lasts and ends normally."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest

from softphone.errors import EngineError
from softphone.protocol import EngineCrashed, IncomingCall
from tests.needs import needs
from tests.sip_support import (
    chunk_similarity,
    engine,
    sipp,
    sipp_result,
    state,
    voice_a_fixture,  # noqa: F401
)
from tests.sip_torture import OUT_OF_DIALOG, RawPeer, request, status_codes, torture

pytestmark = [pytest.mark.sip]

CALL_S = 3.0  # how long each real call after the abuse must stay up


def _alive(client) -> bool:
    return client._proc is not None and client._proc.poll() is None


def _decline_all_ringing(client, log, done: set[str]) -> None:
    """Decline every incoming call the abuse made ring (torture INVITEs are real INVITEs)."""
    for inc in log.of(IncomingCall):
        if inc.call_id not in done:
            done.add(inc.call_id)
            with contextlib.suppress(EngineError):  # it may be gone already (CANCEL, timeout)
                client.reject(inc.call_id, 486)


def _real_call_with_audio(listener, llog, voice) -> None:
    """A second engine plays a voice into a call to `listener`, which answers; the call must
    carry that voice, last CALL_S and end normally when the caller hangs up."""
    path, samples = voice
    with engine(audio="file", play_file=str(path), loop_play=True) as (b, blog):
        heard = listener.open_tap("prospect")
        seen = {e.call_id for e in llog.of(IncomingCall)}
        b_id = b.make_call(f"sip:rep@127.0.0.1:{listener.info.sip_port}")
        inc = llog.wait_for(lambda e: isinstance(e, IncomingCall) and e.call_id not in seen, 5)
        listener.answer(inc.call_id)
        blog.wait_for(state(b_id, "connected"), 5)
        llog.wait_for(state(inc.call_id, "connected"), 5)
        heard.read()
        time.sleep(CALL_S)
        got = heard.read()
        early = [e for e in llog.events if state(inc.call_id, "disconnected")(e)]
        assert not early, f"the call ended early: {early}"
        sims = chunk_similarity(samples[: len(samples) // 2], got)
        assert sims and sorted(sims)[len(sims) // 2] > 0.8, sims  # the voice came through
        b.hangup(b_id)
        end = llog.wait_for(state(inc.call_id, "disconnected"), 5)
        assert end.sentence == "The other side hung up."


def test_torture_garbage_and_out_of_dialog_requests_leave_the_engine_up_and_answering(
    voice_a,
) -> None:
    answers: dict[str, dict[str, list[int]]] = {}
    with engine() as (a, alog):
        port = a.info.sip_port
        target = f"sip:rep@127.0.0.1:{port}"
        declined: set[str] = set()
        for transport in ("udp", "tcp"):
            peer = RawPeer(transport, port)
            try:
                # out-of-dialog requests: as RFC 3261 expects
                got = answers[transport] = {}
                for method, expected in OUT_OF_DIALOG.items():
                    uri = f"sip:127.0.0.1:{port}" if method == "REGISTER" else target
                    codes = status_codes(
                        peer.send(request(method, uri, transport, peer.local), 1.0)
                    )
                    got[method] = codes
                    assert codes and codes[-1] in expected, (transport, method, codes)
                for method in ("BYE", "INFO", "NOTIFY", "UPDATE", "PRACK"):  # with a To tag
                    msg = request(method, target, transport, peer.local, to_tag=True)
                    codes = status_codes(peer.send(msg, 1.0))
                    assert codes == [481], (transport, method, "to-tag", codes)
                # ACK is never answered
                assert peer.send(request("ACK", target, transport, peer.local), 0.3) == b""

                messages = torture(target, transport, peer.local)
                assert len(messages) >= 40
                for name, data in messages:
                    reply = peer.send(data, 0.1, fresh=transport == "tcp")
                    got[name] = status_codes(reply)
                    assert _alive(a), f"the engine died on {transport} {name!r}"
                    assert all(100 <= c < 700 for c in got[name]), (name, got[name])
            finally:
                peer.close()
            time.sleep(0.5)
            _decline_all_ringing(a, alog, declined)
        # the torture INVITEs that parsed rang the rep's phone; each is declined and ends
        time.sleep(0.5)
        _decline_all_ringing(a, alog, declined)
        assert not alog.of(EngineCrashed)
        assert _alive(a)
        # still answers the plain things
        peer = RawPeer("udp", port)
        assert status_codes(peer.send(request("OPTIONS", target, "udp", peer.local), 1.0)) == [200]
        peer.close()

        _real_call_with_audio(a, alog, voice_a)
        proc = a._proc
    assert proc.returncode == 0, proc.returncode  # a clean shutdown, no abort at exit
    # what the engine answered today, in the test log (-rA / -s shows it)
    for transport, got in answers.items():
        print(transport, {m: got[m] for m in OUT_OF_DIALOG})


def _auto_decliner(client, log, stop: threading.Event, declined: list[str]) -> threading.Thread:
    """A thread that declines (486) every call from the sipp burst as it rings."""

    def run() -> None:
        done: set[str] = set()
        while not stop.is_set():
            for inc in log.of(IncomingCall):
                if inc.call_id in done or "+14155550100" not in inc.remote_uri:
                    continue
                done.add(inc.call_id)
                with contextlib.suppress(EngineError):  # sipp may have given up on it
                    client.reject(inc.call_id, 486)
                    declined.append(inc.call_id)
            stop.wait(0.02)

    t = threading.Thread(target=run, name="decliner", daemon=True)
    t.start()
    return t


@needs("sipp")
def test_bursts_of_declined_invites_between_normal_calls(voice_a) -> None:
    with engine() as (a, alog):
        port = a.info.sip_port
        _real_call_with_audio(a, alog, voice_a)
        for burst in range(2):
            stop, declined = threading.Event(), []
            t = _auto_decliner(a, alog, stop, declined)
            try:
                # 20 INVITEs at 20 per second, up to 5 ringing at once: each must get 486
                with sipp(
                    "-s", "rep", f"127.0.0.1:{port}", "-m", "20", "-r", "20", "-l", "5",
                    scenario="uac_rejected.xml",
                ) as peer:  # fmt: skip
                    rc, err = sipp_result(peer, timeout=40)
            finally:
                stop.set()
                t.join(5)
            assert rc == 0, err  # sipp saw 486 Busy Here for every one of the 20
            assert len(declined) == 20, (burst, len(declined))
            for call_id in declined:
                alog.wait_for(state(call_id, "disconnected"), 5)
            assert _alive(a) and not alog.of(EngineCrashed)
            _real_call_with_audio(a, alog, voice_a)  # a normal call after each burst
