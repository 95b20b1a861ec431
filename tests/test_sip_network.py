"""Bad networks: a real call between two engines whose RTP crosses a user-space bad network
(tests/net_relay.py: this kernel has no netem) while the app's live session (taps -> Vosk ->
live coach) runs on the rep's side, as in the window.

1. 5 % loss (pjmedia's own receive drop), 60 ± 40 ms jitter, 5 % reordered, then a 3 s
   blackout both ways: the call survives it (the RTP timeout is longer), the prospect's voice
   comes back after it, and the live transcript of the prospect, a known flite recording, is
   close to the transcript of the same recording decoded cleanly (WER bound, not exact).
2. A blackout that never ends, longer than the RTP timeout: the call ends by itself with a
   sentence, and what was transcribed and flagged before the cut is still there, handed to
   the store as it came.

The longer measurement (WER per condition, jitter-buffer figures) is
benchmarks/bench_network.py; its figures are in the README.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.impaired_call import RelayedCall, split_call
from tests.needs import needs
from tests.net_relay import Impairment
from tests.tts_call import SALES_CALL, reference_text, render_call, word_error_rate

pytestmark = [pytest.mark.sip, needs("flite")]
pytest_plugins = ("tests.model_fixtures",)

# Lines 2-6 of the sales call (prospect first: the far end's voice is what crosses the network).
# The lines after the rep's vague opener get 1.5 s gaps: a cut fits before the prospect's
# second line, and a 3 s blackout inside the rep's next line, away from the prospect's words.
SCRIPT = [*SALES_CALL[1:3], *((*item, 1.5) for item in SALES_CALL[3:6])]
BAD = Impairment(delay_ms=60, jitter_ms=40, reorder_pct=5)
LOSS_PCT = 5


class _Store:
    """Stands in for the StoreWriter: keeps each persisted row with the time it came."""

    def __init__(self) -> None:
        self.rows: list[tuple[float, str, object]] = []

    def __call__(self, **rows: list) -> None:
        now = time.monotonic()
        for kind in ("utterances", "flags"):
            self.rows += [(now, kind, item) for item in rows.get(kind) or ()]


@pytest.fixture(scope="module")
def voices(tmp_path_factory) -> tuple[Path, Path, list]:
    out = tmp_path_factory.mktemp("network")
    lines = render_call(SCRIPT, out / "call.wav")
    rep, prospect = split_call(out / "call.wav", out)
    return rep, prospect, lines


@pytest.fixture(scope="module")
def model(model_path):
    from coach.asr_model import load_model

    return load_model(model_path)


def _live(call: RelayedCall, model, store: _Store):
    """The app's live pipeline for this call (taps -> Vosk -> live coach -> persist)."""
    from coach.engine import LiveCoach

    coach = LiveCoach(previous_calls=0)
    try:
        from calling.live import LivePipeline
    except ImportError:  # before the calling package: the app layer's LiveSession
        from types import SimpleNamespace

        from app.live_session import LiveSession

        bridge = SimpleNamespace(post=lambda item: None)
        live = LiveSession(call.rep, bridge, model=model, coach=coach, persist=store)
    else:
        live = LivePipeline(call.rep, lambda event: None, model=model, coach=coach, persist=store)
    live.start()
    return live


def _prospect(utterances: list) -> str:
    return " ".join(u.text for u in utterances if u.speaker == "prospect")


