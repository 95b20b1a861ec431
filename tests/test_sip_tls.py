"""SIP over TLS between two engines: the server certificate is verified by default (an
unknown CA fails the call with a clear sentence), and with the CA configured the call
connects, with SRTP keys exchanged over the TLS signalling."""

from __future__ import annotations

import subprocess

import pytest

from softphone.protocol import CallMediaChanged, IncomingCall
from tests.needs import needs
from tests.sip_support import engine, state

pytestmark = [
    pytest.mark.sip,
    needs("openssl"),
]


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Call Coach Test CA",
    )
    run(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "srv.key",
        "-out",
        "srv.csr",
        "-subj",
        "/CN=127.0.0.1",
    )
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run(
        "x509",
        "-req",
        "-in",
        "srv.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "srv.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    )
    return d


def test_tls_verifies_the_server_certificate_by_default(certs) -> None:
    server = {"tls_cert_file": str(certs / "srv.pem"), "tls_key_file": str(certs / "srv.key")}
    with engine(transports=("udp", "tls"), **server) as (b, blog):
        uri = f"sip:desk@127.0.0.1:{b.info.transports['tls']};transport=tls"
        with engine(transports=("udp", "tls")) as (a, alog):  # no CA given: must refuse
            call_id = a.make_call(uri)
            end = alog.wait_for(state(call_id, "disconnected"), 10)
            assert end.status_code == 503 and "ECERTVERIF" in end.reason
            assert end.sentence.startswith("The secure connection failed")
            assert not blog.of(IncomingCall)
        with engine(
            transports=("udp", "tls"), tls_ca_file=str(certs / "ca.pem"), srtp="mandatory"
        ) as (a, alog):
            call_id = a.make_call(uri)
            inc = blog.wait_for(lambda e: isinstance(e, IncomingCall), 5)
            b.answer(inc.call_id)
            alog.wait_for(state(call_id, "connected"), 5)
            media = alog.wait_for(lambda e: isinstance(e, CallMediaChanged), 5)
            # the first default codec both ends have: Opus on the built stack, else G.722
            assert media.srtp and media.codec.startswith(("opus/", "G722/16000")), media
            a.hangup(call_id)
            alog.wait_for(state(call_id, "disconnected"), 5)
