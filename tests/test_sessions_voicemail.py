"""Voicemail: messages recorded from the (virtual) headset microphone, clear sentences for
missing or bad messages, and the beep of a real far end's greeting found in the call's
prospect tap (a second engine process answering with a greeting + 1 kHz beep)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import soundfile

from calling.voicemail import BeepDetector, MessageLibrary, VoicemailError, drop, engine_can_play
from softphone.protocol import IncomingCall
from tests.audio_support import chunk_correlation, inject_mic, speech_wav
from tests.needs import needs_that
from tests.sip_support import engine, state, tts

RATE = 16000


def greeting_with_beep(tmp_path) -> tuple[str, float]:
    """A flite greeting, 0.3 s pause, a 0.5 s 1 kHz beep, 2 s silence; (path, beep start)."""
    speech = tts(
        tmp_path / "greet.wav",
        "Hi, you have reached Dana Smith at Acme. Please leave a message after the tone.",
    )
    t = np.arange(RATE // 2) / RATE
    beep = (9000 * np.sin(2 * np.pi * 1000 * t)).astype(np.int16)
    pause = np.zeros(int(0.3 * RATE), np.int16)
    box = np.concatenate([speech, pause, beep, np.zeros(2 * RATE, np.int16)])
    path = tmp_path / "box.wav"
    soundfile.write(path, box, RATE, subtype="PCM_16")
    return str(path), (len(speech) + len(pause)) / RATE


def test_beep_detector_finds_the_tone_not_the_speech(tmp_path) -> None:
    path, beep_at = greeting_with_beep(tmp_path)
    audio, _ = soundfile.read(path, dtype="int16")
    det = BeepDetector()
    for i in range(0, len(audio), 777):  # odd chunk sizes, as a tap delivers them
        det.feed(audio[i : i + 777])
    assert det.beep is not None and det.beep.frequency == 1000.0
    assert abs(det.beep.start - beep_at) < 0.03 and abs(det.beep.end - (beep_at + 0.5)) < 0.03
    speech_only = BeepDetector().feed(audio[: int((beep_at - 0.3) * RATE)])
    assert speech_only is None


@pytest.mark.sip
def test_beep_heard_through_a_real_call_to_a_voicemail_box(tmp_path) -> None:
    path, beep_at = greeting_with_beep(tmp_path)
    with (
        engine(audio="file", play_file=path) as (box, _box_log),
        engine() as (rep, log),
    ):
        box.add_listener(
            lambda e: (
                isinstance(e, IncomingCall)
                and threading.Thread(target=box.answer, args=(e.call_id,)).start()
            )
        )
        tap = rep.open_tap("prospect")
        call_id = rep.make_call(f"sip:voicemail@127.0.0.1:{box.info.sip_port}")
        log.wait_for(state(call_id, "connected"), 5)
        tap.read()  # drop what came before the call
        det, t0 = BeepDetector(), time.monotonic()
        while det.beep is None and time.monotonic() - t0 < beep_at + 5:
            chunk = tap.read()
            if len(chunk):
                det.feed(chunk)
            else:
                time.sleep(0.02)
        rep.hangup(call_id)
        tap.close()
    assert det.beep is not None and det.beep.frequency == 1000.0
    # The box starts its greeting when the call connects; the tap starts at connect too.
    assert abs(det.beep.start - beep_at) < 0.4
    assert 0.4 < det.beep.end - det.beep.start < 0.6


@pytest.mark.audio
def test_message_recorded_from_the_headset_mic_and_re_recorded(tmp_path) -> None:
    lib = MessageLibrary(tmp_path / "voicemail")
    wav, src = speech_wav(tmp_path)
    seconds = len(src) / RATE + 1.5
    result: dict = {}

    def record() -> None:
        result["path"] = lib.record("pat", "standard", seconds)

    rec = threading.Thread(target=record)
    rec.start()
    time.sleep(0.4)
    inject_mic(wav).wait(timeout=30)
    rec.join(timeout=seconds + 10)
    got, rate = soundfile.read(result["path"], dtype="int16")
    assert rate == RATE and lib.names("pat") == ["standard"]
    assert chunk_correlation(got, src) > 0.9
    # Re-recording replaces the message in place.
    lib.save("pat", "standard", (src // 2).astype(np.int16))
    again, _ = soundfile.read(lib.path("pat", "standard"), dtype="int16")
    assert len(again) == len(src)


def test_missing_or_unusable_messages_are_sentences(tmp_path) -> None:
    lib = MessageLibrary(tmp_path / "voicemail")
    with pytest.raises(VoicemailError, match="no voicemail message named 'short'.*record one"):
        lib.path("pat", "short")
    with pytest.raises(VoicemailError, match="silent"):
        lib.save("pat", "quiet", np.zeros(RATE, np.int16))
    with pytest.raises(VoicemailError, match="cannot name a message"):
        lib.save("pat", "../evil", np.ones(RATE, np.int16) * 1000)
    with pytest.raises(VoicemailError, match="does not exist; record it first"):
        drop(object(), "c1", tmp_path / "nope.wav")


@pytest.mark.sip
@needs_that(engine_can_play(None), "the engine's PlayFile command (voicemail drop)")
def test_voicemail_dropped_after_the_beep_arrives_whole_while_the_queue_moves_on(tmp_path) -> None:
    from app.db import open_database
    from app.store_writer import StoreWriter
    from calling import calllists
    from calling.calling_hours import CallingWindow
    from calling.dialer_queue import DialerQueue

    path, beep_at = greeting_with_beep(tmp_path)
    msg = tts(
        tmp_path / "msg.wav",
        "Hi Dana, this is Pat from Acme. I saw you downloaded our guide on Tuesday. "
        "Call me back at five five five, zero one nine nine.",
        "kal16",
    )
    box_rec = tmp_path / "box.wav"
    db = open_database(tmp_path / "cc.db")
    writer = StoreWriter(tmp_path / "cc.db").start()
    text = "Name,Phone\nDana Smith,+1 212 555 0101\nLee Chan,+1 415 555 0102\n"
    list_id = calllists.import_preview(db, calllists.parse_table(text), "vm").list_id
    with (
        engine(audio="file", play_file=path) as (box, _box_log),
        engine() as (rep, log),
    ):
        box.add_listener(
            lambda e: (
                isinstance(e, IncomingCall)
                and threading.Thread(target=box.answer, args=(e.call_id, str(box_rec))).start()
            )
        )
        q = DialerQueue(
            writer,
            rep,
            list_id,
            window=CallingWindow.parse("0-24"),
            uri_for=f"sip:{{number}}@127.0.0.1:{box.info.sip_port}",
        ).start()
        try:
            q.dial()
            q.wait_for("connected", timeout=5)
            call_id = q.engine_call
            t0 = time.monotonic()
            q.drop_voicemail(str(tmp_path / "msg.wav"), beep=True)
            # The rep is on the next card at once; the message plays on by itself.
            assert q.state == "ready" and q.card.name == "Lee Chan"
            assert time.monotonic() - t0 < 1.0
            log.wait_for(state(call_id, "disconnected"), beep_at + len(msg) / RATE + 10)
            time.sleep(1.0)  # the recording closes; the queue records the end of the dial
            counters = q.counters()
        finally:
            q.stop()
            writer.stop()
    assert counters["voicemails"] == 1 and counters["dials"] == 1
    ended = db.execute("SELECT ended_at, disposition FROM session_dials").fetchone()
    assert ended[0] is not None and ended[1] == "voicemail_left"
    rec, _ = soundfile.read(box_rec, dtype="int16")
    far = rec[:, 1]  # what reached the voicemail box
    spec = np.fft.irfft(np.fft.rfft(far, 2 * len(far)) * np.conj(np.fft.rfft(msg, 2 * len(far))))
    lag = int(np.argmax(spec[: len(far)])) / RATE
    assert lag >= beep_at + 0.5  # the message starts after the beep has ended
    assert lag < beep_at + 1.5
    assert chunk_correlation(far, msg) > 0.9  # and arrives whole
    assert len(far) / RATE < lag + len(msg) / RATE + 1.5  # hung up when it had played