def _clean_transcript(wav: Path, model) -> str:
    """The prospect's recording decoded straight from the file (no call, no network)."""
    import numpy as np
    import soundfile as sf

    from coach.transcribe import ChannelTranscriber

    data, rate = sf.read(str(wav), dtype="int16")
    tr = ChannelTranscriber(model, "prospect", rate, report_backlog=False)
    for i in range(0, len(data), rate // 5):
        tr.feed(np.ascontiguousarray(data[i : i + rate // 5]))
    return _prospect(tr.close(60))


@pytest.mark.timeout(120)
def test_call_survives_loss_jitter_reordering_and_a_blackout(voices, model) -> None:
    rep_wav, far_wav, lines = voices
    prospect = [ln for ln in lines if ln.speaker == "prospect"]
    quiet_rep = lines[3]  # the blackout sits inside this rep line: the prospect is silent
    black_at = quiet_rep.start - 0.8
    assert prospect[1].end + 0.5 < black_at and black_at + 3.0 < prospect[2].start - 1.0
    store = _Store()
    with RelayedCall(rep_wav, far_wav, BAD, rx_drop_pct=LOSS_PCT, media_timeout_s=5.0) as call:
        live = _live(call, model, store)
        try:
            call.dial()
            call.sleep_until(black_at)
            call.relay.blackout(3.0)
            call.sleep_until(black_at + 3.0)
            at_blackout_end = dict(call.streams)
            call.sleep_until(lines[-1].end + 1.0)
            survived = call.is_up()
            ended = call.hangup()
        finally:
            live.stop(30)
        relay = call.relay.stats()["far->rep"]
    streams = call.streams
    print("relay far->rep", relay, "\nrep stream", streams)

    assert survived, ended.sentence  # a 3 s blackout is shorter than the RTP timeout
    assert ended.sentence == "You hung up."
    # the network really was bad, and the engine saw it
    assert relay["blacked_out"] >= 100  # ~150 packets in 3 s
    assert relay["reordered"] >= 20 and relay["max_delay_ms"] >= 60
    assert streams["rx_lost"] >= 20  # pjmedia's 5 % drop + the blackout
    assert streams["rx_jitter_ms_mean"] >= 5  # ~0.5 on a clean loopback
    # ... and it recovered: RTP arrived again after the blackout
    assert streams["rx_packets"] > at_blackout_end.get("rx_packets", 0) + 100

    heard = _prospect(live.utterances)
    clean = _clean_transcript(far_wav, model)
    reference = reference_text(prospect)
    wer, wer_clean = word_error_rate(reference, heard), word_error_rate(reference, clean)
    print(f"prospect WER impaired {wer:.3f} clean {wer_clean:.3f}\n  heard: {heard}")
    # Measured spread of the impaired WER: 0.19-0.25 alone, up to 0.41 during a full suite run
    # (pjsua's jitter buffer discards about a third of the frames under ±40 ms jitter, more when
    # the 2 cores are busy; README "bad networks"). The bound says the speech survives, not
    # that it is clean; the words after the blackout are checked separately.
    assert wer <= wer_clean + 0.5, (heard, clean)
    # the line after the blackout was heard, not lost with it: speech is transcribed again
    # (its accuracy under jitter varies run to run: 0.1-0.67 WER seen, so the bound is loose)
    after = _prospect([u for u in live.utterances if u.start > black_at + 3.0])
    assert len(after.split()) >= 6, heard
    assert word_error_rate(prospect[2].text, after) <= 0.8, heard
    # the rep's side is local (the headset): the coach still flags the rep's vague opener
    assert any(f.kind == "vague_language" for f in live.flags), live.flags


@pytest.mark.timeout(90)
def test_what_was_transcribed_before_a_cut_is_kept(voices, model) -> None:
    rep_wav, far_wav, lines = voices
    prospect = [ln for ln in lines if ln.speaker == "prospect"]
    vague = lines[1]  # "you reached out to us a while ago so i wanted to touch base"
    cut_at = vague.end + 0.4  # before the prospect's second line
    assert cut_at < prospect[1].start
    store = _Store()
    with RelayedCall(rep_wav, far_wav, rx_drop_pct=0, media_timeout_s=2.0) as call:
        live = _live(call, model, store)
        try:
            call.dial()
            call.sleep_until(cut_at)
            call.relay.blackout()  # for good: the far end is unreachable from now on
            cut = time.monotonic()
            ended = call.wait_end(15)  # ends by itself: the rep does nothing
            ended_at = time.monotonic()
            time.sleep(1.5)  # the last final utterance and flag reach the store
        finally:
            live.stop(30)

    assert ended.sentence == "The call dropped: no audio came from the other side for 2 seconds."
    assert 1.5 <= ended_at - cut <= 8.0  # the 2 s RTP timeout, checked 4 times a second

    # what was said before the cut: transcribed and flagged ...
    heard = _prospect(live.utterances)
    assert word_error_rate(prospect[0].text, heard) <= 0.4, heard
    assert "reached out" in " ".join(u.text for u in live.utterances if u.speaker == "rep")
    vague_flags = [f for f in live.flags if f.kind == "vague_language"]
    assert vague_flags, live.flags
    # ... and handed to the store as it came (not only in an end-of-call summary that a
    # dropped call might never reach)
    saved = [item for _, _, item in store.rows]
    assert any(getattr(u, "speaker", "") == "prospect" for u in saved), store.rows
    assert any(getattr(f, "kind", "") == "vague_language" for f in saved), store.rows
    # nothing of the prospect's later lines was invented after the cut
    assert all(u.start < cut_at + 1.0 for u in live.utterances if u.speaker == "prospect")
