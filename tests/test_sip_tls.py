"""SIP over TLS between two engines: the server certificate is verified by default (an
unknown CA fails the call with a clear sentence), and with the CA configured the call
connects, with SRTP keys exchanged over the TLS signalling. On the built stack (OpenSSL 3):
the app's listener negotiates TLS 1.3, a TLS-1.3-only peer is called with SRTP (SDES keys
only over TLS) and speech crosses both ways, and such keys are refused over plain UDP."""

from __future__ import annotations

import subprocess
import time

import numpy as np
import pytest
import soundfile

from softphone.protocol import (
    CallMediaChanged,
    CallStateChanged,
    IncomingCall,
    TlsConnectionEstablished,
)
from tests.needs import needs
from tests.sip_support import (  # noqa: F401
    BUILT,
    chunk_similarity,
    engine,
    state,
    voice_a_fixture,
    voice_b_fixture,
)

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


# ---- TLS 1.3 (the built stack: OpenSSL 3) ---------------------------------------------------


def _s_client(port: int, *args: str) -> str:
    """One handshake with `openssl s_client` against 127.0.0.1:port; its whole output."""
    out = subprocess.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-brief", *args],
        input="",
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    return out.stdout + out.stderr


def test_the_reported_tls_version_comes_from_the_negotiated_suite() -> None:
    """pjsip's TlsInfo.protocol is the configured set (TLS 1.2 | 1.3), not what was agreed."""
    import pjsua2 as pj

    from softphone.engine.endpoint import tls_connection_event

    info = pj.TlsInfo()
    info.protocol = pj.PJ_SSL_SOCK_PROTO_TLS1_2 | pj.PJ_SSL_SOCK_PROTO_TLS1_3
    info.cipher = 0x001302  # TLS_AES_256_GCM_SHA384
    assert tls_connection_event(info).protocol == "TLSv1.3"
    info.cipher = 0x00C030  # ECDHE-RSA-AES256-GCM-SHA384
    assert tls_connection_event(info).protocol == "TLSv1.2"


@BUILT
def test_the_app_listener_negotiates_tls13_by_default(certs) -> None:
    """pjsua2's default protocol set is TLS 1.0-1.2 and it overrides the method: the engine
    must ask for 1.2 + 1.3 itself, or a TLS-1.3-only phone system is unreachable."""
    server = {"tls_cert_file": str(certs / "srv.pem"), "tls_key_file": str(certs / "srv.key")}
    with engine(transports=("udp", "tls"), **server) as (b, _):
        port = b.info.transports["tls"]
        assert "Protocol version: TLSv1.3" in _s_client(port, "-CAfile", str(certs / "ca.pem"))
        assert "Protocol version: TLSv1.2" in _s_client(port, "-tls1_2")
        assert "Protocol version: TLSv1.1" not in _s_client(port, "-tls1_1")


@BUILT
@needs("flite")
def test_tls13_only_peer_srtp_call_with_audio_both_ways(certs, tmp_path, voice_a, voice_b) -> None:
    """The far end accepts TLS 1.3 only (checked with s_client: a TLS 1.2 handshake fails); the
    app calls it over TLS with SRTP mandatory and SDES keys accepted only over TLS: both
    sides report TLSv1.3, the media is SRTP, and speech crosses both ways."""
    (a_wav, a), (b_wav, b) = voice_a, voice_b
    rec_a, rec_b = tmp_path / "rep.wav", tmp_path / "far.wav"
    server = {"tls_cert_file": str(certs / "srv.pem"), "tls_key_file": str(certs / "srv.key")}
    secure = {"srtp": "mandatory", "srtp_keys_only_over_tls": True, "codecs": ("G722/16000",)}
    with engine(transports=("udp", "tls"), tls_min_version="1.3", **server, **secure) as (
        far,
        flog,
    ):
        port = far.info.transports["tls"]
        assert "Protocol version: TLSv1.3" in _s_client(port, "-CAfile", str(certs / "ca.pem"))
        refused = _s_client(port, "-tls1_2")
        assert "Protocol version: TLSv1.2" not in refused and "alert" in refused.lower(), refused
        with engine(transports=("udp", "tls"), tls_ca_file=str(certs / "ca.pem"), **secure) as (
            rep,
            rlog,
        ):
            call_id = rep.make_call(
                f"sip:far@127.0.0.1:{port};transport=tls", record_path=str(rec_a)
            )
            inc = flog.wait_for(lambda e: isinstance(e, IncomingCall), 10)
            far.answer(inc.call_id, record_path=str(rec_b))
            rlog.wait_for(state(call_id, "connected"), 10)
            flog.wait_for(state(inc.call_id, "connected"), 10)
            for log in (rlog, flog):
                tls = log.wait_for(lambda e: isinstance(e, TlsConnectionEstablished), 5)
                assert tls.protocol == "TLSv1.3" and tls.cipher.startswith("TLS_"), tls
            rep_tls = rlog.of(TlsConnectionEstablished)[0]
            assert rep_tls.verified, rep_tls  # the app checked the far end's certificate
            for log in (rlog, flog):
                media = log.wait_for(lambda e: isinstance(e, CallMediaChanged), 5)
                assert media.srtp and media.tls and media.codec.startswith("G722"), media
            rep.play_file(call_id, str(a_wav))
            far.play_file(inc.call_id, str(b_wav))
            time.sleep(3.6)
            rep.hangup(call_id)
            rlog.wait_for(state(call_id, "disconnected"), 5)
            flog.wait_for(state(inc.call_id, "disconnected"), 5)
            time.sleep(0.5)  # the recorders' last write
    rep_rec, _ = soundfile.read(rec_a, dtype="int16")
    far_rec, _ = soundfile.read(rec_b, dtype="int16")
    a, b = a[: 16000 * 3], b[: 16000 * 3]
    for name, src, got in (("rep->far", a, far_rec[:, 1]), ("far->rep", b, rep_rec[:, 1])):
        sims = np.array(chunk_similarity(src, got))
        assert len(sims) >= 4, name
        assert np.median(sims) > 0.95 and np.mean(sims > 0.8) >= 0.75, (name, sims.round(2))


@BUILT
def test_sdes_keys_only_over_tls_refuse_an_srtp_call_over_udp() -> None:
    """With SDES keys accepted only over TLS, a mandatory-SRTP call over plain UDP is not
    set up (its keys would cross the network in clear text)."""
    secure = {"srtp": "mandatory", "srtp_keys_only_over_tls": True}
    with engine(**secure) as (far, flog), engine(**secure) as (rep, rlog):
        call_id = rep.make_call(f"sip:far@127.0.0.1:{far.info.sip_port}")
        end = rlog.wait_for(state(call_id, "disconnected"), 10)
        assert end.status_code >= 400, end
        assert not flog.of(IncomingCall) or not any(
            e.state == "connected" for e in flog.of(CallStateChanged)
        )
