"""Fast checks of the softphone core's pure parts: dial-string normalisation, SIP status
sentences, account settings, the protocol's picklability, and listener isolation."""

from __future__ import annotations

import pickle

import pytest

from softphone.accounts import AccountConfig, AccountError
from softphone.client import EngineClient, EventLog
from softphone.errors import InvalidUri, describe_sip_status
from softphone.numbers import SipUri, e164, normalise, normalize_uri
from softphone.protocol import CallStateChanged, EngineConfig, MakeCall, Request


@pytest.mark.parametrize(
    ("text", "domain", "expected"),
    [
        ("sip:alice@127.0.0.1:5070", None, "sip:alice@127.0.0.1:5070"),
        ("SIP:alice@example.com", None, "sip:alice@example.com"),
        ("alice@example.com", None, "sip:alice@example.com"),
        ("sips:bob@example.com;transport=tls", None, "sips:bob@example.com;transport=tls"),
        ("(415) 555-0100", "pbx.example.com", "sip:+14155550100@pbx.example.com;user=phone"),
        ("tel:+44 20 7946 0958", "pbx.example.com", "sip:+442079460958@pbx.example.com;user=phone"),
        ("1001", "pbx.example.com", "sip:1001@pbx.example.com"),
        ("sip:a@[::1]:5060", None, "sip:a@[::1]:5060"),
    ],
)
def test_dial_strings_become_sip_uris(text, domain, expected) -> None:
    assert normalize_uri(text, domain) == expected


@pytest.mark.parametrize(
    "text", ["", "   ", "sip:", "sip:a@b c", "mailto:a@b", "sip:a@[zz::1]", "1001", "abc"]
)
def test_bad_dial_strings_raise_one_sentence(text) -> None:
    with pytest.raises(InvalidUri) as err:
        normalize_uri(text)
    msg = str(err.value)
    assert msg.endswith(".") and "\n" not in msg and len(msg) < 140


def test_a_dial_is_normalised_once() -> None:
    """What the dialer or normalize_uri built is a SipUri: normalising it again is a no-op,
    and the dialer's reading and the client's agree on the URI."""
    uri = normalize_uri("(415) 555-0100", "pbx.example.com")
    assert isinstance(uri, SipUri) and normalize_uri(uri) is uri
    target = normalise("(415) 555-0100", "US")
    dialled = target.uri("pbx.example.com")
    assert isinstance(dialled, SipUri) and dialled == "sip:+14155550100@pbx.example.com"
    assert normalize_uri(dialled) is dialled
    assert normalise("sip:a@300.1.1.1").sentence.endswith("is not a valid IP address.")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("(415) 555-0100", "+14155550100"), ("+44 20 7946 0958", "+442079460958")],
)
def test_list_cells_become_e164(cell, expected) -> None:
    assert e164(cell, "US") == expected


@pytest.mark.parametrize("cell", ["555-1234", "abc", "+1 000 000 0000"])
def test_list_cells_that_cannot_be_dialled_raise_a_value_error(cell) -> None:
    with pytest.raises(ValueError, match="phone number"):
        e164(cell, "US")


@pytest.mark.parametrize(
    ("code", "reason", "fragment"),
    [
        (486, "Busy Here", "The line is busy."),
        (404, "Not Found", "does not exist"),
        (480, "Temporarily Unavailable", "not available"),
        (503, "Service Unavailable", "unavailable"),
        (408, "Request Timeout", "did not answer in time"),
        (403, "Forbidden", "user name or password"),
        (401, "Unauthorized", "user name or password"),
        (503, "Connection refused", "could not be reached"),
        (502, "Unable to resolve host", "host name could not be found"),
        (599, "Weird", "failed to handle"),
    ],
)
def test_sip_statuses_become_sentences(code, reason, fragment) -> None:
    assert fragment in describe_sip_status(code, reason)


def test_account_settings_are_validated_and_hold_no_secret() -> None:
    acct = AccountConfig(
        id="work",
        registrar="pbx.example.com:5061",
        user="alice",
        transport="tls",
        outbound_proxy="proxy.example.com",
    )
    acct.validate()
    assert acct.registrar_uri() == "sip:pbx.example.com:5061;transport=tls"
    assert acct.proxy_uri() == "sip:proxy.example.com;transport=tls;lr"
    assert acct.keyring_user == "alice@pbx.example.com"
    assert "password" not in repr(acct).lower()
    with pytest.raises(AccountError, match="user name"):
        AccountConfig(id="x", registrar="pbx", user="al ice").validate()
    with pytest.raises(AccountError, match="registrar"):
        AccountConfig(id="x", registrar="pbx/../", user="alice").validate()


def test_protocol_messages_survive_pickling() -> None:
    for msg in (
        Request(1, MakeCall("c1", "sip:a@b")),
        EngineConfig(srtp="mandatory"),
        CallStateChanged(
            "c1", "connected", 200, "OK", "Connected.", "outgoing", "sip:a@b", 1.0, 2.0
        ),
    ):
        assert pickle.loads(pickle.dumps(msg)) == msg


def test_a_listener_that_raises_is_logged_and_the_others_still_hear(caplog) -> None:
    client = EngineClient()
    log = EventLog()

    def broken(_event) -> None:
        raise RuntimeError("listener bug")

    client.add_listener(broken)
    client.add_listener(log)
    event = CallStateChanged("c1", "calling", 0, "", "Calling.", "outgoing", "sip:a@b", 0.0)
    client._call_listeners(event)  # the event thread's own entry point
    assert log.events == [event]
    assert "listener bug" in caplog.text


@pytest.mark.parametrize("bad", [7, 0, 20, -5, "5", 5.0, True])
def test_a_device_block_other_than_10_or_5_ms_is_refused_with_one_sentence(bad) -> None:
    with pytest.raises(ValueError) as err:
        EngineConfig(audio_block_ms=bad)
    assert str(err.value).startswith("The audio buffer must be 10 ms or 5 ms, not ")
    assert str(err.value).endswith(" ms.") and "\n" not in str(err.value)  # one sentence
    assert EngineConfig(audio_block_ms=5).audio_block_ms == 5
    assert EngineConfig().audio_block_ms == 10  # the steady default stays


@pytest.mark.parametrize("command", ["call", "answer"])
def test_cli_audio_block_option_refuses_a_bad_value_before_any_engine(command) -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    args = ["sip:far@127.0.0.1:9"] if command == "call" else ["--port", "0"]
    out = subprocess.run(
        [sys.executable, "main.py", command, *args, "--audio-block-ms", "7"],
        check=False, cwd=root, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 2, out
    assert out.stderr.strip() == "The audio buffer must be 10 ms or 5 ms, not 7 ms."
