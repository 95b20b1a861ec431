"""Real third-party phones as test peers (issue 11): baresip 1.0 and linphonec 5.1 call our
engine and are called by it, on PCMU and G.722, and with SRTP; speech goes both ways and is
checked by per-window cross-correlation; the security state the engine reports is checked
against what actually crosses the wire (a raw-socket sniffer on `lo` decodes the PCMU payloads:
plain RTP gives back the rep's speech, SRTP gives noise).

Scoring: the first 3.5 s of each voice in 0.5 s windows (7 voiced windows), each searched
+-250 ms around the overall lag. Measured here: clean windows score 0.99-1.00 on both codecs,
both peers, with and without SRTP; a window holding one of the 20-40 ms inserts/drops of a
receiving jitter buffer falls to ~0.5-0.7, and the first window of the answerer's speech can
lose its first ~100 ms (media sent before the other side's stream is up: ~0.3); the wrong
voice scores 0.14. So, both ways: median >= 0.97 and at most 2 of the 7 windows < 0.9; and the
rep's own voice is not what the rep heard (median < 0.5).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import soundfile
import soxr

from softphone.errors import EngineError
from softphone.protocol import CallMediaChanged, IncomingCall
from tests.needs import needs, needs_that
from tests.sip_support import engine, free_port, state, voice_a_fixture, voice_b_fixture  # noqa: F401
from tests.thirdparty_peers import Baresip, Linphonec, RtpSniffer, load, window_similarity

pytestmark = pytest.mark.sip

RATE = {"PCMU": 8000, "G722": 16000}
SPEECH_S = 3.5  # the first seconds of each voice are scored; the call lasts a bit longer
sniffer_ok = needs_that(
    RtpSniffer.available(), "a raw socket on lo (CAP_NET_RAW) for the RTP sniffer"
)


@pytest.fixture(scope="module")
def voices(tmp_path_factory, voice_a, voice_b) -> dict:
    """The rep's and the far end's voices, as 16 kHz and 8 kHz WAVs (baresip's aufile plays
    only at the codec's own rate)."""
    d = tmp_path_factory.mktemp("tp_voices")
    out = {}
    for who, (_, samples) in (("rep", voice_a), ("far", voice_b)):
        x = samples.astype(np.float32) / 32768
        for rate in (16000, 8000):
            y = x if rate == 16000 else soxr.resample(x, 16000, rate)
            p = d / f"{who}{rate // 1000}k.wav"
            soundfile.write(p, y, rate, subtype="PCM_16")
            out[who, rate] = p
    return out


def _run_call(client, log, *, dial: str | None, record: Path) -> CallMediaChanged:
    """One call between our engine and a peer: we dial `dial`, or we answer the next incoming
    call; speech plays for a while; we hang up (unless the peer did). Returns our media event."""
    if dial:
        cid = client.make_call(dial, record_path=str(record))
    else:
        inc = log.wait_for(lambda e: isinstance(e, IncomingCall), 10)
        cid = inc.call_id
        client.answer(cid, record_path=str(record))
    up = log.wait_for(state(cid, "connected", "disconnected"), 10)
    assert up.state == "connected", up
    media = log.wait_for(lambda e: isinstance(e, CallMediaChanged) and e.call_id == cid, 5)
    time.sleep(SPEECH_S + 1.0)
    try:
        client.hangup(cid)
    except EngineError:
        pass  # the peer hung up first (baresip does at the end of its file)
    log.wait_for(state(cid, "disconnected"), 5)
    time.sleep(0.7)  # the recording is closed 0.4 s after the call ends
    return media


def _check_audio(voices: dict, codec: str, ours: Path, theirs: Path) -> dict:
    """Speech both ways, scored per window at the codec's rate; returns the scores."""
    rate = RATE[codec]
    n = int(SPEECH_S * rate)
    rep, far = load(voices["rep", 16000], rate)[:n], load(voices["far", 16000], rate)[:n]
    heard_by_us = load(ours, rate, channel=1)  # right = prospect
    heard_by_them = load(theirs, rate)
    scores = {
        "us->peer": window_similarity(rep, heard_by_them, rate),
        "peer->us": window_similarity(far, heard_by_us, rate),
    }
    for name, sims in scores.items():
        assert len(sims) >= 4, (name, sims)
        # at most one window clipped at call start and one holding a jitter-buffer splice
        assert np.median(sims) >= 0.97 and np.sum(sims < 0.9) <= 2, (name, sims.round(2))
    wrong = window_similarity(rep, heard_by_us, rate)  # not by accident: our own voice
    assert np.median(wrong) < 0.5, wrong.round(2)
    scores["wrong voice"] = wrong
    _report(scores)
    return scores


def _report(scores: dict) -> None:
    """The figures, for `pytest -s` (the README quotes them)."""
    print(
        "  ".join(
            f"{k}: median {np.median(v):.3f} min {v.min():.2f} n {len(v)}"
            for k, v in scores.items()
        )
    )


# ---- baresip ------------------------------------------------------------------------------


@needs("baresip", "flite")
@pytest.mark.parametrize("codec", ["PCMU", "G722"])
@pytest.mark.parametrize("direction", ["we_call", "it_calls"])
def test_baresip_audio_both_ways(tmp_path, voices, codec, direction) -> None:
    rate = RATE[codec]
    with engine(
        audio="file", play_file=str(voices["rep", 16000]), codecs=(codec,), other_codecs=False
    ) as (a, alog):
        ours = tmp_path / "ours.wav"
        dial = f"sip:rep@127.0.0.1:{a.info.sip_port}" if direction == "it_calls" else None
        # the codec is forced on both sides: ours offers/accepts only it, baresip likewise
        with Baresip(tmp_path, play=voices["far", rate], codec=codec, dial=dial) as bs:
            media = _run_call(a, alog, dial=None if dial else bs.uri, record=ours)
            bs.stop()
            out = bs.output()
    assert media.codec.startswith(codec) and media.srtp is False, media
    assert media.security == "Not encrypted"
    assert f"Set audio decoder: {codec} {rate}Hz" in out, out[-2000:]
    _check_audio(voices, codec, ours, bs.received())


# ---- linphonec ----------------------------------------------------------------------------


@needs("linphonec", "flite")
@pytest.mark.parametrize("codec", ["PCMU", "G722"])
@pytest.mark.parametrize("direction", ["we_call", "it_calls"])
def test_linphonec_audio_both_ways(tmp_path, voices, codec, direction) -> None:
    theirs = tmp_path / "theirs.wav"
    with engine(
        audio="file", play_file=str(voices["rep", 16000]), codecs=(codec,), other_codecs=False
    ) as (a, alog):
        ours = tmp_path / "ours.wav"
        with Linphonec(tmp_path, play=voices["far", 16000], record=theirs, codecs=(codec,)) as lp:
            if direction == "it_calls":
                lp.call(f"sip:rep@127.0.0.1:{a.info.sip_port}")
            media = _run_call(a, alog, dial=lp.uri if direction == "we_call" else None, record=ours)
            lp.wait_output("ended", 5)
    assert media.codec.startswith(codec) and media.srtp is False, media
    assert media.security == "Not encrypted"
    _check_audio(voices, codec, ours, theirs)


# ---- SRTP: what the engine reports against what crosses the wire ------------------------------


def _wire_check(sniff: RtpSniffer, voices: dict, encrypted: bool) -> dict:
    """What an eavesdropper on lo hears of the rep (our outgoing PCMU payloads decoded)."""
    rtp = sniff.rtp("out")
    assert len(rtp) > 100 and len(sniff.rtp("in")) > 100, (len(rtp), len(sniff.rtp("in")))
    rep = load(voices["rep", 16000], 8000)[: int(SPEECH_S * 8000)]
    heard = window_similarity(rep, sniff.pcmu_audio("out"), 8000)
    if encrypted:
        assert np.median(heard) < 0.3, heard.round(2)  # noise: the keys are not on the wire
    else:
        assert np.median(heard) >= 0.97, heard.round(2)  # anyone on the path hears the rep
    _report({"on the wire": heard})
    return {"wire": heard}


def _srtp_engine(voices: dict, srtp: str, rtp_port: int):
    return engine(
        audio="file",
        play_file=str(voices["rep", 16000]),
        codecs=("PCMU",),
        other_codecs=False,
        srtp=srtp,
        rtp_port=rtp_port,
    )


def _even_port() -> int:
    while (p := free_port()) % 2:
        pass
    return p


@needs("linphonec", "flite")
@sniffer_ok
@pytest.mark.parametrize(
    ("direction", "ours", "theirs", "encrypted"),
    [
        # our "optional" puts a=crypto in a plain RTP/AVP offer: linphonec ignores it, whether
        # its own SRTP is off (stock) or on -> plain, and the engine must say so
        ("we_call", "optional", None, False),
        ("we_call", "optional", "srtp", False),
        # "mandatory" offers RTP/SAVP, which even a stock linphonec (encryption off) accepts
        ("we_call", "mandatory", None, True),
        # linphonec with media_encryption=srtp offers RTP/SAVP (even when not mandatory)
        ("it_calls", "optional", "srtp", True),
    ],
)
def test_linphonec_srtp_state_matches_the_wire(
    tmp_path, voices, direction, ours, theirs, encrypted
) -> None:
    got = tmp_path / "theirs.wav"
    port = _even_port()
    lp = Linphonec(
        tmp_path, play=voices["far", 16000], record=got, encryption=theirs, codecs=("PCMU",)
    )
    with _srtp_engine(voices, ours, port) as (a, alog), RtpSniffer(port) as sniff, lp:
        if direction == "it_calls":
            lp.call(f"sip:rep@127.0.0.1:{a.info.sip_port}")
        dial = lp.uri if direction == "we_call" else None
        media = _run_call(a, alog, dial=dial, record=tmp_path / "ours.wav")
        lp.wait_output("ended", 5)  # its recording is complete
    assert media.srtp is encrypted, (media, lp.log()[-3000:])
    assert media.security == ("Encrypted (SRTP)" if encrypted else "Not encrypted")
    _wire_check(sniff, voices, encrypted)
    _check_audio(voices, "PCMU", tmp_path / "ours.wav", got)


@needs("baresip", "flite")
@sniffer_ok
@pytest.mark.parametrize(
    ("direction", "ours", "mediaenc", "encrypted"),
    [
        # baresip's best-effort "srtp" answers our optional RTP/AVP + a=crypto offer with keys
        ("we_call", "optional", "srtp", True),
        # "srtp-mand" offers RTP/SAVP; our "optional" accepts it
        ("it_calls", "optional", "srtp-mand", True),
    ],
)
def test_baresip_srtp_state_matches_the_wire(
    tmp_path, voices, direction, ours, mediaenc, encrypted
) -> None:
    port = _even_port()
    with _srtp_engine(voices, ours, port) as (a, alog), RtpSniffer(port) as sniff:
        dial = f"sip:rep@127.0.0.1:{a.info.sip_port}" if direction == "it_calls" else None
        with Baresip(tmp_path, play=voices["far", 8000], codec="PCMU", mediaenc=mediaenc,
                     dial=dial) as bs:  # fmt: skip
            media = _run_call(a, alog, dial=None if dial else bs.uri, record=tmp_path / "ours.wav")
            bs.stop()
    assert media.srtp is encrypted, (media, bs.output()[-3000:])
    assert media.security == ("Encrypted (SRTP)" if encrypted else "Not encrypted")
    _wire_check(sniff, voices, encrypted)
    _check_audio(voices, "PCMU", tmp_path / "ours.wav", bs.received())
