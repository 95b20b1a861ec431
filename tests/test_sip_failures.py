"""Engine failures reach the rep as sentences and the documented exit codes, never as pjsua2
text ("pjsua_call_answer2(...) error: ... (status=170488) [../src/pjsua2/call.cpp:729]").

The case from issue 11: a caller whose offer has IPv6 media only (c=IN IP6, what a stock
Linphone on a dual-stack host sends). The pjsua2 wheel is built without IPv6 (PJ_HAS_IPV6=0:
pjsua_acc_add asserts that IPv6 media and SIP stay disabled), so such a call cannot be
answered; the rep and the caller are told why instead.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from softphone.errors import (
    IPV6_ONLY_SENTENCE,
    EngineError,
    describe_engine_failure,
)
from softphone.protocol import IncomingCall
from tests.needs import needs
from tests.sip_support import engine, free_port, sipp, sipp_result, state

pytestmark = [
    pytest.mark.sip,
    needs("sipp"),  # in CI a missing sipp fails
]

ROOT = Path(__file__).resolve().parent.parent
RAW = re.compile(r"pjsua|pjsip|status=|\.cpp|\(PJ|Traceback|\b1[27]\d{4}\b")  # pj_status_t numbers


def _ipv6_offer(port: int):
    """sipp calling sip:rep@127.0.0.1:port with an SDP of c=IN IP6 ::1 (media on ::1)."""
    return sipp(
        "-s",
        "rep",
        f"127.0.0.1:{port}",
        "-rtp_echo",
        scenario="uac_callerid.xml",
        media_host="::1",
    )


def test_ipv6_only_offer_ends_with_a_sentence_for_rep_and_caller() -> None:
    with engine() as (client, log), _ipv6_offer(client.info.sip_port) as peer:
        inc = log.wait_for(lambda e: isinstance(e, IncomingCall), 5)
        with pytest.raises(EngineError) as err:
            client.answer(inc.call_id)
        assert str(err.value) == IPV6_ONLY_SENTENCE
        end = log.wait_for(state(inc.call_id, "disconnected"), 5)
        assert (end.status_code, end.sentence) == (488, IPV6_ONLY_SENTENCE)
        assert not RAW.search(end.sentence) and not RAW.search(end.reason)
        rc, out = sipp_result(peer)
        assert rc != 0 and "488" in out  # the caller was told: 488 Not Acceptable Here


def test_cli_answer_exits_1_with_the_sentence_on_an_ipv6_only_offer() -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "main.py", "answer", "--port", str(port), "--bind", "127.0.0.1"]
        + ["--wait", "15"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().startswith("Listening on")
        with _ipv6_offer(port):
            out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 1, (out, err)
    assert IPV6_ONLY_SENTENCE in err
    assert not RAW.search(out + err), (out, err)


def test_a_command_pjsua2_refuses_comes_back_as_a_sentence() -> None:
    with engine() as (a, alog), engine() as (b, blog):
        a_id = a.make_call(f"sip:rep@127.0.0.1:{b.info.sip_port}")
        inc = blog.wait_for(lambda e: isinstance(e, IncomingCall), 5)
        alog.wait_for(state(a_id, "ringing"), 5)
        with pytest.raises(EngineError) as err:
            a.hold(a_id)  # pjsua2 cannot hold a call that is still ringing
        assert str(err.value).startswith("The call could not be put on hold")
        assert not RAW.search(str(err.value)), err.value
        b.reject(inc.call_id, 603)
        alog.wait_for(state(a_id, "disconnected"), 5)


@pytest.mark.parametrize(
    ("command", "status", "reason", "sentence"),
    [
        (
            "Answer",
            170488,
            "Not Acceptable Here",
            (
                "The call could not be answered: the other side cannot use any of our audio "
                "codecs or security settings."
            ),
        ),
        ("Hold", 70013, "Invalid operation (PJ_EINVALIDOP)", None),
        ("MakeCall", 171039, "Invalid URI (PJSIP_EINVALIDURI)", None),
        ("Frobnicate", 120001, "Operation not permitted", "The phone engine could not do that."),
    ],
)
def test_pjsua2_statuses_become_sentences(command, status, reason, sentence) -> None:
    text = describe_engine_failure(command, status, reason)
    assert not RAW.search(text) and text.endswith(".")
    if sentence is not None:
        assert text == sentence
