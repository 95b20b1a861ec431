"""Speech through one real call per codec (issue 13), for tests/test_sip_codec_speech.py and
benchmarks/bench_codec_wer.py.

Two engines on loopback, both offering only the codec under test (so nothing else can be
negotiated); the far end plays a flite recording of scripted lines, the rep's engine records
the call, and the rep's recording's right channel (what arrived: RTP -> jitter buffer ->
decoder -> the app's media port) is transcribed with Vosk and scored against the script.

    speech = render_speech(SALES_CALL[:4], tmp / "speech.wav")    # mono, both flite voices
    heard = speech_through_call(speech.wav, "opus/48000", tmp / "opus.wav")
    heard.codec, heard.rep_stream
    transcribe_received(tmp / "opus.wav", model_dir)            # the far end's words
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from softphone.client import EngineClient
from softphone.event_log import EventLog
from softphone.protocol import CallMediaChanged, IncomingCall
from tests.sip_support import loopback_config, state
from tests.tts_call import ScriptLine, render_call

# The codecs compared: Opus (the default where both ends have it), G.722, G.711 u-law.
CODECS = ("opus/48000", "G722/16000", "PCMU/8000")


@dataclass(frozen=True)
class Speech:
    wav: Path  # mono 16 kHz
    lines: list[ScriptLine]

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)

    @property
    def seconds(self) -> float:
        return max(line.end for line in self.lines)


@dataclass
class CallResult:
    codec: str  # as negotiated (CallMediaChanged)
    connected_s: float  # how long the call was up before the hang-up
    rep_stream: dict = field(default_factory=dict)  # the receiving side's stream stats


def render_speech(
    script: list[tuple], path: Path, gap: float = 0.6, lead_in: float = 1.5
) -> Speech:
    """The script spoken by both flite voices (rep and prospect lines alternate) in one mono
    WAV: a codec meets a female and a male voice. The lines never overlap.

    The lead-in keeps the first word clear of the call's first frames (jitter buffer
    prefetch, the decoder starting up). Even so, Vosk reads the sales call's opening "hi this
    is sarah" as "my missus their" in some runs of the same codec (the 20 ms frame alignment
    moves from call to call; the clean file shifted by 0-20 ms flips too): a 3-4 word swing
    that says nothing about the codec, so the test's script starts at the third line."""
    stereo = path.with_suffix(".stereo.wav")
    lines = render_call(script, stereo, gap=gap, lead_in=lead_in, tail=0.8)
    data, rate = sf.read(str(stereo), dtype="float32")
    sf.write(str(path), np.clip(data.sum(axis=1), -1, 1), rate, subtype="PCM_16")
    stereo.unlink()
    return Speech(path, lines)


def speech_through_call(
    speech_wav: Path,
    codec: str,
    record: Path,
    seconds: float,
    timeout: float = 15.0,
    engine_options: dict | None = None,
) -> CallResult:
    """One call between two engines offering only `codec`: the far end plays `speech_wav`,
    the rep's engine records the call to `record` (right channel = what it received). The
    call is hung up `seconds` after it connected. `engine_options` go to both engines'
    EngineConfig (e.g. rx_drop_pct to damage the path on purpose)."""
    only = {"codecs": (codec,), "other_codecs": False, "srtp": "disabled", **(engine_options or {})}
    rep_log, far_log = EventLog(), EventLog()
    with contextlib.ExitStack() as stack:
        clients = []
        for log, kw in ((far_log, {"audio": "file", "play_file": str(speech_wav)}), (rep_log, {})):
            client = EngineClient(loopback_config(**only, **kw))
            client.add_listener(log)
            client.start()
            stack.callback(client.stop)
            clients.append(client)
        far, rep = clients
        call_id = rep.make_call(f"sip:far@127.0.0.1:{far.info.sip_port}", record_path=str(record))
        incoming = far_log.wait_for(lambda e: isinstance(e, IncomingCall), timeout)
        far.answer(incoming.call_id)
        rep_log.wait_for(state(call_id, "connected"), timeout)
        up = time.monotonic()
        media = rep_log.wait_for(
            lambda e: isinstance(e, CallMediaChanged) and e.call_id == call_id, timeout
        )
        streams: dict = {}
        while time.monotonic() - up < seconds:
            time.sleep(0.5)
            got = rep.stats().get("streams", {}).get(call_id)  # gone with the call: keep the last
            streams = got or streams
        connected_s = time.monotonic() - up
        rep.hangup(call_id)
        rep_log.wait_for(state(call_id, "disconnected"), timeout)
        time.sleep(0.6)  # the engine closes the recording 0.4 s after the call ends
    return CallResult(media.codec, round(connected_s, 2), streams)


def transcribe_received(record: Path, model: str | Path | None = None) -> str:
    """What the rep's engine heard (the recording's right channel), as Vosk transcribes it."""
    from coach.transcribe import transcribe_stereo_wav

    utterances = transcribe_stereo_wav(record, model, channel_map={"prospect": 1})
    return " ".join(u.text for u in utterances)


def transcribe_clean(speech_wav: Path, model: str | Path | None = None) -> str:
    """The played file itself, decoded straight (no call): the best a codec can do."""
    from coach.transcribe import transcribe_stereo_wav

    utterances = transcribe_stereo_wav(speech_wav, model, channel_map={"prospect": 0})
    return " ".join(u.text for u in utterances)
