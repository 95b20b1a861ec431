"""The SIP engine against real sipp peers: answered, busy and unavailable calls, unreachable
hosts, malformed URIs, incoming calls with caller ID, and DTMF falling back to SIP INFO."""

from __future__ import annotations

import time

import pytest

from softphone.errors import InvalidUri
from softphone.protocol import CallMediaChanged, CallStateChanged, IncomingCall
from tests.needs import needs
from tests.sip_support import engine, free_port, sipp, sipp_result, state

pytestmark = [pytest.mark.sip, needs("sipp")]


@pytest.fixture(scope="module")
def eng():
    with engine() as (client, log):
        yield client, log


def test_answered_call_connects_then_hangs_up(eng) -> None:
    client, log = eng
    with sipp("-sn", "uas", "-rtp_echo") as peer:
        call_id = client.make_call(f"sip:service@127.0.0.1:{peer['port']}")
        log.wait_for(state(call_id, "ringing"), 5)
        connected = log.wait_for(state(call_id, "connected"), 5)
        assert connected.direction == "outgoing" and connected.connected_at is not None
        media = log.wait_for(lambda e: isinstance(e, CallMediaChanged) and e.call_id == call_id)
        assert media.codec == "PCMU/8000"  # sipp's SDP offers only PCMU
        time.sleep(1.0)
        stats = client.stats()
        assert stats["port"]["received"]["frames"] > 20  # RTP echoed back reached the port
        client.hangup(call_id)
        end = log.wait_for(state(call_id, "disconnected"), 5)
        assert end.sentence == "You hung up."
        code, err = sipp_result(peer)
        assert code == 0, err


@pytest.mark.parametrize(
    ("code", "reason", "sentence"),
    [
        (486, "Busy Here", "The line is busy."),
        (503, "Service Unavailable", "The service is unavailable right now."),
        (404, "Not Found", "That number or address does not exist."),
        (480, "Temporarily Unavailable", "The person is not available right now."),
    ],
)
def test_rejected_call_carries_status_and_sentence(eng, code, reason, sentence) -> None:
    client, log = eng
    subst = {"code": code, "reason": reason}
    with sipp(scenario="uas_reject.xml", subst=subst) as peer:
        call_id = client.make_call(f"sip:service@127.0.0.1:{peer['port']}")
        end = log.wait_for(state(call_id, "disconnected"), 5)
        assert (end.status_code, end.reason, end.sentence) == (code, reason, sentence)
        assert end.connected_at is None
        rc, err = sipp_result(peer)
        assert rc == 0, err


def test_unreachable_udp_host_fails_with_a_sentence(eng) -> None:
    client, log = eng
    port = free_port()  # nothing listens there: the INVITE goes unanswered
    t0 = time.monotonic()
    call_id = client.make_call(f"sip:nobody@127.0.0.1:{port}")
    end = log.wait_for(state(call_id, "disconnected"), 10)
    assert end.status_code == 408
    assert "unreachable" in end.sentence
    assert time.monotonic() - t0 < 6  # no_response_timeout_s=3 in the test config


def test_refused_tcp_connection_fails_fast(eng) -> None:
    client, log = eng
    port = free_port()
    call_id = client.make_call(f"sip:nobody@127.0.0.1:{port};transport=tcp")
    end = log.wait_for(state(call_id, "disconnected"), 5)
    assert end.status_code in (408, 503)
    assert "could not be reached" in end.sentence or "unreachable" in end.sentence


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "Enter a phone number"),
        ("sip:bob@999.1.1.1", "not a valid IP address"),
        ("sip:@example.com", "not a valid SIP address"),
        ("http://example.com", "only sip:, sips: and tel:"),
        ("sip:bob@example.com:99999", "out of range"),
        ("sip:bob:secret@example.com", "password"),
        ("bob smith", "spaces"),
        ("+1 415 555", "wrong number of digits"),
        ("+1 415 555 0100", "needs a SIP account"),
    ],
)
def test_malformed_uri_is_refused_before_anything_is_sent(eng, text, fragment) -> None:
    client, log = eng
    before = len(log.events)
    with pytest.raises(InvalidUri, match=fragment):
        client.make_call(text)
    time.sleep(0.1)
    assert not [e for e in log.events[before:] if isinstance(e, CallStateChanged)]


def test_incoming_call_shows_caller_id_and_is_answered(eng) -> None:
    client, log = eng
    port = client.info.sip_port
    before = len(log.of(IncomingCall))
    with sipp("-s", "rep", f"127.0.0.1:{port}", "-rtp_echo", scenario="uac_callerid.xml") as peer:
        incoming = log.wait_for(
            lambda e: isinstance(e, IncomingCall) and e not in log.of(IncomingCall)[:before], 5
        )
        assert incoming.display_name == "Pat Prospect"
        assert incoming.remote_uri.startswith("sip:+14155550100@127.0.0.1")
        client.answer(incoming.call_id)
        log.wait_for(state(incoming.call_id, "connected"), 5)
        end = log.wait_for(state(incoming.call_id, "disconnected"), 10)
        assert end.sentence == "The other side hung up." and end.direction == "incoming"
        rc, err = sipp_result(peer)
        assert rc == 0, err


def test_incoming_call_rejected_as_busy(eng) -> None:
    client, log = eng
    port = client.info.sip_port
    seen = {id(e) for e in log.of(IncomingCall)}
    with sipp("-s", "rep", f"127.0.0.1:{port}", scenario="uac_rejected.xml") as peer:
        incoming = log.wait_for(lambda e: isinstance(e, IncomingCall) and id(e) not in seen, 5)
        client.reject(incoming.call_id, 486)
        end = log.wait_for(state(incoming.call_id, "disconnected"), 5)
        assert end.sentence == "You declined the call."
        rc, err = sipp_result(peer)
        assert rc == 0, err  # sipp saw 486 Busy Here


def test_dtmf_falls_back_to_sip_info_without_telephone_event(eng) -> None:
    client, log = eng
    with sipp("-rtp_echo", scenario="uas_answer.xml", subst={"digit": "7"}) as peer:
        call_id = client.make_call(f"sip:service@127.0.0.1:{peer['port']}")
        log.wait_for(state(call_id, "connected"), 5)
        time.sleep(0.2)
        assert client.send_dtmf(call_id, "7") == "info"
        time.sleep(0.5)
        client.hangup(call_id)
        log.wait_for(state(call_id, "disconnected"), 5)
        rc, err = sipp_result(peer)
        assert rc == 0, err  # sipp checked "Signal=7" in the INFO body


def test_cli_call_exits_with_the_outcome() -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent

    def call(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "main.py", "call", *args, "--bind", "127.0.0.1"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    bad = call("sip:bob@999.1.1.1")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip() == "'999.1.1.1' in 'sip:bob@999.1.1.1' is not a valid IP address."
    missing = call("sip:bob@127.0.0.1", "--play", "/nonexistent.wav")
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    with sipp(scenario="uas_reject.xml", subst={"code": 486, "reason": "Busy Here"}) as peer:
        busy = call(f"sip:service@127.0.0.1:{peer['port']}")
    assert busy.returncode == 1
    assert busy.stdout.strip() == "Call failed: 486 Busy Here - The line is busy."
