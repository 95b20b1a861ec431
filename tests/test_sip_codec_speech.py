"""Real speech through an Opus call transcribes no worse than through a G.722 call (issue 13).

The same flite recording (lines 3-8 of the scripted sales call, both voices, 68 words) is
played by a far-end engine into one loopback call per codec, each pair of engines offering
only that codec; the rep's engine records what it received and Vosk transcribes it
(tests/codec_call.py). The longer measurement, PCMU included, is
benchmarks/bench_codec_wer.py; its figures are in the README (SIP stack).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.codec_call import (
    render_speech,
    speech_through_call,
    transcribe_clean,
    transcribe_received,
)
from tests.needs import needs
from tests.sip_support import BUILT
from tests.tts_call import SALES_CALL, word_error_rate

pytestmark = [pytest.mark.sip, needs("flite")]
pytest_plugins = ("tests.model_fixtures",)


@BUILT
@pytest.mark.timeout(90)
def test_speech_through_opus_transcribes_no_worse_than_through_g722(tmp_path, model_path):
    # from the third line: Vosk's reading of the opening line flips between runs of any
    # codec (tests/codec_call.py, render_speech)
    speech = render_speech(SALES_CALL[2:8], tmp_path / "speech.wav")
    codecs = {"opus": "opus/48000", "G722": "G722/16000"}
    # Both calls at once (four engine processes, a few % CPU each) keep the test under 50 s;
    # the clean file is transcribed meanwhile.
    with ThreadPoolExecutor(len(codecs)) as pool:
        calls = {
            name: pool.submit(
                speech_through_call,
                speech.wav,
                codec,
                tmp_path / f"{name}.wav",
                speech.seconds + 0.5,
            )
            for name, codec in codecs.items()
        }
        clean = transcribe_clean(speech.wav, model_path)
        done = {name: future.result() for name, future in calls.items()}
    wer, vs_clean, negotiated = {}, {}, {}
    for name, call in done.items():
        heard = transcribe_received(tmp_path / f"{name}.wav", model_path)
        negotiated[name] = call.codec
        wer[name] = word_error_rate(speech.text, heard)
        vs_clean[name] = word_error_rate(clean, heard)
        print(f"{call.codec}: WER {wer[name]:.3f}, vs the clean file {vs_clean[name]:.3f}: {heard}")
    print(f"clean file: WER {word_error_rate(speech.text, clean):.3f}: {clean}")
    assert negotiated["opus"].startswith("opus/") and negotiated["G722"].startswith("G722/")
    # Measured (3 runs, 68 words; Vosk gets 0.132 on the clean file): Opus 0.088-0.103,
    # G.722 0.059-0.088, Opus minus G.722 +0.014 to +0.029. With 20 % of RTP dropped each way
    # Opus read 0.235 (10 %: 0.103, its concealment hides that much).
    assert wer["opus"] <= wer["G722"] + 0.05, (wer, vs_clean)
    # ... and not merely because both paths broke alike: each carries the speech near the
    # clean file's floor (the 20 % loss above fails this too).
    assert max(wer.values()) <= 0.2, (wer, vs_clean)
